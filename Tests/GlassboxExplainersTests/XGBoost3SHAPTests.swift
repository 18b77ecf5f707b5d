import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// SHAP values of the XGBoost 3.x fixtures: path-dependent values and interactions against
/// xgboost's `pred_contribs`/`pred_interactions` (1e-6 of the row's scale), and
/// interventional and per-output path-dependent values against brute-force Shapley values
/// (1e-9), categorical partition splits and vector leaves included.
@Suite("XGBoost 3.x SHAP values equal xgboost's and brute force")
struct XGBoost3SHAPTests {
  static let treeCases = XGBoost3Fixture.cases.filter { !$0.hasPrefix("gblinear") }
  static let linearCases = XGBoost3Fixture.cases.filter { $0.hasPrefix("gblinear") }

  /// A tree case, its ensemble (from model.json) and its feature count.
  static func treeCase(_ name: String) throws -> (XGBoost3Fixture, TreeEnsemble, Int) {
    let fixture = try XGBoost3Fixture(name)
    return (fixture, try fixture.ensemble, fixture.featureCount)
  }

  /// max |a − b| / max(1, max |b| of the row), rows of `width` values.
  func worstError(_ a: [Double], _ b: [Double], width: Int) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for start in stride(from: 0, to: a.count, by: width) {
      let scale = max(1, b[start..<(start + width)].map(abs).max() ?? 0)
      for i in start..<(start + width) { worst = max(worst, abs(a[i] - b[i]) / scale) }
    }
    return worst
  }

  @Test("path-dependent TreeSHAP equals pred_contribs", arguments: treeCases)
  func contributions(_ name: String) throws {
    let fixture = try XGBoost3Fixture(name)
    let m = fixture.featureCount
    guard fixture.expected["contribs"] != nil else {
      // xgboost 3.1 computes no contributions for vector leaves, and its file stores no covers.
      #expect(try fixture.ensemble.coversStored == false, "\(name) has no contribs to compare with")
      return
    }
    let expected = try fixture.flat("contribs")  // [row][k][F+1], bias last
    for model in [try fixture.ensemble, try #require(fixture.fromUBJSON.model as? TreeEnsemble)] {
      for algorithm in [TreeSHAP.Algorithm.fast, .classic] {
        let explanations = try TreeSHAP(ensemble: model, algorithm: algorithm).explain(fixture.rows, featureCount: m)
        #expect(explanations.count == fixture.rowCount * fixture.outputCount)
        let ours = explanations.flatMap { $0.attributions + [$0.baseValue] }
        let worst = worstError(ours, expected, width: m + 1)
        let additivity = explanations.map(\.additivityGap).max() ?? 0
        print("\(name) \(algorithm): vs pred_contribs \(worst), additivity \(additivity)")
        #expect(worst <= 1e-6, "\(name) \(algorithm): max error \(worst)")
        #expect(additivity <= 1e-5, "\(name): additivity \(additivity)")
      }
    }
  }

  @Test("interaction values equal pred_interactions (partition splits)", arguments: treeCases)
  func interactions(_ name: String) throws {
    let fixture = try XGBoost3Fixture(name)
    guard fixture.expected["interactions"] != nil else { return }
    let expected = try fixture.flat("interactions")
    let ours = TreeSHAP(ensemble: try fixture.ensemble).interactions(fixture.rows)
    let worst = worstError(ours, expected, width: fixture.featureCount + 1)
    print("\(name): interactions vs pred_interactions \(worst)")
    #expect(worst <= 1e-6, "\(name): max error \(worst)")
  }

  @Test("interventional TreeSHAP equals brute-force Shapley values", arguments: treeCases)
  func interventional(_ name: String) throws {
    let (fixture, model, m) = try Self.treeCase(name)
    let backgroundPath = fixture.dir + "/background.csv"
    let (bgRows, bgCount) =
      TreeFixture.exists(backgroundPath)
      ? try XGBoost3Fixture.encode(backgroundPath, schema: fixture.fromJSON.schema)
      : (Array(fixture.rows[(m * (fixture.rowCount - 4))...]), 4)
    let background = Background(rows: bgRows, featureCount: m, source: "background.csv")
    let explanations = try InterventionalTreeSHAP(ensemble: model, background: background).explain(fixture.rows, featureCount: m)
    let bg = (0..<bgCount).map { Array(bgRows[($0 * m)..<(($0 + 1) * m)]) }
    let worst = worstAgainstBruteForce(fixture, model, explanations) { x, c in
      interventionalValue(model: { doubleMargin(model, $0, output: c) }, x: x, background: bg)
    }
    print("\(name): interventional vs brute force \(worst)")
    #expect(worst <= 1e-9, "\(name): max error \(worst)")
  }

  /// Path-dependent TreeSHAP per output is the Shapley value of v(S) = E_cover[f_k | x_S]
  /// (at a split on a feature outside S, both children weighted by their covers); checked
  /// for every output of the vector-leaf model and for the categorical model.
  @Test("path-dependent TreeSHAP equals brute force on the cover-weighted game", arguments: treeCases)
  func pathDependentBruteForce(_ name: String) throws {
    let (fixture, model, m) = try Self.treeCase(name)
    guard model.coversStored else { return }  // no covers, no cover-weighted game
    let explanations = try TreeSHAP(ensemble: model, algorithm: .fast).explain(fixture.rows, featureCount: m)
    let worst = worstAgainstBruteForce(fixture, model, explanations) { x, c in
      { coalition in coverWeightedValue(model, x, coalition, output: c) }
    }
    print("\(name): path-dependent vs brute force \(worst)")
    #expect(worst <= 1e-9, "\(name): max error \(worst)")
  }

  /// The largest |φ − brute force| / max(1, max |brute force|) over the first 12 rows and
  /// every output, for the game `game(x, output)`.
  func worstAgainstBruteForce(
    _ fixture: XGBoost3Fixture, _ model: TreeEnsemble, _ explanations: [Explanation],
    game: ([Double], Int) -> ([Bool]) -> Double
  ) -> Double {
    let m = fixture.featureCount
    var worst = 0.0
    for r in 0..<min(fixture.rowCount, 12) {
      let x = Array(fixture.rows[(r * m)..<((r + 1) * m)])
      for c in 0..<model.outputCount {
        let exact = bruteForceShapley(players: m, value: game(x, c))
        let e = explanations[r * model.outputCount + c]
        let scale = max(1, exact.map(abs).max() ?? 0)
        for j in 0..<m { worst = max(worst, abs(e.attributions[j] - exact[j]) / scale) }
      }
    }
    return worst
  }

  @Test("gblinear: linear SHAP equals pred_contribs", arguments: linearCases)
  func linear(_ name: String) throws {
    let fixture = try XGBoost3Fixture(name)
    let model = try #require(fixture.fromJSON.model as? LinearModel)
    let explanations = try LinearSHAP(model: model, background: nil).explain(fixture.rows, featureCount: fixture.featureCount)
    let ours = explanations.flatMap { $0.attributions + [$0.baseValue] }
    let worst = worstError(ours, try fixture.flat("contribs"), width: fixture.featureCount + 1)
    let additivity = explanations.map(\.additivityGap).max() ?? 0
    print("\(name): vs pred_contribs \(worst), additivity \(additivity)")
    #expect(worst <= 1e-6, "\(name): max error \(worst)")
    #expect(additivity <= model.additivityTolerance)
  }
}

/// The margin of output `c` at `x`, leaf values summed in double (the game's f).
func doubleMargin(_ model: TreeEnsemble, _ x: [Double], output c: Int) -> Double {
  let prepared = x.map(model.prepared)
  var sum = model.baseMargins[c]
  model.nodes.withUnsafeBufferPointer { nodes in
    model.categoryWords.withUnsafeBufferPointer { words in
      prepared.withUnsafeBufferPointer { row in
        for t in 0..<model.treeCount where model.treeOutputs[t] == c {
          sum += model.treeWeights[t] * model.values[model.leaf(tree: t, row: row.baseAddress!, nodes: nodes, words: words)]
        }
      }
    }
  }
  return sum
}

/// v(S) = base + Σ_t w_t E_cover[tree t | x_S]: a split on a feature in S follows x, any
/// other split averages its children weighted by their covers.
func coverWeightedValue(_ model: TreeEnsemble, _ x: [Double], _ coalition: [Bool], output c: Int) -> Double {
  let prepared = x.map(model.prepared)
  func expectation(_ n: Int, _ words: UnsafeBufferPointer<UInt32>) -> Double {
    let node = model.nodes[n]
    if node.isLeaf { return model.values[n] }
    let j = Int(node.feature)
    if coalition[j] { return expectation(Int(node.child(prepared[j], words)), words) }
    let l = Int(node.left)
    let r = Int(node.right)
    return (model.covers[l] * expectation(l, words) + model.covers[r] * expectation(r, words)) / model.covers[n]
  }
  var sum = model.baseMargins[c]
  model.categoryWords.withUnsafeBufferPointer { words in
    for t in 0..<model.treeCount where model.treeOutputs[t] == c {
      sum += model.treeWeights[t] * expectation(model.treeStart[t], words)
    }
  }
  return sum
}
