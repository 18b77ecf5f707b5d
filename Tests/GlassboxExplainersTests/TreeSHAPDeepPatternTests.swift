import GlassboxData
@testable import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Interventional TreeSHAP through deep-path tables (`DeepPatternTables`, 3 · 2^d numbers per
/// leaf): against brute-force Shapley values on random trees of depth 12 to 16 (features
/// tested several times on a path, missing values sent either way), against the per-pair
/// algorithm on every tree fixture (categorical splits included), and against shap 0.54.1's
/// interventional values on a depth-14 XGBoost model (tools/make_deep_interventional_fixture.py).
@Suite("Interventional TreeSHAP: deep-path tables")
struct TreeSHAPDeepPatternTests {
  static let fixtureRoot = TreeFixture.root.replacingOccurrences(
    of: "/Fixtures/trees", with: "/Fixtures/interventional-deep")

  /// Largest |attribution − oracle| relative to max(1, largest |oracle|) over the explanations.
  static func worstAgainstOracle(
    _ explanations: [Explanation], _ e: TreeEnsemble, rows: [Double], background: [Double], weights: [Double]
  ) -> Double {
    let m = e.featureCount
    var worst = 0.0
    for ex in explanations {
      let x = Array(rows[(ex.row * m)..<((ex.row + 1) * m)])
      let expected = TreeSHAPInterventionalTablesTests.oracle(
        e, x: x, background: background, weights: weights, output: ex.output ?? 0)
      let scale = max(1, expected.map(abs).max() ?? 0)
      for j in 0..<m { worst = max(worst, abs(ex.attributions[j] - expected[j]) / scale) }
    }
    return worst
  }

  @Test("random trees of depth 12 to 16 equal brute force", arguments: [(12, 101), (14, 102), (16, 103)] as [(Int, UInt64)])
  func bruteForce(depth: Int, seed: UInt64) throws {
    let m = 11
    // Ten split features over depths 12-16: paths test features several times and many
    // have more than 8 distinct ones; x10 is never split on.
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 10, trees: 3, depth: depth, outputs: seed % 2 == 0 ? 2 : 1)
    var rng = SeededRandom(state: seed * 13)
    let bgRows = randomRows(&rng, count: 9, features: m)
    let rows = randomRows(&rng, count: 3, features: m)
    let weights = [1.0, 0, 2.5, 0.5, 1, 1, 3, 0.25, 1]
    let background = Background(rows: bgRows, featureCount: m, weights: weights, source: "random")
    let explainer = try InterventionalTreeSHAP(ensemble: e, background: background)
    #expect(explainer.patternTreeCount == e.treeCount)
    #expect(explainer.deepPatternTreeCount > 0)
    #expect(explainer.algorithmDescription.contains("deep-path tables in \(explainer.deepPatternTreeCount) of 3 trees"))
    let explanations = try explainer.explain(rows, featureCount: m)
    #expect(explanations.count == 3 * e.outputCount)
    let worst = Self.worstAgainstOracle(explanations, e, rows: rows, background: bgRows, weights: weights)
    print("depth \(depth): deep tables vs brute force \(worst)")
    #expect(worst <= 1e-12, "depth \(depth): max difference \(worst)")
    for ex in explanations { #expect(ex.additivityGap <= 1e-12 * max(1, abs(ex.prediction))) }
  }

  @Test("past the deep budget the rest runs per pair, equal to brute force, and the report says so")
  func budget() throws {
    let m = 10
    let e = try randomEnsemble(seed: 111, features: m, splitFeatures: 10, trees: 4, depth: 12)
    var rng = SeededRandom(state: 1111)
    let bgRows = randomRows(&rng, count: 12, features: m)
    let rows = randomRows(&rng, count: 2, features: m)
    let weights = [Double](repeating: 1, count: 12)
    let background = Background(rows: bgRows, featureCount: m, source: "random")
    let full = try InterventionalTreeSHAP(ensemble: e, background: background)
    let none = try InterventionalTreeSHAP(ensemble: e, background: background, deepTableLimit: 0)
    #expect(none.deepPatternTreeCount == 0)
    #expect(none.patternTreeCount < e.treeCount)
    #expect(
      none.algorithmDescription.hasSuffix(
        none.patternTreeCount == 0 ? "(per pair, 12 background rows)" : "per pair in the rest, 12 background rows)"))
    #expect(full.deepPatternTreeCount == e.treeCount - none.patternTreeCount)
    for explainer in [full, none] {
      let worst = Self.worstAgainstOracle(
        try explainer.explain(rows, featureCount: m), e, rows: rows, background: bgRows, weights: weights)
      #expect(worst <= 1e-12, "max difference \(worst)")
    }
    // The forced per-pair algorithm builds no tables.
    let pairs = try InterventionalTreeSHAP(ensemble: e, background: background, algorithm: .perPair)
    #expect(pairs.deepPatternTreeCount == 0 && pairs.patternTreeCount == 0)
  }

  @Test("a row's values do not depend on the rows explained with it")
  func batches() throws {
    let m = 9
    let e = try randomEnsemble(seed: 121, features: m, splitFeatures: 9, trees: 3, depth: 13, outputs: 2)
    var rng = SeededRandom(state: 1212)
    let background = Background(rows: randomRows(&rng, count: 40, features: m), featureCount: m, source: "bg")
    let rows = randomRows(&rng, count: 7, features: m)
    let explainer = try InterventionalTreeSHAP(ensemble: e, background: background)
    #expect(explainer.deepPatternTreeCount > 0)
    let all = try explainer.explain(rows, featureCount: m)
    for r in 0..<7 {
      let one = try explainer.explain(Array(rows[(r * m)..<((r + 1) * m)]), featureCount: m)
      for (a, b) in zip(one, all[(r * 2)..<(r * 2 + 2)]) {
        #expect(a.attributions == b.attributions && a.baseValue == b.baseValue, "row \(r)")
      }
    }
  }

  @Test("deep tables on every tree fixture equal the per-pair algorithm", arguments: TreeFixture.cases())
  func fixtures(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let m = fixture.featureCount
    let background = try TreeSHAPDecisionPatternTests.background(fixture)
    for path in fixture.modelPaths {
      let e = try fixture.load(path)
      // Every tree through the deep tables, however shallow.
      var deep = DeepPatternTables(e, taken: [Bool](repeating: false, count: e.treeCount))
      let total = background.weights.reduce(0, +)
      let prepared = background.rows.map { e.prepared($0) }
      let shares = background.weights.map { $0 / total }
      prepared.withUnsafeBufferPointer { deep.add(e, prepared: $0.baseAddress!, count: background.count, shares: shares) }
      let n = min(e.featureCount, e.maxDepth) + 1
      deep.finish(weightTable: InterventionalTreeSHAP.weightTable(size: n), stride: n)
      let rows = fixture.rows.map { e.prepared($0) }
      var phi = [Double](repeating: 0, count: fixture.rowCount * e.outputCount * m)
      phi.withUnsafeMutableBufferPointer { out in
        rows.withUnsafeBufferPointer { deep.addAll(e, x: $0.baseAddress!, count: fixture.rowCount, phi: out.baseAddress!) }
      }
      let expected = try InterventionalTreeSHAP(ensemble: e, background: background, algorithm: .perPair)
        .explain(fixture.rows, featureCount: m)
      #expect(expected.count == fixture.rowCount * e.outputCount)
      // Largest difference relative to max(1, the row's largest |φ|).
      let worst = expected.indices.map { i in
        let want = expected[i].attributions
        return zip(phi[(i * m)..<(i * m + m)], want).map { abs($0 - $1) }.max()! / max(1, want.map(abs).max()!)
      }.max()!
      print("\(name): deep tables vs per pair \(worst), \(deep.treeCount) trees, \(deep.byteCount) bytes")
      #expect(worst <= 1e-9, "\(name): max difference \(worst)")
    }
  }

  @Test("a depth-14 XGBoost model equals shap 0.54.1's interventional values")
  func shapFixture() throws {
    let dir = Self.fixtureRoot
    let loaded = try ModelLoader.load(path: dir + "/model.json")
    let e = try #require(loaded.model as? TreeEnsemble)
    let (bgRows, bgCount) = try TreeFixture.readCSV(dir + "/background.csv")
    let (rows, count) = try TreeFixture.readCSV(dir + "/X.csv")
    #expect(bgCount == 200 && count == 25)
    let doc = try JSONParser.parse(try ByteSource.contents(of: dir + "/expected.json"), path: "expected.json")
    let expected = try #require(doc.object)
    var contribs: [Double] = []
    func walk(_ v: JSONValue) { if let a = v.array { a.forEach(walk) } else if let d = v.number { contribs.append(d) } }
    walk(try #require(expected["contribs"]))
    let m = e.featureCount
    #expect(m == 10 && contribs.count == count * (m + 1))
    let background = Background(rows: bgRows, featureCount: m, source: "background.csv")
    let explainer = try InterventionalTreeSHAP(ensemble: e, background: background)
    #expect(explainer.patternTreeCount == e.treeCount)
    #expect(explainer.deepPatternTreeCount > 0)
    let explanations = try explainer.explain(rows, featureCount: m)
    var worst = 0.0
    for ex in explanations {
      let row = Array(contribs[(ex.row * (m + 1))..<((ex.row + 1) * (m + 1))])
      for j in 0..<m { worst = max(worst, abs(ex.attributions[j] - row[j])) }
      worst = max(worst, abs(ex.baseValue - row[m]))
    }
    print("depth-14 xgboost: deep tables vs shap \(worst) (\(explainer.deepPatternTreeCount) deep trees)")
    // shap evaluates XGBoost's float32 thresholds in double: ≈1e-7.
    #expect(worst <= 1e-6, "max difference \(worst)")
  }
}
