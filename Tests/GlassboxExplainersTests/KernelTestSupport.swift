import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport

/// A small nonlinear model with interactions: two outputs,
/// f0 = x0·x1·x2 + max(x3, x4) + 0.5·x0² − x5 + sin-free extras on further columns,
/// f1 = x0 − x1·x3 + |x2 − x4|.
struct InteractionModel: Model {
  let featureCount: Int
  let outputs: Int
  var transform: OutputTransform = .identity

  var featureNames: [String] { (0..<featureCount).map { "x\($0)" } }
  var outputCount: Int { outputs }
  var classNames: [String]? { nil }
  var summary: String { "test interaction model" }

  static func f(_ x: [Double], output: Int) -> Double {
    func at(_ i: Int) -> Double { i < x.count ? x[i] : 0 }
    if output == 0 {
      var y = at(0) * at(1) * at(2) + max(at(3), at(4)) + 0.5 * at(0) * at(0) - at(5)
      for j in 6..<max(6, x.count) { y += Double(j % 3 + 1) * 0.3 * at(j) * at(j - 6) }
      return y
    }
    return at(0) - at(1) * at(3) + abs(at(2) - at(4))
  }

  func predictMargins(_ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>) {
    let m = featureCount
    for r in 0..<count {
      let x = Array(rows[(r * m)..<((r + 1) * m)])
      for c in 0..<outputs { out[r * outputs + c] = Self.f(x, output: c) }
    }
  }
}

/// Seeded random rows (`count × m`), values in [−2, 2] rounded to a grid of 0.5 so some
/// coordinates coincide between rows (as categorical data do).
func randomRows(_ count: Int, _ m: Int, seed: UInt64) -> [Double] {
  var rng = Xoshiro256StarStar(seed: seed)
  return (0..<(count * m)).map { _ in (rng.nextUnitDouble() * 8).rounded(.down) * 0.5 - 2 }
}

/// The rows of a row-major array.
func rowArrays(_ rows: [Double], _ m: Int) -> [[Double]] {
  (0..<(rows.count / m)).map { Array(rows[($0 * m)..<(($0 + 1) * m)]) }
}

/// Brute-force Shapley values of the interventional game of `f` (unweighted background).
func oracle(_ f: @escaping ([Double]) -> Double, x: [Double], background: [[Double]]) -> [Double] {
  bruteForceShapley(players: x.count, value: interventionalValue(model: f, x: x, background: background))
}

/// Mean |a − b| over all entries.
func meanAbsoluteError(_ a: [Double], _ b: [Double]) -> Double {
  zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(a.count)
}
