import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

@Suite("Interventional TreeSHAP equals shap.TreeExplainer(data=bg)")
struct TreeSHAPInterventionalTests {
  /// The cases the index lists with a background sample: they hold shap's interventional values.
  static let listed = FixtureIndex.cases(kind: "trees") { $0.files.contains("background.csv") }

  @Test("the index lists interventional cases, with all their files")
  func indexListsTheCases() {
    FixtureIndex.expectComplete(Self.listed)
  }

  @Test("raw and probability outputs match", arguments: listed.map(\.name))
  func interventional(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let m = fixture.featureCount
    let (bgRows, _) = try TreeFixture.readCSV("\(fixture.dir)/background.csv")
    let background = Background(rows: bgRows, featureCount: m, source: "background.csv")
    for (key, space) in [("interventional", OutputSpace.raw), ("interventional_probability", .probability)] {
      // Every interventional case holds raw values; only logistic ones add probabilities.
      guard let block = fixture.expected[key]?.object else {
        #expect(space == .probability, "\(name): expected.json has no \"\(key)\"")
        continue
      }
      let expected = try fixture.flat("contribs", in: block)
      let model = try fixture.load(fixture.modelPaths[0])
      let explainer = try InterventionalTreeSHAP(ensemble: model, background: background, space: space)
      let explanations = try explainer.explain(fixture.rows, featureCount: m)
      var worst = 0.0
      var worstAdditivity = 0.0
      for (i, e) in explanations.enumerated() {
        let start = i * (m + 1)
        let row = Array(expected[start..<(start + m + 1)])
        let scale = max(1e-300, row.map(abs).max() ?? 0)
        for j in 0..<m { worst = max(worst, abs(e.attributions[j] - row[j]) / scale) }
        worst = max(worst, abs(e.baseValue - row[m]) / max(1, abs(row[m])))
        worstAdditivity = max(worstAdditivity, e.additivityGap)
      }
      print("\(name) \(key): max rel error \(worst), additivity \(worstAdditivity)")
      #expect(worst <= 1e-6, "\(name) \(key): max rel error \(worst)")
      #expect(worstAdditivity <= 1e-9, "\(name) \(key): additivity \(worstAdditivity)")
    }
  }
}
