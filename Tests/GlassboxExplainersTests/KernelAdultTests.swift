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

  @Test(
    "exact paths match interventional TreeSHAP: shared auto (enumeration of all coalitions), and per-background with a budget covering every game"
  )
  func exactMatchesTreeSHAP() throws {
    let (model, background, rows) = try load()
    let reference = try InterventionalTreeSHAP(ensemble: model, background: background)
      .explain(rows, featureCount: model.featureCount)
    let configurations: [KernelSHAP.Configuration] = [.init(design: .shared), .init(samples: .fixed(1 << 13))]
    for configuration in configurations {
      let kernel = try KernelSHAP(model: model, background: background, configuration: configuration)
        .explain(rows, featureCount: model.featureCount)
      for (k, t) in zip(kernel, reference) {
        // XGBoost margins are float32 sums; the TreeSHAP reference is computed in double.
        expectClose(k.attributions, t.attributions, abs: 2e-5)
        expectClose(k.baseValue, t.baseValue, abs: 2e-5)
        #expect(k.standardErrors == nil, "\(configuration.design)")
      }
    }
  }

  @Test("per-background sampling: errors independent of the reference fall with the budget and stay within their standard errors")
  func perBackgroundStandardErrorsAreHonest() throws {
    let loaded = try ModelLoader.load(path: Self.root + "/models/adult-xgboost.json")
    let model = try #require(loaded.model as? TreeEnsemble)
    let m = model.featureCount
    let train = try Background.read(path: Self.root + "/datasets/adult.csv", schema: loaded.schema)
    let background = BackgroundSummary.sample(train, count: 60, seed: 5)
    let test = try Background.read(path: Self.root + "/datasets/adult-test.csv", schema: loaded.schema)
    let rows = Array(test.rows[0..<(12 * m)])
    let reference = try InterventionalTreeSHAP(ensemble: model, background: background)
      .explain(rows, featureCount: m)
    var meanErrors: [Double] = []
    for n in [64, 256] {
      let kernel = try KernelSHAP(model: model, background: background, configuration: .init(samples: .fixed(n)))
        .explain(rows, featureCount: m)
      var within = 0
      var sampled = 0
      var errorSum = 0.0
      var seSum = 0.0
      for (k, t) in zip(kernel, reference) {
        #expect(abs(k.additivityGap) < 1e-9)
        guard let se = k.standardErrors else { continue }
        for j in 0..<m where se[j] > 0 {
          let error = abs(k.attributions[j] - t.attributions[j])
          sampled += 1
          errorSum += error
          seSum += se[j]
          if error <= 3 * se[j] { within += 1 }
        }
      }
      #expect(sampled > 50)
      let share = Double(within) / Double(sampled)
      // For a normal error, E|error| = 0.8 σ: the mean standard error should be close.
      let ratio = seSum / (errorSum / 0.8)
      #expect(share >= 0.9, "\(n) coalitions: \(within) of \(sampled) within 3 se")
      #expect(ratio > 0.6 && ratio < 1.6, "\(n) coalitions: mean se / (mean |error| / 0.8) = \(ratio)")
      meanErrors.append(errorSum / Double(sampled))
      print("kernel per-background \(n): \(within)/\(sampled) within 3 se, se ratio \(ratio), mean |error| \(errorSum / Double(sampled))")
    }
    #expect(meanErrors[1] < meanErrors[0] * 0.75, "\(meanErrors)")
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
        : try KernelSHAP(model: model, background: background, configuration: .init(design: .shared, space: .probability))
          .explain(rows, featureCount: model.featureCount).flatMap(\.attributions)
      for design in KernelSHAP.Design.allCases {
        var errors: [Double] = []
        for n in [200, 3000] {
          let phi = try KernelSHAP(
            model: model, background: background,
            configuration: .init(samples: .fixed(n), design: design, space: space, exactWhenAffordable: false)
          ).explain(rows, featureCount: model.featureCount).flatMap(\.attributions)
          errors.append(meanAbsoluteError(phi, reference))
        }
        #expect(errors[1] < errors[0], "\(space), \(design): \(errors)")
        #expect(errors[1] < (space == .raw ? 0.02 : 0.004), "\(space), \(design): \(errors)")
        print("kernel adult \(space), \(design): mean |φ − exact| at 200 and 3000 coalitions: \(errors)")
      }
    }
  }
}
