import GlassboxData
import GlassboxModels
import GlassboxNumerics
import Testing

@testable import GlassboxExplainers

/// The direct estimator's regression (`DirectLIMERegression` on `DirectLIMEDesign`) against
/// the textbook formulas computed independently, and its results' independence of the
/// thread count on a boosted classifier's probability.
@Suite("LIME direct estimator: regression and determinism")
struct LIMEDirectDesignTests {
  /// Solves `a x = b` (`p × p`, row-major) by Gauss–Jordan elimination with partial pivoting.
  static func solve(_ a: [Double], _ b: [[Double]], _ p: Int) -> [[Double]] {
    var a = a
    var b = b
    for c in 0..<p {
      let pivot = (c..<p).max { abs(a[$0 * p + c]) < abs(a[$1 * p + c]) }!
      if pivot != c {
        for k in 0..<p { a.swapAt(c * p + k, pivot * p + k) }
        for r in b.indices { b[r].swapAt(c, pivot) }
      }
      for r in 0..<p where r != c {
        let factor = a[r * p + c] / a[c * p + c]
        for k in 0..<p { a[r * p + k] -= factor * a[c * p + k] }
        for s in b.indices { b[s][r] -= factor * b[s][c] }
      }
    }
    return b.map { column in (0..<p).map { column[$0] / a[$0 * p + $0] } }
  }

  @Test("slopes, mean, residual and sandwich errors equal the normal equations solved by elimination")
  func regressionMatchesTextbook() throws {
    var generator = Xoshiro256StarStar(seed: 5, stream: 11)
    let n = 700, m = 6
    let matchProbability = [0.3, 0.5, 0.8, 0.15, 0.6]
    // Five binary inputs and one standard normal one, kernel-like weights.
    var z = [Double](repeating: 0, count: m * n)
    var weights = [Double](repeating: 1, count: n)
    for i in 0..<n {
      for j in 0..<5 {
        let match = generator.nextUnitDouble() < matchProbability[j]
        z[j * n + i] = match ? 1 : 0
        if !match { weights[i] *= 0.93 }
      }
      z[5 * n + i] = generator.nextGaussian()
    }
    func input(_ j: Int, _ i: Int) -> Double { z[j * n + i] }
    let h = (0..<n).map { i in 0.7 * input(0, i) - 1.3 * input(2, i) + 0.4 * input(5, i) + 0.2 * input(1, i) * input(3, i) }
    let f = (0..<n).map { i in 1 / (1 + expValue(-h[i] - 0.3 * input(4, i))) + 0.05 * generator.nextGaussian() }
    let means = matchProbability + [0.1]
    let variances = means.indices.map { j in j == 5 ? 0.9 : means[j] * (1 - means[j]) }
    let control = LIMEPopulation(
      tilted: means, variances: variances, instanceInputs: [Double](repeating: 1, count: m), expectation: -0.4,
      contrasts: [0.72, 0.05, -1.28, 0.03, 0.01, 0.41], residual: 0, residualIsEstimated: false, instanceOutput: 0,
      kernelMean: 1)
    let fit = DirectLIMERegression(f: f, z: z, weights: weights, means: means, variances: variances, control: (h, control))

    // The textbook: centre on weighted means, A = XᵀWX, b = A⁻¹XᵀW(y − ȳ), residuals,
    // λ = ⟨r_f, r_h⟩_W / ⟨r_h, r_h⟩_W, HC1 errors from A⁻¹ explicitly.
    let total = weights.reduce(0, +)
    func mean(_ y: [Double]) -> Double { zip(weights, y).map { $0 * $1 }.reduce(0, +) / total }
    let centres = (0..<m).map { j in mean((0..<n).map { input(j, $0) }) }
    let x = (0..<n).map { i in (0..<m).map { input($0, i) - centres[$0] } }
    var a = [Double](repeating: 0, count: m * m)
    for i in 0..<n { for r in 0..<m { for c in 0..<m { a[r * m + c] += weights[i] * x[i][r] * x[i][c] } } }
    func slopes(_ y: [Double]) -> [Double] {
      let ybar = mean(y)
      let xty = (0..<m).map { r in (0..<n).map { weights[$0] * x[$0][r] * (y[$0] - ybar) }.reduce(0, +) }
      return Self.solve(a, [xty], m)[0]
    }
    func residuals(_ y: [Double], _ b: [Double]) -> [Double] {
      let ybar = mean(y)
      return (0..<n).map { i in y[i] - ybar - (0..<m).map { b[$0] * x[i][$0] }.reduce(0, +) }
    }
    let bf = slopes(f), bh = slopes(h)
    let rf = residuals(f, bf), rh = residuals(h, bh)
    let lambda = (0..<n).map { weights[$0] * rf[$0] * rh[$0] }.reduce(0, +)
      / (0..<n).map { weights[$0] * rh[$0] * rh[$0] }.reduce(0, +)
    let expected = (0..<m).map { bf[$0] + lambda * (control.contrasts[$0] - bh[$0]) }
    let inverse = Self.solve(a, (0..<m).map { c in (0..<m).map { $0 == c ? 1 : 0 } }, m)  // columns
    let e = (0..<n).map { rf[$0] - lambda * rh[$0] }
    let inflation = Double(n) / Double(n - m - 1)
    let expectedErrors = (0..<m).map { r -> Double in
      var s = 0.0
      for i in 0..<n {
        let t = (0..<m).map { inverse[$0][r] * x[i][$0] }.reduce(0, +)
        s += weights[i] * weights[i] * e[i] * e[i] * t * t
      }
      return (s * inflation).squareRoot()
    }
    let shift = { (b: [Double]) in (0..<m).map { b[$0] * (means[$0] - centres[$0]) }.reduce(0, +) }
    let expectedMean = mean(f) + shift(bf) + lambda * (control.expectation - mean(h) - shift(bh))
    let expectedResidual = (0..<n).map { weights[$0] * rf[$0] * rf[$0] }.reduce(0, +) / total * inflation

    for j in 0..<m {
      #expect(abs(fit.slopes[j] - expected[j]) <= 1e-12 * max(1, abs(expected[j])), "slope \(j)")
      #expect(abs(fit.errors[j] - expectedErrors[j]) <= 1e-10 * expectedErrors[j], "error \(j)")
    }
    #expect(fit.errors.allSatisfy { $0 > 0 })
    #expect(abs(fit.expectation - expectedMean) <= 1e-12)
    #expect(abs(fit.residual - expectedResidual) <= 1e-12 * expectedResidual)
  }

  @Test("the direct estimator on the Adult XGBoost probability gives identical results for 1 and 3 threads")
  func identicalForAnyThreadCount() throws {
    let loaded = try ModelLoader.load(path: LIMEExactReferenceTests.root + "/models/adult-xgboost.json")
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    let m = loaded.model.featureCount
    let rows = Array(background.rows[0..<(6 * m)])
    func run(threads: Int) throws -> [Explanation] {
      let lime = try LIME(
        model: loaded.model, background: background, schema: loaded.schema,
        configuration: LIMEConfiguration(
          samples: 400, features: m, space: .probability, seed: 8, threads: threads, estimator: .direct))
      #expect(lime.estimator == .direct)
      return try lime.explain(rows, featureCount: m)
    }
    let one = try run(threads: 1), three = try run(threads: 3)
    #expect(one.count == 6)
    #expect(one == three)
    #expect(one.allSatisfy { ($0.standardErrors ?? []).contains { $0 > 0 } })
  }
}
