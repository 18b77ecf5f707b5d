import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// End-to-end LIME: agreement with lime's explanations, determinism, missing values,
/// stability.
@Suite("LIME behaviour")
struct LIMEBehaviourTests {
  static func explainer(_ configuration: LIMEConfiguration = LIMEConfiguration(features: 3)) throws -> LIME {
    let (background, labels) = try LIMEFixture.training()
    var c = configuration
    c.trainingLabels = labels
    return try LIME(model: try LIMEFixture.model(), background: background, schema: LIMEFixture.schema, configuration: c)
  }

  @Test("top features agree with lime's as well as lime agrees with itself")
  func agreesWithLime() throws {
    let o = try LIMEFixture.load("end_to_end.json")
    let rows = try LIMEFixture.matrixRows(o["rows"])
    let runs = try #require(o["lime"]?.array?.map { $0.array ?? [] })
    try #require(!rows.isEmpty && runs.count >= 2 && runs.allSatisfy { $0.count == rows.count }, "end_to_end.json: rows and two lime runs")
    let lime = try Self.explainer()
    var ours = 0.0, theirs = 0.0
    for (r, row) in rows.enumerated() {
      let e = try #require(try lime.explain(row, featureCount: 5).first)
      let s = try #require(e.surrogate)
      let a = try #require(runs[0][r].object), b = try #require(runs[1][r].object)
      ours += jaccard(s.features, try LIMEFixture.ints(a["selected"]))
      theirs += jaccard(try LIMEFixture.ints(a["selected"]), try LIMEFixture.ints(b["selected"]))
      expectClose(e.prediction, a["prediction"]?.number ?? .nan, rel: 1e-12, "the model's probability")
      #expect(abs(s.score - (a["score"]?.number ?? 0)) < 0.1, "row \(r): R² \(s.score)")
      // The conditions read as lime's (lime writes `color=blue` for categoricals).
      let limeConditions = try LIMEFixture.strings(a["conditions"]).map {
        $0.contains("<") || $0.contains(">") ? $0 : $0.replacingFirst("=", " = ")
      }
      for (j, condition) in zip(s.features, s.conditions) where try LIMEFixture.ints(a["selected"]).contains(j) {
        #expect(limeConditions.contains(condition), "\(condition) not in \(limeConditions)")
      }
      expectClose(e.baseValue + e.attributions.reduce(0, +), s.localPrediction, rel: 1e-12)
    }
    #expect(ours >= theirs - 0.5, "glassbox vs lime \(ours / 6), lime vs lime \(theirs / 6)")
  }

  @Test("results depend on the seed only, not on threads or batching")
  func deterministic() throws {
    let rows = try LIMEFixture.matrixRows(try LIMEFixture.load("end_to_end.json")["rows"]).flatMap { $0 }
    let one = try Self.explainer(LIMEConfiguration(samples: 800, features: 3, seed: 9, threads: 1))
    let three = try Self.explainer(LIMEConfiguration(samples: 800, features: 3, seed: 9, threads: 3))
    let a = try one.explain(rows, featureCount: 5)
    let b = try three.explain(rows, featureCount: 5)
    #expect(a == b)
    // Row 4 alone (as its own batch, same row index) gives the same as inside the batch.
    let single = try one.explain(Array(rows[20..<25]), featureCount: 5, firstRow: 4)
    #expect(single == [a[4]])
    let other = try Self.explainer(LIMEConfiguration(samples: 800, features: 3, seed: 10)).explain(rows, featureCount: 5)
    #expect(other != a)
  }

  @Test("every feature-selection mode and discretizer runs end to end",
        arguments: LIMEFeatureSelection.allCases, LIMEDiscretizer.allCases)
  func modes(_ selection: LIMEFeatureSelection, _ discretizer: LIMEDiscretizer) throws {
    let lime = try Self.explainer(
      LIMEConfiguration(samples: 500, features: 2, discretizer: discretizer, featureSelection: selection))
    let row = try LIMEFixture.matrixRows(try LIMEFixture.load("end_to_end.json")["rows"])[0]
    let s = try #require(try lime.explain(row, featureCount: 5).first?.surrogate)
    #expect(s.features.count == (selection == .none ? 5 : 2))
    #expect(s.conditions.count == s.features.count)
    #expect(s.score <= 1)
  }

  @Test("a missing instance value is its own condition")
  func missingInstance() throws {
    let (background, _) = try LIMEFixture.training()
    let base = try LIMEFixture.model()
    // A model that imputes missing inputs with its stored means.
    let model = LinearModel(
      featureNames: base.featureNames, coefficients: base.coefficients, intercepts: base.intercepts,
      transform: .logistic, means: background.means)
    let lime = try LIME(
      model: model, background: background, schema: LIMEFixture.schema,
      configuration: LIMEConfiguration(samples: 2000, features: 5, featureSelection: .none))
    var row = try LIMEFixture.matrixRows(try LIMEFixture.load("end_to_end.json")["rows"])[0]
    row[3] = .nan
    let e = try #require(try lime.explain(row, featureCount: 5).first)
    let s = try #require(e.surrogate)
    let at = try #require(s.features.firstIndex(of: 3))
    #expect(s.conditions[at] == "ratio is missing")
    #expect(e.notes.contains { $0.hasPrefix("ratio is missing but never in the background") })
    #expect(e.inputs[3].isNaN)
  }

  @Test("a model without output for the instance's missing value is an error")
  func modelRejectsMissing() throws {
    var row = try LIMEFixture.matrixRows(try LIMEFixture.load("end_to_end.json")["rows"])[0]
    row[0] = .nan
    #expect(throws: ExplainerError.self) { _ = try Self.explainer().explain(row, featureCount: 5) }
  }

  @Test("background NaNs are left out of the statistics")
  func missingBackground() throws {
    let (background, _) = try LIMEFixture.training()
    var rows = background.rows
    for r in stride(from: 0, to: background.count, by: 10) { rows[r * 5] = .nan }
    let holed = Background(rows: rows, featureCount: 5, source: "holed")
    let stats = try LIMETrainingStatistics(background: holed, schema: LIMEFixture.schema, discretizer: .quartile)
    let ages = (0..<holed.count).map { rows[$0 * 5] }.filter { !$0.isNaN }
    expectClose(stats.features[0].edges, percentiles(ages, [25, 50, 75]), rel: 1e-15)
    expectClose(stats.features[0].missingFraction, 30.0 / 300.0, rel: 1e-15)
    expectClose(stats.features[0].frequencies.reduce(0, +), 1, rel: 1e-12)
  }

  @Test("stability re-runs report sign agreement and top-K overlap")
  func stability() throws {
    let lime = try Self.explainer(LIMEConfiguration(samples: 1500, features: 3, stabilityRuns: 4))
    let row = try LIMEFixture.matrixRows(try LIMEFixture.load("end_to_end.json")["rows"])[3]
    let s = try #require(try lime.explain(row, featureCount: 5).first?.surrogate)
    let st = try #require(s.stability)
    #expect(st.runs == 4)
    #expect(st.signAgreement.count == s.features.count)
    #expect(st.signAgreement.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(st.minJaccard <= st.meanJaccard && st.meanJaccard <= 1)
    // The main run is unchanged by measuring stability.
    let plain = try Self.explainer(LIMEConfiguration(samples: 1500, features: 3))
    let p = try #require(try plain.explain(row, featureCount: 5).first?.surrogate)
    #expect(p.features == s.features && p.weights == s.weights)
  }

  @Test("training labels for the entropy discretizer come from the background CSV")
  func labels() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("train.csv", "age,income\n30,<=50K\n40, >50K\n50,\n60,<=50K\n")
    let labels = try LIMEConfiguration.readLabels(path: path, column: "income")
    #expect(labels.count == 4)
    #expect(labels[0] == 0 && labels[1] == 1 && labels[2].isNaN && labels[3] == 0)
    #expect(throws: ExplainerError.self) { _ = try LIMEConfiguration.readLabels(path: path, column: "label") }
  }

  @Test func invalidSettings() throws {
    #expect(throws: ExplainerError.self) { _ = try Self.explainer(LIMEConfiguration(samples: 1)) }
    #expect(throws: ExplainerError.self) { _ = try Self.explainer(LIMEConfiguration(kernelWidth: 0)) }
    #expect(throws: ExplainerError.self) { _ = try Self.explainer(LIMEConfiguration(outputs: [1])) }
  }
}

extension String {
  func replacingFirst(_ target: Character, _ replacement: String) -> String {
    guard let i = firstIndex(of: target) else { return self }
    return String(self[..<i]) + replacement + String(self[index(after: i)...])
  }
}
