import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Kernel SHAP on the shipped Adult XGBoost model against exact interventional TreeSHAP
/// over the same background.
@Suite("Kernel SHAP on models/adult-xgboost.json")
struct KernelAdultTests {
  static let root: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
  }()

  func load() throws -> (TreeEnsemble, Background, [Double]) {
    let loaded = try ModelLoader.load(path: Self.root + "/models/adult-xgboost.json")
    let model = try #require(loaded.model as? TreeEnsemble)
    let train = try Background.read(path: Self.root + "/datasets/adult.csv", schema: loaded.schema)
    let background = BackgroundSummary.sample(train, count: 60, seed: 3)
    let test = try Background.read(path: Self.root + "/datasets/adult-test.csv", schema: loaded.schema)
    return (model, background, Array(test.rows[0..<(4 * model.featureCount)]))
  }

  @Test("auto mode (exact by enumeration per background row) matches interventional TreeSHAP")
  func exactMatchesTreeSHAP() throws {
    let (model, background, rows) = try load()
    let reference = try InterventionalTreeSHAP(ensemble: model, background: background)
      .explain(rows, featureCount: model.featureCount)
    let kernel = try KernelSHAP(model: model, background: background)
      .explain(rows, featureCount: model.featureCount)
    for (k, t) in zip(kernel, reference) {
      // XGBoost margins are float32 sums; the TreeSHAP reference is computed in double.
      expectClose(k.attributions, t.attributions, abs: 2e-5)
      expectClose(k.baseValue, t.baseValue, abs: 2e-5)
      #expect(k.standardErrors == nil)
    }
  }

  @Test("sampled mode approaches interventional TreeSHAP as samples grow, in both spaces")
  func sampledApproaches() throws {
    let (model, background, rows) = try load()
    for space in [OutputSpace.raw, .probability] {
      // Exact Shapley values of the game in each space: interventional TreeSHAP for
      // margins; for probabilities the exact path (TreeSHAP's probability output rescales
      // per background row, shap's convention, which is not the probability game).
      let reference =
        space == .raw
        ? try InterventionalTreeSHAP(ensemble: model, background: background)
          .explain(rows, featureCount: model.featureCount).flatMap(\.attributions)
        : try KernelSHAP(model: model, background: background, configuration: .init(space: .probability))
          .explain(rows, featureCount: model.featureCount).flatMap(\.attributions)
      var errors: [Double] = []
      for n in [200, 3000] {
        let phi = try KernelSHAP(
          model: model, background: background,
          configuration: .init(samples: .fixed(n), space: space, exactWhenAffordable: false)
        ).explain(rows, featureCount: model.featureCount).flatMap(\.attributions)
        errors.append(meanAbsoluteError(phi, reference))
      }
      #expect(errors[1] < errors[0], "\(space): \(errors)")
      #expect(errors[1] < (space == .raw ? 0.02 : 0.004), "\(space): \(errors)")
      print("kernel adult \(space): mean |φ − exact| at 200 and 3000 coalitions: \(errors)")
    }
  }
}
