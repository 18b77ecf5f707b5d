import Foundation
import GlassboxFairness
import GlassboxReports
import GlassboxTestSupport
import Testing

/// The bias renderers: valid JSON with nulls and reasons for undefined values, and the
/// per-prediction footer.
@Suite("bias renderers")
struct BiasRendererTests {
  static func report() throws -> BiasReport {
    // Group b has no positive labels (TPR undefined) and no selections.
    let outcomes = Outcomes(
      scores: [0.9, 0.2, 0.8, 0.1, 0.3, 0.4], labels: [true, false, true, false, false, false], threshold: 0.5)
    return try BiasAnalysis.run(
      attributes: ["g"], values: [["a", "a", "a", "b", "b", "b"]], outcomes: outcomes, attributions: nil, inputs: nil,
      categorical: [], configuration: BiasConfiguration(reference: "a", bootstrap: BootstrapConfiguration(replicates: 20)))
  }

  @Test("JSON parses; undefined values are null with their reasons")
  func json() throws {
    let renderer = BiasRenderer(report: try Self.report(), context: BiasContext(modelName: "m", dataName: "d", featureNames: []))
    let text = renderer.json(verdicts: try FailOnRule(parsing: "disparate_impact<0.8").evaluate(try Self.report()))
    let object = try jsonObject(text)
    let groups = try object.field("groups", [[String: Any]].self)
    try #require(groups.count == 2)
    #expect(groups[1]["tpr"] is NSNull)
    #expect(try groups[1].field("undefined", [String: String].self)["tpr"] == "no positive labels in the group")
    #expect(try object.field("metrics", [String: Any].self)["disparate_impact"] as? Double == 0)
    #expect(try object.field("fail_on", [[String: Any]].self).first?["breached"] as? Bool == true)
    let table = renderer.table()
    #expect(table.contains("undefined") && table.contains("✗4/5") && table.contains("small group"))
    #expect(renderer.markdown().contains("| disparate_impact |"))
  }

  @Test("the sensitivity footer: share, flips, notes")
  func footer() throws {
    let check = SensitivityCheck(
      row: 0, output: nil, sensitiveShare: 0.25,
      shares: [.init(feature: 1, name: "sex", share: 0.25)], score: 0.6, decision: 1,
      counterfactuals: [.init(feature: 1, name: "sex", from: "Male", to: "Female", score: 0.4, decision: 0, flipped: true)],
      notes: ["age is numeric: not probed"])
    let text = SensitivityFooterRenderer.table(check, threshold: 0.5)
    #expect(text.contains("25.0% of total |attribution|") && text.contains("sex Male → Female"))
    #expect(text.contains("decision flips (1 → 0)") && text.contains("age is numeric"))
    let object = try jsonObject(SensitivityFooterRenderer.json(check))
    #expect(object["any_flip"] as? Bool == true)
    #expect(SensitivityFooterRenderer.markdown(check, threshold: 0.5).contains("**flips**"))
  }
}
