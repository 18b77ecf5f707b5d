import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

@Suite("TreeSHAP interaction values equal xgboost pred_interactions")
struct TreeSHAPInteractionTests {
  static var cases: [String] { TreeFixture.cases().filter { (try? TreeFixture($0))?.expected["interactions"] != nil } }

  @Test("interactions match", arguments: cases)
  func interactions(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = fixture.flat("interactions")
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
