import GlassboxData
import GlassboxModels
import GlassboxTestSupport
import Testing

@Suite("Tree ensembles: margins equal the libraries'")
struct TreesPredictionTests {
  @Test("the index lists the tree cases, with all their files")
  func indexListsTheCases() {
    FixtureIndex.expectComplete(FixtureIndex.cases(kind: "trees"))
  }

  @Test("margins match", arguments: TreeFixture.cases())
  func margins(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = try fixture.flat("margin")
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      #expect(model.featureCount == fixture.featureCount)
      #expect(model.outputCount == fixture.outputCount)
      let margins = model.predictMargins(fixture.rows)
      #expect(margins.count == expected.count)
      var worst = 0.0
      for (a, b) in zip(margins, expected) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
      if name.hasPrefix("xgb") {
        #expect(margins == expected, "\(path): not bit-identical, max rel error \(worst)")
      } else {
        #expect(worst <= 1e-12, "\(path): max rel error \(worst)")
      }
    }
  }
}

@Suite("Shipped tree models load")
struct TreesShippedModelTests {
  static let models: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/models"
  }()

  @Test("adult models load with their cards", arguments: ["adult-xgboost.json", "adult-lightgbm.txt"])
  func shipped(_ name: String) throws {
    let loaded = try ModelLoader.load(path: "\(Self.models)/\(name)")
    let model = try #require(loaded.model as? TreeEnsemble)
    #expect(model.featureCount == 13)
    #expect(model.transform == .logistic)
    #expect(loaded.card != nil)
    let margins = model.predictMargins([Double](repeating: .nan, count: 13))
    #expect(margins.count == 1 && margins[0].isFinite)
  }
}
