import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Interventional TreeSHAP of an ONNX file against shap's interventional values of the
/// scikit-learn (or LightGBM) model the file was converted from, over the same background.
/// The fixture keeps rows on which float32 and double thresholds route alike, so the two
/// models are the same function on them.
@Suite("Interventional TreeSHAP of ONNX files equals shap's on the source model")
struct ONNXTreeSHAPTests {
  static let cases = FixtureIndex.cases(kind: "onnx") { _ in true }.map(\.name)

  @Test("to 1e-6 of the row's largest value", arguments: cases)
  func interventional(_ name: String) throws {
    let dir = fixturesDirectory + "/onnx/" + name
    let expected = try #require(try JSONParser.parseFile(dir + "/expected.json").object)
    guard let block = expected["interventional"]?.object else {
      // shap has no interventional values for multi-class GradientBoostingClassifier.
      #expect(name == "onnx-gb-multiclass")
      return
    }
    let model = try #require(try ModelLoader.load(path: dir + "/model.onnx").model as? TreeEnsemble)
    let m = model.featureCount
    let (rows, _) = try TreeFixture.readCSV(dir + "/X.csv")
    let (bg, _) = try TreeFixture.readCSV(dir + "/background.csv")
    let explainer = try InterventionalTreeSHAP(
      ensemble: model, background: Background(rows: bg, featureCount: m, source: "background.csv"))
    let explanations = try explainer.explain(rows, featureCount: m)
    var values: [Double] = []
    func walk(_ v: JSONValue) { if let a = v.array { a.forEach(walk) } else if let d = v.number { values.append(d) } }
    walk(try #require(block["contribs"]))
    #expect(values.count == explanations.count * (m + 1))
    var worst = 0.0
    for (i, e) in explanations.enumerated() {
      let row = Array(values[(i * (m + 1))..<((i + 1) * (m + 1))])
      let scale = max(1e-12, row[0..<m].map(abs).max() ?? 0)
      for j in 0..<m { worst = max(worst, abs(e.attributions[j] - row[j]) / scale) }
      worst = max(worst, abs(e.baseValue - row[m]) / max(1, abs(row[m])))
      #expect(e.additivityGap <= 1e-9)
    }
    print("\(name): interventional TreeSHAP vs shap on the source model, max rel error \(worst)")
    #expect(worst <= 1e-6, "max rel error \(worst)")
  }
}
