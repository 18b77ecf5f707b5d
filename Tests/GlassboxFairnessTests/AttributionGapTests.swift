import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxTestSupport
import Testing

/// The decomposition of a mean-output gap into per-feature parts: the parts add up.
@Suite("attribution gap decomposition")
struct AttributionGapTests {
  static let root = fixturesDirectory + "/../.."

  /// The first `limit` rows of adult-test, encoded for `model`, with the sex column.
  static func adult(_ model: String, limit: Int) throws -> (LoadedModel, [Double], [String]) {
    let loaded = try ModelLoader.load(path: root + "/models/" + model)
    let reader = try CSVReader(path: root + "/datasets/adult-test.csv")
    let encoder = try FeatureEncoder(schema: loaded.schema, columns: reader.columns, source: "adult-test")
    let sex = try #require(reader.index(of: "sex"))
    var rows: [Double] = [], encoded: [Double] = [], groups: [String] = []
    while groups.count < limit, let block = try reader.nextBlock(maxRecords: limit - groups.count) {
      try encoder.encode(block, into: &encoded)
      rows += encoded
      for r in 0..<block.count { groups.append(block.string(r, sex)) }
    }
    return (loaded, rows, groups)
  }

  static func check(_ explainer: any Explainer, _ loaded: LoadedModel, _ rows: [Double], _ groups: [String], rel: Double) throws {
    let explanations = try explainer.explain(rows, featureCount: loaded.schema.count)
    let table = AttributionTable(
      featureNames: loaded.schema.names, explanations: explanations, method: explainer.method, isExact: explainer.isExact)
    let grouping = Grouping(attributes: ["sex"], values: [groups])
    let means = GroupAttribution(table, grouping: grouping)
    let d = GapDecomposition(means, group: 0, reference: 1)
    #expect(d.baseDifference == 0)
    let sum = d.contributions.reduce(0, +)
    // The gap of mean model outputs, recomputed directly from the model.
    let margins = loaded.model.predictMargins(rows)
    var a = 0.0, b = 0.0, na = 0.0, nb = 0.0
    for (r, g) in groups.enumerated() {
      if g == "Female" { a += margins[r]; na += 1 } else { b += margins[r]; nb += 1 }
    }
    expectClose(d.gap, a / na - b / nb, rel: 1e-9)
    expectClose(sum, d.gap, rel: rel, "Σ parts vs gap")
    #expect(abs(d.residual) <= rel * abs(d.gap), "residual \(d.residual)")
    let shares = d.contributions.indices.reduce(0.0) { $0 + d.share($1) }
    expectClose(shares, 1, rel: 1e-12)
  }

  @Test("linear SHAP: parts sum to the gap to 1e-9 relative")
  func linear() throws {
    let (loaded, rows, groups) = try Self.adult("adult-logistic.json", limit: 3000)
    let model = try #require(loaded.model as? LinearModel)
    try Self.check(LinearSHAP(model: model, background: nil), loaded, rows, groups, rel: 1e-9)
  }

  @Test("TreeSHAP on a double-precision LightGBM model: to 1e-9 relative")
  func lightgbm() throws {
    let (loaded, rows, groups) = try Self.adult("adult-lightgbm.txt", limit: 2000)
    try Self.check(TreeSHAP(ensemble: try #require(loaded.model as? TreeEnsemble)), loaded, rows, groups, rel: 1e-9)
  }

  @Test("TreeSHAP on XGBoost (float32 trees): to float rounding")
  func xgboost() throws {
    let (loaded, rows, groups) = try Self.adult("adult-xgboost.json", limit: 2000)
    try Self.check(TreeSHAP(ensemble: try #require(loaded.model as? TreeEnsemble)), loaded, rows, groups, rel: 1e-5)
  }
}
