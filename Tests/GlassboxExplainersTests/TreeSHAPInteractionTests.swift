import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

@Suite("TreeSHAP interaction values equal xgboost pred_interactions")
struct TreeSHAPInteractionTests {
  /// The cases whose index description says they hold xgboost's pred_interactions.
  static let listed = FixtureIndex.cases(kind: "trees") { $0.caseDescription.contains("pred_interactions") }

  @Test("the index lists interaction cases, with all their files")
  func indexListsTheCases() {
    FixtureIndex.expectComplete(Self.listed)
  }

  @Test("interactions match", arguments: listed.map(\.name))
  func interactions(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = try fixture.flat("interactions")
    #expect(!expected.isEmpty)
    let model = try fixture.load(fixture.modelPaths[0])
    let explainer = TreeSHAP(ensemble: model)
    let values = explainer.interactions(fixture.rows)
    #expect(values.count == expected.count)
    var worst = 0.0
    for (a, b) in zip(values, expected) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
    print("\(name) interactions: max rel error \(worst), bit-identical \(values == expected)")
    let mismatches = zip(values, expected).filter { $0 != $1 }.count
    #expect(mismatches == 0, "\(mismatches) values differ, max rel error \(worst)")
    // Rows of the matrix sum to the SHAP values.
    let m = fixture.featureCount
    let shap = try explainer.explain(fixture.rows, featureCount: m)
    for (r, e) in shap.enumerated() {
      for i in 0..<m {
        var sum = 0.0
        for j in 0...m { sum += values[(r * (m + 1) + i) * (m + 1) + j] }
        #expect(abs(sum - e.attributions[i]) <= 1e-4 * max(1, abs(e.attributions[i])))
      }
    }
  }
}
