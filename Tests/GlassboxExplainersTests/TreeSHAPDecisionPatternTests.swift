import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Interventional TreeSHAP by decision patterns against the per-pair algorithm (every tree
/// fixture: XGBoost, LightGBM and scikit-learn, with missing values and categorical splits)
/// and against brute-force Shapley values (random trees that test a feature several times
/// on a path, with missing values sent either way).
@Suite("Interventional TreeSHAP by decision patterns")
struct TreeSHAPDecisionPatternTests {
  /// Largest |a − b| over the explanations, relative to max(1, |b|) per row.
  static func worstDifference(_ a: [Explanation], _ b: [Explanation]) -> Double {
    var worst = 0.0
    for (x, y) in zip(a, b) {
      let scale = max(1, y.attributions.map(abs).max() ?? 0)
      for (u, v) in zip(x.attributions, y.attributions) { worst = max(worst, abs(u - v) / scale) }
      worst = max(worst, abs(x.baseValue - y.baseValue) / max(1, abs(y.baseValue)))
    }
    return worst
  }

  /// `worstDifference` of two explainers on four random rows.
  static func disagreement(
    _ a: InterventionalTreeSHAP, _ b: InterventionalTreeSHAP, _ rng: inout SeededRandom
  ) throws -> Double {
    let m = a.ensemble.featureCount
    let rows = randomRows(&rng, count: 4, features: m)
    return worstDifference(try a.explain(rows, featureCount: m), try b.explain(rows, featureCount: m))
  }

  /// The fixture's own background when it has one, else its rows (missing values included).
  static func background(_ fixture: TreeFixture) throws -> Background {
    let rows = fixture.listedFiles.contains("background.csv")
      ? try TreeFixture.readCSV("\(fixture.dir)/background.csv").0 : fixture.rows
    return Background(rows: rows, featureCount: fixture.featureCount, source: fixture.name)
  }

  @Test("equal to the per-pair algorithm on every tree fixture", arguments: TreeFixture.cases())
  func fixtures(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let m = fixture.featureCount
    let background = try Self.background(fixture)
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      let patterns = try InterventionalTreeSHAP(ensemble: model, background: background, algorithm: .decisionPatterns)
      let pairs = try InterventionalTreeSHAP(ensemble: model, background: background, algorithm: .perPair)
      // Every tree with a split gets patterns, unless its paths test more than 8 features
      // (xgb-deep), which stay per pair.
      #expect(
        patterns.patternTreeCount > 0 || model.nodes.count == model.treeCount || model.maxDepth > 8,
        "\(name): no tree has patterns")
      #expect(pairs.patternTreeCount == 0)
      let a = try patterns.explain(fixture.rows, featureCount: m)
      let b = try pairs.explain(fixture.rows, featureCount: m)
      #expect(a.count == b.count && a.count == fixture.rowCount * model.outputCount)
      let worst = Self.worstDifference(a, b)
      print("\(name) \(path.split(separator: "/").last!): patterns vs per pair \(worst)")
      #expect(worst <= 1e-9, "\(name): max difference \(worst)")
    }
  }

  @Test("equal to brute-force Shapley values", arguments: [51, 52, 53, 54] as [UInt64])
  func bruteForce(seed: UInt64) throws {
    let m = 6
    // Five split features over depth 5: paths test some features twice.
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 5, trees: 6, depth: 5, outputs: seed % 2 == 0 ? 2 : 1)
    var rng = SeededRandom(state: seed * 31)
    let bgRows = randomRows(&rng, count: 40, features: m)
    let rows = randomRows(&rng, count: 5, features: m)
    let weights = (0..<40).map { Double($0 % 5) * 0.5 }
    let background = Background(rows: bgRows, featureCount: m, weights: weights, source: "random")
    let explainer = try InterventionalTreeSHAP(ensemble: e, background: background)
    #expect(explainer.patternTreeCount == e.treeCount)
    #expect(explainer.backgroundRowsUsed == 32)
    for ex in try explainer.explain(rows, featureCount: m) {
      let x = Array(rows[(ex.row * m)..<((ex.row + 1) * m)])
      let expected = TreeSHAPInterventionalTablesTests.oracle(
        e, x: x, background: bgRows, weights: weights, output: ex.output ?? 0)
      let scale = max(1, expected.map(abs).max() ?? 0)
      for j in 0..<m {
        #expect(abs(ex.attributions[j] - expected[j]) <= 1e-12 * scale, "seed \(seed) row \(ex.row) feature \(j)")
      }
    }
  }

  @Test("the automatic choice: patterns for raw values, per pair for tiny backgrounds and probabilities")
  func automaticChoice() throws {
    let m = 4
    let e = try randomEnsemble(seed: 61, features: m, splitFeatures: 4, trees: 3, depth: 3)
    var rng = SeededRandom(state: 6161)
    let many = Background(rows: randomRows(&rng, count: 20, features: m), featureCount: m, source: "bg")
    let few = Background(rows: randomRows(&rng, count: 3, features: m), featureCount: m, source: "bg")
    let patterned = try InterventionalTreeSHAP(ensemble: e, background: many)
    #expect(patterned.patternTreeCount == 3)
    #expect(patterned.algorithmDescription == "interventional (decision patterns, 20 background rows)")
    let tiny = try InterventionalTreeSHAP(ensemble: e, background: few)
    #expect(tiny.patternTreeCount == 0)
    #expect(tiny.algorithmDescription == "interventional (per pair, 3 background rows)")
    let forced = try InterventionalTreeSHAP(ensemble: e, background: few, algorithm: .decisionPatterns)
    #expect(forced.patternTreeCount == 3)
    #expect(try Self.disagreement(forced, tiny, &rng) <= 1e-12)
  }

  @Test("deep trees: paths beyond the pattern limit get deep-path tables, and the report says so")
  func mixed() throws {
    let m = 10
    let e = try randomEnsemble(seed: 31, features: m, splitFeatures: 10, trees: 4, depth: 10)
    var rng = SeededRandom(state: 3131)
    let background = Background(rows: randomRows(&rng, count: 30, features: m), featureCount: m, source: "bg")
    let auto = try InterventionalTreeSHAP(ensemble: e, background: background)
    #expect(auto.patternTreeCount == e.treeCount)
    #expect(auto.deepPatternTreeCount > 0)
    #expect(
      auto.algorithmDescription
        == "interventional (decision patterns, deep-path tables in \(auto.deepPatternTreeCount) of 4 trees, 30 background rows)")
    let limited = try InterventionalTreeSHAP(ensemble: e, background: background, deepTableLimit: 0)
    #expect(limited.patternTreeCount == e.treeCount - auto.deepPatternTreeCount)
    if limited.patternTreeCount > 0 {
      #expect(limited.algorithmDescription.contains("of 4 trees, per pair in the rest, 30 background rows"))
    }
    #expect(try Self.disagreement(limited, auto, &rng) <= 1e-12)
    let pairs = try InterventionalTreeSHAP(ensemble: e, background: background, algorithm: .perPair)
    #expect(try Self.disagreement(auto, pairs, &rng) <= 1e-12)
  }

  @Test("a seeded background sample is deterministic and keeps the total weight")
  func sample() throws {
    let m = 3
    var rng = SeededRandom(state: 71)
    let full = Background(rows: randomRows(&rng, count: 50, features: m), featureCount: m, source: "bg")
    let a = BackgroundSummary.sample(full, count: 10, seed: 5)
    let b = BackgroundSummary.sample(full, count: 10, seed: 5)
    let c = BackgroundSummary.sample(full, count: 10, seed: 6)
    #expect(a.count == 10)
    #expect(a.rows.elementsEqual(b.rows) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    #expect(!a.rows.elementsEqual(c.rows) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    #expect(abs(a.weights.reduce(0, +) - 50) < 1e-9)
  }
}
