import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Exact LIME for a random forest's probability (an average of leaf values) and for lime's
/// non-discretized mode (`LIMEDiscretizer.none`, Gaussian sampling): against lime 0.2.0.1's
/// mean over 40 seeds (Tests/Fixtures/lime/exact_more.json,
/// tools/make_fixtures_lime_exact_more.py), against glassbox's own sampled estimator with
/// many samples, and against the linear model's closed form.
@Suite("Exact LIME: forest probabilities and the non-discretized mode")
struct LIMEExactForestAndGaussianTests {
  static let root = LIMEExactReferenceTests.root
  static let card = root + "/models/adult-xgboost.card.json"

  /// The model of a fixture case, with the Adult card (the forest shares the XGBoost model's encoding).
  static func model(_ path: String) throws -> LoadedModel {
    try ModelLoader.load(path: root + "/" + path, cardPath: card)
  }

  @Test(
    "every exact weight lies within 4 standard errors + 1% of lime's mean",
    arguments: ["forest", "continuous"])
  func withinLimeNoise(_ key: String) throws {
    let o = try LIMEFixture.load("exact_more.json")
    let fixture = try #require(o["cases"]?.object?[key]?.object, "exact_more.json: cases.\(key)")
    let loaded = try Self.model(fixture["model"]?.string ?? "")
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    try #require(background.count == Int(o["background_rows"]?.number ?? -1), "lime's background row count")
    let rows = try LIMEFixture.matrixRows(o["rows"])
    let summaries = try LIMEFixture.array(fixture["rows"]).compactMap(\.object)
    try #require(summaries.count == rows.count && !rows.isEmpty, "one lime summary per row")
    let m = loaded.model.featureCount
    let discretize = fixture["discretize"]?.bool ?? true
    // lime explains label 1: the forest's second class probability, the XGBoost margin.
    let lime = try LIME(
      model: loaded.model, background: background, schema: loaded.schema,
      configuration: LIMEConfiguration(
        features: m, discretizer: discretize ? .quartile : .none, featureSelection: .none, space: .raw,
        outputs: loaded.model.outputCount == 2 ? [1] : nil, estimator: .exact))
    #expect(lime.estimator == .exact)
    var worst = 0.0
    for (r, row) in rows.enumerated() {
      let e = try #require(try lime.explain(row, featureCount: m).first)
      let s = try #require(e.surrogate)
      let label = "\(key) row \(r)"
      worst = max(worst, try LIMEExactReferenceTests.expectWithinLimeNoise(e, summaries[r], names: loaded.schema.names, label))
      let local = summaries[r]["local_prediction_mean"]?.number ?? .nan
      let localError = summaries[r]["local_prediction_se"]?.number ?? .nan
      #expect(abs(s.localPrediction - local) <= 4 * localError + 0.01 * abs(local), "\(key) row \(r) local prediction")
      expectClose(e.prediction, summaries[r]["output"]?.number ?? .nan, rel: 1e-5, "the model's output")
      let score = summaries[r]["score_mean"]?.number ?? .nan
      #expect(abs(s.score - score) < 0.05, "\(key) row \(r): score \(s.score), lime \(score)")
      #expect(s.estimate == .exact(samples: 5000, scoreIsEstimated: true))
    }
    print("exact LIME \(key): largest |exact − lime mean| = \(worst) standard errors")
  }

  /// The forest, its complete-row background and two fixture rows.
  static func forest() throws -> (LoadedModel, Background, [[Double]]) {
    let loaded = try model("Tests/Fixtures/lime/adult-forest.json")
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    let rows = try LIMEFixture.matrixRows(try LIMEFixture.load("exact_more.json")["rows"])
    return (loaded, background, Array(rows.prefix(2)))
  }

  @Test("non-discretized exact LIME is the mean of many large sampled runs (8 seeds of 40,000 samples)")
  func gaussianMatchesMonteCarlo() throws {
    let (loaded, background, rows) = try Self.forest()
    let m = loaded.model.featureCount
    let n = 40_000
    func configuration(_ estimator: LIMEEstimator, seed: UInt64) -> LIMEConfiguration {
      LIMEConfiguration(
        samples: n, features: m, discretizer: .none, featureSelection: .none, space: .raw, outputs: [1], seed: seed,
        estimator: estimator)
    }
    let exact = try LIME(
      model: loaded.model, background: background, schema: loaded.schema, configuration: configuration(.exact, seed: 1))
    let seeds: [UInt64] = Array(1...8)
    let sampled = try seeds.map {
      try LIME(
        model: loaded.model, background: background, schema: loaded.schema,
        configuration: configuration(.sampled, seed: $0))
    }
    for (r, row) in rows.enumerated() {
      let e = try #require(try exact.explain(row, featureCount: m).first)
      let runs = try sampled.map { try #require(try $0.explain(row, featureCount: m).first) }
      for j in 0..<m {
        let values = runs.map { $0.attributions[j] }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        let error = (variance / Double(values.count)).squareRoot()
        #expect(
          abs(e.attributions[j] - mean) <= 4 * error + 1e-4,
          "row \(r) \(loaded.schema.names[j]): exact \(e.attributions[j]), sampled \(mean) ± \(error)")
      }
    }
  }

  @Test("a linear model's non-discretized slope is its coefficient times the feature's standard deviation")
  func gaussianLinearClosedForm() throws {
    let loaded = try ModelLoader.load(path: Self.root + "/models/adult-logistic.json")
    let linear = try #require(loaded.model as? LinearModel)
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    let m = linear.featureCount
    // Many samples: the ridge penalty is negligible, the surrogate is the limit.
    let lime = try LIME(
      model: linear, background: background, schema: loaded.schema,
      configuration: LIMEConfiguration(
        samples: 1_000_000_000_000, features: m, discretizer: .none, featureSelection: .none, space: .raw,
        estimator: .exact))
    let row = try #require(try LIMEFixture.matrixRows(try LIMEFixture.load("exact_more.json")["rows"]).first)
    let e = try #require(try lime.explain(row, featureCount: m).first)
    var checked = 0
    for j in 0..<m where !loaded.schema.features[j].isCategorical {
      let column = (0..<background.count).map { background.rows[$0 * m + j] }
      let mean = column.reduce(0, +) / Double(column.count)
      let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
      expectClose(e.attributions[j], linear.coefficients[0][j] * sd, rel: 1e-6, "\(loaded.schema.names[j])")
      checked += 1
    }
    #expect(checked > 0)
    let s = try #require(e.surrogate)
    // Every Gaussian feature's condition is its name.
    for (c, j) in s.features.enumerated() where !loaded.schema.features[j].isCategorical {
      #expect(s.conditions[c] == loaded.schema.names[j])
    }
  }

  @Test("non-discretized exact LIME does not depend on the seed or the thread count")
  func gaussianDeterministic() throws {
    let (loaded, background, rows) = try Self.forest()
    let m = loaded.model.featureCount
    let results = try [(UInt64(1), 1), (UInt64(77), 2)].map { seed, threads in
      let lime = try LIME(
        model: loaded.model, background: background, schema: loaded.schema,
        configuration: LIMEConfiguration(
          discretizer: .none, space: .raw, outputs: [1], seed: seed, threads: threads, estimator: .exact))
      return try lime.explain(rows.flatMap { $0 }, featureCount: m)
    }
    #expect(results[0].map(\.attributions) == results[1].map(\.attributions))
    #expect(results[0].compactMap(\.surrogate?.score) == results[1].compactMap(\.surrogate?.score))
  }
}
