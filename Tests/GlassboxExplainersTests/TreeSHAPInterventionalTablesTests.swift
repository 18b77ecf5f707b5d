import GlassboxData
import GlassboxExplainers
import GlassboxModels
import Testing

/// Interventional TreeSHAP mixes per-leaf tables (raw space, paths of ≤ 8 distinct
/// features) with the pair walk (longer paths, probability space). Both are checked
/// against the brute-force Shapley oracle, with weighted and zero-weight background rows
/// and several outputs.
@Suite("Interventional TreeSHAP: tables and pair walk")
struct TreeSHAPInterventionalTablesTests {
  /// Brute-force interventional values of row `x`: Shapley values of the weighted mean of
  /// the hybrid rows' margins.
  static func oracle(
    _ e: TreeEnsemble, x: [Double], background: [Double], weights: [Double], output: Int
  ) -> [Double] {
    let m = e.featureCount
    let count = weights.count
    let total = weights.reduce(0, +)
    return shapleyOracle(features: m) { s in
      var hybrid: [Double] = []
      for b in 0..<count {
        for j in 0..<m { hybrid.append(s & (1 << UInt32(j)) != 0 ? x[j] : background[b * m + j]) }
      }
      let margins = e.predictMargins(hybrid)
      var sum = 0.0
      for b in 0..<count { sum += weights[b] * margins[b * e.outputCount + output] }
      return sum / total
    }
  }

  @Test("deep trees: some with tables, some with the pair walk", arguments: [31, 32] as [UInt64])
  func mixed(seed: UInt64) throws {
    let m = 10
    // Depth 10 over 10 features: some paths have more than 8 distinct features.
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 10, trees: 4, depth: 10, outputs: 2)
    var rng = SeededRandom(state: seed * 7)
    let bgRows = randomRows(&rng, count: 5, features: m)
    let rows = randomRows(&rng, count: 3, features: m)
    let weights = [1.0, 0, 2.5, 0.5, 1]
    let background = Background(rows: bgRows, featureCount: m, weights: weights, source: "random")
    let explanations = try InterventionalTreeSHAP(ensemble: e, background: background).explain(rows, featureCount: m)
    #expect(explanations.count == 3 * 2)
    for ex in explanations {
      let x = Array(rows[(ex.row * m)..<((ex.row + 1) * m)])
      let expected = Self.oracle(e, x: x, background: bgRows, weights: weights, output: ex.output ?? 0)
      let scale = max(1, expected.map(abs).max() ?? 0)
      for j in 0..<m {
        #expect(abs(ex.attributions[j] - expected[j]) <= 1e-12 * scale, "row \(ex.row) feature \(j)")
      }
      #expect(ex.additivityGap <= 1e-12 * scale)
    }
  }

  @Test("shallow trees: tables everywhere, several leaves per feature set")
  func shallow() throws {
    let m = 5
    let e = try randomEnsemble(seed: 41, features: m, splitFeatures: 5, trees: 5, depth: 5)
    var rng = SeededRandom(state: 4141)
    let bgRows = randomRows(&rng, count: 7, features: m)
    let rows = randomRows(&rng, count: 4, features: m)
    let background = Background(rows: bgRows, featureCount: m, source: "random")
    let raw = try InterventionalTreeSHAP(ensemble: e, background: background).explain(rows, featureCount: m)
    for ex in raw {
      let x = Array(rows[(ex.row * m)..<((ex.row + 1) * m)])
      let expected = Self.oracle(e, x: x, background: bgRows, weights: [Double](repeating: 1, count: 7), output: 0)
      for j in 0..<m { #expect(abs(ex.attributions[j] - expected[j]) <= 1e-12, "row \(ex.row) feature \(j)") }
    }
  }
}
