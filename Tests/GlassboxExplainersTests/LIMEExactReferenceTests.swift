import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Exact LIME against lime 0.2.0.1's mean surrogate over 40 seeds of 5000 samples
/// (Tests/Fixtures/lime/exact_adult.json, tools/make_exact_lime_fixtures.py): the Adult
/// XGBoost margin and the Adult linear model's margin, every feature kept.
@Suite("Exact LIME against lime's many-seed mean")
struct LIMEExactReferenceTests {
  static let root: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
  }()

  /// The shipped model, lime's background (the complete rows of datasets/adult.csv) and
  /// the fixture's rows and lime summaries.
  static func load(_ key: String) throws -> (LoadedModel, Background, [[Double]], [JSONObject]) {
    let o = try LIMEFixture.load("exact_adult.json")
    let model = try #require(o["models"]?.object?[key]?.object, "exact_adult.json: models.\(key)")
    let loaded = try ModelLoader.load(path: root + "/" + (model["model"]?.string ?? ""))
    let background = try completeAdultRows(loaded.schema)
    try #require(background.count == Int(o["background_rows"]?.number ?? -1), "lime's background row count")
    let rows = try LIMEFixture.matrixRows(o["rows"])
    let summaries = try LIMEFixture.array(model["rows"]).compactMap(\.object)
    try #require(summaries.count == rows.count && !rows.isEmpty, "one lime summary per row")
    return (loaded, background, rows, summaries)
  }

  /// Checks one exact explanation with every feature kept against lime's summary of its row:
  /// every weight and the intercept within 4 standard errors + 1% of lime's mean.
  /// - Returns: the largest |exact − lime mean| of a weight, in standard errors.
  static func expectWithinLimeNoise(_ e: Explanation, _ summary: JSONObject, names: [String], _ label: String) throws
    -> Double
  {
    let s = try #require(e.surrogate)
    #expect(s.features.count == names.count, "every feature kept")
    let means = try LIMEFixture.numbers(summary["weights_mean"])
    let errors = try LIMEFixture.numbers(summary["weights_se"])
    try #require(means.count == names.count && errors.count == names.count, "\(label): one lime mean per feature")
    var worst = 0.0
    for j in names.indices {
      let gap = abs(e.attributions[j] - means[j])
      worst = max(worst, gap / errors[j])
      #expect(
        gap <= 4 * errors[j] + 0.01 * abs(means[j]),
        "\(label) \(names[j]): exact \(e.attributions[j]), lime \(means[j]) ± \(errors[j])")
    }
    let intercept = summary["intercept_mean"]?.number ?? .nan
    let interceptError = summary["intercept_se"]?.number ?? .nan
    #expect(abs(s.intercept - intercept) <= 4 * interceptError + 0.01 * abs(intercept), "\(label) intercept")
    return worst
  }

  /// lime's background: the complete rows of datasets/adult.csv (lime refuses NaN).
  static func completeAdultRows(_ schema: FeatureSchema) throws -> Background {
    let train = try Background.read(path: root + "/datasets/adult.csv", schema: schema)
    let m = train.featureCount
    var complete: [Double] = []
    for r in 0..<train.count {
      let row = train.rows[(r * m)..<((r + 1) * m)]
      if !row.contains(where: \.isNaN) { complete += row }
    }
    return Background(rows: complete, featureCount: m, source: "adult.csv")
  }

  @Test(
    "every exact weight lies within 4 standard errors + 1% of lime's mean",
    arguments: ["xgboost", "linear"])
  func withinLimeNoise(_ key: String) throws {
    let (loaded, background, rows, summaries) = try Self.load(key)
    let m = loaded.model.featureCount
    let lime = try LIME(
      model: loaded.model, background: background, schema: loaded.schema,
      configuration: LIMEConfiguration(
        features: m, featureSelection: .none, space: .raw, estimator: .exact))
    #expect(lime.estimator == .exact)
    var worst = 0.0
    for (r, row) in rows.enumerated() {
      let e = try #require(try lime.explain(row, featureCount: m).first)
      let s = try #require(e.surrogate)
      worst = max(worst, try Self.expectWithinLimeNoise(e, summaries[r], names: loaded.schema.names, "\(key) row \(r)"))
      expectClose(e.prediction, summaries[r]["margin"]?.number ?? .nan, rel: 1e-5, "the model's margin")
      // The score: closed form for the linear model, estimated from fixed draws for trees.
      let score = summaries[r]["score_mean"]?.number ?? .nan
      #expect(abs(s.score - score) < (key == "linear" ? 0.01 : 0.05), "\(key) row \(r): score \(s.score), lime \(score)")
      #expect(s.estimate == .exact(samples: 5000, scoreIsEstimated: key != "linear"))
    }
    print("exact LIME \(key): largest |exact − lime mean| = \(worst) standard errors")
  }
}
