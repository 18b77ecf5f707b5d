import GlassboxData
import GlassboxExplainers
import GlassboxModels
import Testing

@Suite("TreeSHAP equals the libraries' path-dependent SHAP values")
struct TreeSHAPFixtureTests {
  @Test("contributions and base values match", arguments: TreeFixture.cases())
  func contributions(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = fixture.flat("contribs")  // [row][k][F+1], bias last
    let m = fixture.featureCount
    let k = fixture.outputCount
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      let explainer = TreeSHAP(ensemble: model)
      let explanations = try explainer.explain(fixture.rows, featureCount: m)
      #expect(explanations.count == fixture.rowCount * k)
      var worst = 0.0
      var worstAdditivity = 0.0
      var identical = true
      for (i, e) in explanations.enumerated() {
        let start = i * (m + 1)
        let row = Array(expected[start..<(start + m + 1)])
        let scale = max(1e-300, row.map(abs).max()!)
        for j in 0..<m {
          worst = max(worst, abs(e.attributions[j] - row[j]) / scale)
          if e.attributions[j] != row[j] { identical = false }
        }
        worst = max(worst, abs(e.baseValue - row[m]) / max(1, abs(row[m])))
        if e.baseValue != row[m] { identical = false }
        worstAdditivity = max(worstAdditivity, e.additivityGap)
      }
      if name.hasPrefix("xgb") {
        #expect(identical, "\(path): not bit-identical to pred_contribs, max rel error \(worst)")
        #expect(worstAdditivity <= 1e-5, "\(path): additivity gap \(worstAdditivity)")
      } else {
        #expect(worst <= 1e-9, "\(path): max rel error \(worst)")
        #expect(worstAdditivity <= 1e-9, "\(path): additivity gap \(worstAdditivity)")
      }
      print("\(name) \(path.split(separator: "/").last!): max rel error \(worst), additivity \(worstAdditivity), bit-identical \(identical)")
    }
  }
}
