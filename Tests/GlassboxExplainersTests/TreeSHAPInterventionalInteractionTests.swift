import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Interventional SHAP interaction values against brute force (every coalition of the
/// interventional game averaged over the background rows), on random trees that test a
/// feature several times on a path and on the XGBoost, LightGBM and scikit-learn fixtures
/// (missing values, categorical splits, several outputs, deep trees); and the axioms:
/// efficiency, symmetry, dummy.
@Suite("Interventional TreeSHAP interaction values")
struct TreeSHAPInterventionalInteractionTests {
  /// Brute-force interaction matrix `[F][F]` (no bias row) of row `x`: the Shapley
  /// interaction index of the weighted mean of the hybrid rows' margins, halved off the
  /// diagonal, and the main effects `φ_i − Σ_{j≠i} Φ_ij` on it.
  /// - Complexity: 2^F · R model evaluations plus O(2^F · F²).
  static func oracle(
    _ e: TreeEnsemble, x: [Double], background: [Double], weights: [Double], output: Int
  ) -> [Double] {
    let m = e.featureCount
    let count = weights.count
    let total = weights.reduce(0, +)
    let subsets = 1 << m
    var hybrid: [Double] = []
    hybrid.reserveCapacity(subsets * count * m)
    for s in 0..<subsets {
      for b in 0..<count {
        for j in 0..<m { hybrid.append(s & (1 << j) != 0 ? x[j] : background[b * m + j]) }
      }
    }
    let margins = doubleMargins(e, hybrid)
    var v = [Double](repeating: 0, count: subsets)
    for s in 0..<subsets {
      var sum = 0.0
      for b in 0..<count { sum += weights[b] * margins[(s * count + b) * e.outputCount + output] }
      v[s] = sum / total
    }
    var factorial = [1.0]
    for i in 1...max(1, m) { factorial.append(factorial[i - 1] * Double(i)) }
    var phi = [Double](repeating: 0, count: m)
    var matrix = [Double](repeating: 0, count: m * m)
    for s in 0..<subsets {
      let size = s.nonzeroBitCount
      for i in 0..<m where s & (1 << i) == 0 {
        phi[i] += factorial[size] * factorial[m - size - 1] / factorial[m] * (v[s | (1 << i)] - v[s])
        for j in (i + 1)..<max(i + 1, m) where s & (1 << j) == 0 {
          let w = factorial[size] * factorial[m - size - 2] / (2 * factorial[m - 1])
          let delta = v[s | (1 << i) | (1 << j)] - v[s | (1 << i)] - v[s | (1 << j)] + v[s]
          matrix[i * m + j] += w * delta
          matrix[j * m + i] += w * delta
        }
      }
    }
    for i in 0..<m {
      var main = phi[i]
      for j in 0..<m where j != i { main -= matrix[i * m + j] }
      matrix[i * m + i] = main
    }
    return matrix
  }

  /// Margins in double precision (XGBoost predicts in float32; interventional TreeSHAP, as
  /// shap, sums the leaves in double).
  static func doubleMargins(_ e: TreeEnsemble, _ rows: [Double]) -> [Double] {
    let m = e.featureCount
    let k = e.outputCount
    let count = rows.count / m
    let prepared = rows.map { e.prepared($0) }
    var out = (0..<(count * k)).map { e.baseMargins[$0 % k] }
    e.nodes.withUnsafeBufferPointer { nodes in
      e.categoryWords.withUnsafeBufferPointer { words in
        prepared.withUnsafeBufferPointer { x in
          for r in 0..<count {
            let row = x.baseAddress! + r * m
            for t in 0..<e.treeCount {
              out[r * k + e.treeOutputs[t]] += e.treeWeights[t] * e.values[e.leaf(tree: t, row: row, nodes: nodes, words: words)]
            }
          }
        }
      }
    }
    return out
  }

  /// The `[F][F]` part of an explanation's interaction matrix.
  static func features(_ ex: Explanation) throws -> [Double] {
    let matrix = try #require(ex.interactions)
    let m = matrix.featureCount
    return (0..<(m * m)).map { matrix.value($0 / m, $0 % m) }
  }

  /// Largest |computed − brute force| over the explanations, relative to max(1, max |oracle|).
  static func worstAgainstOracle(
    _ explanations: [Explanation], _ e: TreeEnsemble, rows: [Double], background: [Double], weights: [Double]
  ) throws -> Double {
    let m = e.featureCount
    var worst = 0.0
    for ex in explanations {
      let x = Array(rows[(ex.row * m)..<((ex.row + 1) * m)])
      let expected = oracle(e, x: x, background: background, weights: weights, output: ex.output ?? 0)
      let scale = max(1, expected.map(abs).max() ?? 0)
      for (a, b) in zip(try features(ex), expected) { worst = max(worst, abs(a - b) / scale) }
    }
    return worst
  }

  @Test("equal to brute force on random trees", arguments: [81, 82, 83, 84] as [UInt64])
  func bruteForce(seed: UInt64) throws {
    let m = 6
    // Five split features over depth 5: paths test some features twice; x5 is a dummy.
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 5, trees: 6, depth: 5, outputs: seed % 2 == 0 ? 2 : 1)
    var rng = SeededRandom(state: seed * 37)
    let bgRows = randomRows(&rng, count: 40, features: m)
    let rows = randomRows(&rng, count: 5, features: m)
    // Weighted rows, some of weight 0.
    let weights = (0..<40).map { Double($0 % 5) * 0.5 }
    let background = Background(rows: bgRows, featureCount: m, weights: weights, source: "random")
    let explainer = try InterventionalInteractionExplainer(ensemble: e, background: background)
    #expect(explainer.patternTreeCount == e.treeCount)
    let explanations = try explainer.explain(rows, featureCount: m)
    #expect(explanations.count == 5 * e.outputCount)
    let worst = try Self.worstAgainstOracle(explanations, e, rows: rows, background: bgRows, weights: weights)
    print("seed \(seed): interactions vs brute force \(worst)")
    #expect(worst <= 1e-12, "seed \(seed): max difference \(worst)")
    // Pairs are not all zero (shap's interventional interactions would be).
    #expect(try explanations.contains { try Self.features($0).enumerated().contains { $0.offset % (m + 1) != 0 && $0.element != 0 } })
  }

  @Test("per-row sums past the table budget and per-pair walks of deep trees equal brute force")
  func fallbacks() throws {
    let m = 10
    // Depth 10 over 10 features: some paths test more than 8 distinct features.
    let e = try randomEnsemble(seed: 91, features: m, splitFeatures: 10, trees: 4, depth: 10, outputs: 2)
    var rng = SeededRandom(state: 9191)
    let bgRows = randomRows(&rng, count: 6, features: m)
    let rows = randomRows(&rng, count: 2, features: m)
    let weights = [1.0, 0, 2.5, 0.5, 1, 1]
    let background = Background(rows: bgRows, featureCount: m, weights: weights, source: "random")
    let shap = try InterventionalTreeSHAP(ensemble: e, background: background)
    let tabled = try InterventionalInteractionExplainer(shap: shap)
    #expect(tabled.patternTreeCount < e.treeCount)
    #expect(tabled.algorithmDescription.contains("per pair in the rest"))
    let untabled = try InterventionalInteractionExplainer(shap: shap, tableLimit: 0)
    #expect(untabled.tableBytes == 0)
    for explainer in [tabled, untabled] {
      let worst = try Self.worstAgainstOracle(
        try explainer.explain(rows, featureCount: m), e, rows: rows, background: bgRows, weights: weights)
      #expect(worst <= 1e-12, "max difference \(worst)")
    }
  }

  /// Fixtures with at most 13 features (brute force enumerates 2^F coalitions), one or two
  /// per kind: missing values, categorical splits, several outputs, deep trees, stumps.
  static let fixtureNames = [
    "xgb-binary-nan", "xgb-categorical", "xgb-deep", "xgb-multi-softprob", "xgb-regression", "xgb-stumps",
    "lgb-binary-nan", "lgb-categorical", "lgb-multiclass", "lgb-zero-missing", "lgb-stump",
    "sk-decision-tree-regressor", "sk-random-forest-regressor", "sk-gradient-boosting-classifier-multiclass",
  ]

  @Test("the fixtures named exist in the index")
  func fixturesListed() {
    let all = Set(TreeFixture.cases())
    #expect(Self.fixtureNames.count == 14)
    #expect(Self.fixtureNames.allSatisfy(all.contains))
  }

  @Test("equal to brute force on the fixtures, and the axioms hold", arguments: fixtureNames)
  func fixture(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let m = fixture.featureCount
    #expect(m <= 13)
    let bgAll = fixture.listedFiles.contains("background.csv")
      ? try TreeFixture.readCSV("\(fixture.dir)/background.csv").0 : fixture.rows
    // Brute force on a small background and two rows; the axioms on the whole background.
    let small = Array(bgAll.prefix(5 * m))
    let rows = Array(fixture.rows.suffix(2 * m))
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      let weights = [Double](repeating: 1, count: small.count / m)
      let explainer = try InterventionalInteractionExplainer(
        ensemble: model, background: Background(rows: small, featureCount: m, source: name))
      let worst = try Self.worstAgainstOracle(
        try explainer.explain(rows, featureCount: m), model, rows: rows, background: small, weights: weights)
      print("\(name) \(path.split(separator: "/").last!): interactions vs brute force \(worst)")
      #expect(worst <= 1e-12, "\(name): max difference \(worst)")
      try Self.checkAxioms(model, background: Background(rows: bgAll, featureCount: m, source: name), rows: fixture.rows, name)
    }
  }

  /// Efficiency (rows sum to the SHAP values, the matrix to f(x) − E f), symmetry
  /// (Φ_ij = Φ_ji) and dummy (features no split tests have zero rows and columns).
  static func checkAxioms(_ e: TreeEnsemble, background: Background, rows: [Double], _ name: String) throws {
    let m = e.featureCount
    let shap = try InterventionalTreeSHAP(ensemble: e, background: background)
    let explainer = try InterventionalInteractionExplainer(shap: shap)
    let plain = try shap.explain(rows, featureCount: m)
    let explanations = try explainer.explain(rows, featureCount: m)
    #expect(explanations.count == plain.count)
    var used = Set<Int>()
    for node in e.nodes where !node.isLeaf { used.insert(Int(node.feature)) }
    for (ex, reference) in zip(explanations, plain) {
      let matrix = try #require(ex.interactions)
      #expect(ex.attributions == reference.attributions && ex.baseValue == reference.baseValue)
      #expect(matrix.value(m, m) == ex.baseValue)
      let scale = max(1, abs(ex.prediction))
      var total = 0.0
      for i in 0..<m {
        var row = 0.0
        for j in 0..<m {
          row += matrix.value(i, j)
          #expect(matrix.value(i, j) == matrix.value(j, i), "\(name): not symmetric at \(i), \(j)")
          if !used.contains(i) { #expect(matrix.value(i, j) == 0, "\(name): dummy \(i) has \(matrix.value(i, j))") }
        }
        #expect(abs(row - ex.attributions[i]) <= 1e-12 * scale, "\(name): row \(i) sums to \(row)")
        total += row
      }
      #expect(abs(total + ex.baseValue - ex.prediction) <= 1e-9 * scale, "\(name): matrix sum \(total)")
    }
  }

  @Test("probability attributions are refused: the link is not additive")
  func probabilityRefused() throws {
    let logistic = try TreeEnsemble.read(
      Array(
        """
        {"format":"glassbox-trees","version":1,"features":["a","b"],"num_outputs":1,"base_margin":[0],
        "link":"logit","aggregation":"sum","trees":[{"output":0,"weight":1,"left":[1,-1,-1],"right":[2,-1,-1],
        "feature":[0,-2,-2],"threshold":[0.5,-2,-2],"missing_left":[1,0,0],"value":[0,-1,1],"cover":[2,1,1]}]}
        """.utf8), path: "logistic.json")
    var rng = SeededRandom(state: 55)
    let background = Background(rows: randomRows(&rng, count: 10, features: 2), featureCount: 2, source: "bg")
    let shap = try InterventionalTreeSHAP(ensemble: logistic, background: background, space: .probability)
    #expect(throws: ExplainerError.self) { try InterventionalInteractionExplainer(shap: shap) }
    do {
      _ = try InterventionalInteractionExplainer(shap: shap)
    } catch let error as ExplainerError {
      #expect(error.kind == .usage)
      #expect("\(error)".contains("not additive"))
    }
  }
}
