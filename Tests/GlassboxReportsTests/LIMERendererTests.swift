import Foundation
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import Testing

@testable import GlassboxReports

@Suite("LIME surrogate renderers")
struct LIMERendererTests {
  let card = ModelCard(features: [
    ModelCard.Feature(name: "age", unit: "years"),
    ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)]), sensitive: true),
    ModelCard.Feature(name: "hours"),
  ])

  var context: ReportContext {
    ReportContext(
      schema: FeatureSchema(names: ["age", "sex", "hours"], card: card), modelName: "m.json",
      transform: .logistic, classNames: nil, method: "lime", top: 10)
  }

  func explanation(score: Double, stability: SurrogateStability? = nil) -> Explanation {
    var e = Explanation(
      row: 3, output: nil, space: .probability, prediction: 0.75, baseValue: 0.25, attributions: [0.25, -0.125, 0],
      inputs: [31, 0, .nan], notes: ["hours is missing"])
    var s = LocalSurrogate(
      features: [0, 1], conditions: ["28.00 < age <= 37.00", "sex = Female"], weights: [0.25, -0.125],
      intercept: 0.25, localPrediction: 0.375, score: score)
    s.stability = stability
    e.surrogate = s
    return e
  }

  @Test("JSON: selected features with conditions, intercept, local prediction, score")
  func json() throws {
    let text = JSONLinesRenderer(context: context).render([explanation(score: 0.625)])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(object["method"] as? String == "lime")
    #expect(object["output"] as? String == "probability")
    #expect(object["prediction"] as? Double == 0.75)
    #expect(object["intercept"] as? Double == 0.25)
    #expect(object["local_prediction"] as? Double == 0.375)
    #expect(object["score"] as? Double == 0.625)
    #expect(object["stability"] == nil)
    let attributions = try #require(object["attributions"] as? [[String: Any]])
    #expect(attributions.count == 2)
    #expect(attributions.map { $0["feature"] as? String } == ["age", "sex"])
    #expect(attributions[0]["value"] as? Int == 31)
    #expect(attributions[1]["value"] as? String == "Female")
    #expect(attributions.map { $0["condition"] as? String } == ["28.00 < age <= 37.00", "sex = Female"])
    #expect(attributions.map { $0["attribution"] as? Double } == [0.25, -0.125])
    #expect((object["warnings"] as? [String]) == ["hours is missing"])
  }

  @Test("JSON: stability object and per-feature sign agreement")
  func jsonStability() throws {
    let st = SurrogateStability(runs: 5, signAgreement: [1, 0.6], meanJaccard: 0.8, minJaccard: 0.5, isStable: false)
    let text = JSONLinesRenderer(context: context).render([explanation(score: 0.9, stability: st)])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let stability = try #require(object["stability"] as? [String: Any])
    #expect(stability["runs"] as? Int == 5)
    #expect(stability["mean_jaccard"] as? Double == 0.8)
    #expect(stability["min_jaccard"] as? Double == 0.5)
    #expect(stability["stable"] as? Bool == false)
    let attributions = try #require(object["attributions"] as? [[String: Any]])
    #expect(attributions.map { $0["sign_agreement"] as? Double } == [1, 0.6])
  }

  @Test("table: conditions with bars, predictions, intercept and score; low score warns")
  func table() {
    let style = TerminalStyle(width: 80, color: false)
    let good = WaterfallRenderer(context: context, style: style).render(explanation(score: 0.625))
    #expect(good.contains("LIME surrogate of the probability"))
    #expect(good.contains("model prediction  0.750"))
    #expect(good.contains("local prediction  0.375"))
    #expect(good.contains("intercept         0.250"))
    #expect(good.contains("score (R²)        0.625"))
    #expect(good.contains("28.00 < age <= 37.00"))
    #expect(good.contains("sex = Female"))
    #expect(good.contains("+0.250") && good.contains("-0.125"))
    #expect(good.contains("█"))
    #expect(!good.contains("warning"))
    let bad = WaterfallRenderer(context: context, style: style).render(explanation(score: 0.3))
    #expect(bad.contains("warning: low surrogate fit (score 0.300 < 0.5)"))
  }

  @Test("table: stability line and sign agreement")
  func tableStability() {
    let st = SurrogateStability(runs: 5, signAgreement: [1, 0.6], meanJaccard: 0.8, minJaccard: 0.5, isStable: false)
    let text = WaterfallRenderer(context: context, style: TerminalStyle(width: 80, color: false))
      .render(explanation(score: 0.9, stability: st))
    #expect(text.contains("stability: 5 re-runs, top-K overlap (Jaccard) mean 0.80, min 0.50 · UNSTABLE"))
    #expect(text.contains("100%") && text.contains("60%"))
  }

  @Test("markdown: summary, condition table, warning")
  func markdown() {
    let text = MarkdownRenderer(context: context).render(explanation(score: 0.3))
    #expect(text.contains("| condition | weight |"))
    #expect(text.contains("| 28.00 < age <= 37.00 | +0.2500 |"))
    #expect(text.contains("score (R²) 0.3000"))
    #expect(text.contains("> warning: low surrogate fit"))
  }

  @Test("explanations without a surrogate render as before")
  func shapUnchanged() {
    var e = explanation(score: 1)
    e.surrogate = nil
    let json = JSONLinesRenderer(context: context).render([e])
    #expect(!json.contains("condition") && !json.contains("intercept"))
    #expect(json.contains("\"attributions\":[{\"feature\":\"age\""))
    #expect(json.contains("{\"feature\":\"hours\",\"value\":null,\"attribution\":0}"))
  }
}
