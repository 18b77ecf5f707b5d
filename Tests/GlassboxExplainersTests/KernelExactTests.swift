import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxSystem
import GlassboxTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Kernel SHAP and exact Shapley: exact mode against brute force")
struct KernelExactTests {
  let m = 6
  var model: InteractionModel { InteractionModel(featureCount: m, outputs: 2) }

  @Test("kernel (exact path) equals brute-force Shapley to 1e-9 on a nonlinear two-output model")
  func kernelEqualsBruteForce() throws {
    let bgRows = randomRows(12, m, seed: 1)
    let bg = Background(rows: bgRows, featureCount: m, source: "test")
    let explainer = try KernelSHAP(model: model, background: bg)
    let xs = randomRows(5, m, seed: 2)
    let explanations = try explainer.explain(xs, featureCount: m)
    #expect(explanations.count == 10)
    for e in explanations {
      let x = e.inputs
      let c = e.output ?? 0
      let expected = oracle({ InteractionModel.f($0, output: c) }, x: x, background: rowArrays(bgRows, m))
      expectClose(e.attributions, expected, rel: 1e-9, abs: 1e-9)
      #expect(e.standardErrors == nil)
      expectClose(e.prediction, InteractionModel.f(x, output: c), rel: 1e-12, abs: 1e-12)
      #expect(e.additivityGap < 1e-12)
      #expect(e.notes.contains { $0.contains("exact") })
    }
  }

  @Test("the exact path also runs when all coalitions fit a fixed budget and exactWhenAffordable is off")
  func exactByBudget() throws {
    let bgRows = randomRows(7, m, seed: 3)
    let bg = Background(rows: bgRows, featureCount: m, source: "test")
    let explainer = try KernelSHAP(
      model: model, background: bg, configuration: .init(samples: .fixed(62), exactWhenAffordable: false))
    let x = randomRows(1, m, seed: 4)
    let e = try explainer.explain(x, featureCount: m)[0]
    expectClose(e.attributions, oracle({ InteractionModel.f($0, output: 0) }, x: x, background: rowArrays(bgRows, m)),
                rel: 1e-9, abs: 1e-9)
  }

  @Test("--method exact (brute force) equals the oracle, including probability space")
  func exactShapley() throws {
    let bgRows = randomRows(9, m, seed: 5)
    let bg = Background(rows: bgRows, featureCount: m, source: "test")
    var logistic = InteractionModel(featureCount: m, outputs: 1)
    logistic.transform = .logistic
    for space in [OutputSpace.raw, .probability] {
      let explainer = try ExactShapley(model: logistic, background: bg, configuration: .init(space: space))
      let x = randomRows(1, m, seed: 6)
      let e = try explainer.explain(x, featureCount: m)[0]
      let g: (Double) -> Double = space == .raw ? { $0 } : { 1 / (1 + exp(-$0)) }
      let expected = oracle({ g(InteractionModel.f($0, output: 0)) }, x: x, background: rowArrays(bgRows, m))
      expectClose(e.attributions, expected, rel: 1e-9, abs: 1e-9)
      expectClose(e.prediction, g(InteractionModel.f(x, output: 0)), rel: 1e-12)
      #expect(e.additivityGap < 1e-12)
      // Kernel SHAP in the same space agrees.
      let kernel = try KernelSHAP(model: logistic, background: bg, configuration: .init(space: space))
      expectClose(try kernel.explain(x, featureCount: m)[0].attributions, expected, rel: 1e-9, abs: 1e-9)
    }
  }

  @Test("--method exact refuses more than 20 players with a clear message")
  func exactRefusesLargeGames() throws {
    let wide = InteractionModel(featureCount: 21, outputs: 1)
    let bg = Background(rows: randomRows(2, 21, seed: 7), featureCount: 21, source: "test")
    #expect(throws: ShapleyGameError.tooManyPlayers(method: "exact", players: 21, limit: 20)) {
      try ExactShapley(model: wide, background: bg)
    }
    let error = ShapleyGameError.tooManyPlayers(method: "exact", players: 21, limit: 20)
    #expect(error.description.hasPrefix("method exact handles at most 20") && error.description.contains("use method kernel"))
    let flags = error.describe(spelling: ParameterSpelling { "--" + $0.name })
    #expect(flags.hasPrefix("--method exact handles at most 20") && flags.contains("use --method kernel"))
  }

  @Test("linear model: φ = w (x − μ) with μ the weighted background mean")
  func linearClosedForm() throws {
    let w = [1.5, -2, 0.25, 3, 0, -0.5, 1]
    let linear = LinearModel(
      featureNames: (0..<7).map { "f\($0)" }, coefficients: [w], intercepts: [0.3], transform: .logistic)
    let bgRows = randomRows(10, 7, seed: 8)
    let weights = (0..<10).map { Double($0 % 3 + 1) }
    let bg = Background(rows: bgRows, featureCount: 7, weights: weights, source: "test")
    let mu = bg.means
    for samples in [KernelSHAP.Samples.auto, .fixed(40)] {
      let explainer = try KernelSHAP(
        model: linear, background: bg, configuration: .init(samples: samples, exactWhenAffordable: samples == .auto))
      let x = randomRows(1, 7, seed: 9)
      let e = try explainer.explain(x, featureCount: 7)[0]
      // A linear game is recovered exactly even from sampled coalitions.
      expectClose(e.attributions, (0..<7).map { w[$0] * (x[$0] - mu[$0]) }, rel: 1e-9, abs: 1e-9)
    }
  }

  @Test("background weights act as repeated rows")
  func weightsEqualRepeats() throws {
    let bgRows = randomRows(4, m, seed: 10)
    let weighted = Background(rows: bgRows, featureCount: m, weights: [1, 3, 2, 1], source: "w")
    var repeated: [Double] = []
    for (r, n) in [1, 3, 2, 1].enumerated() {
      for _ in 0..<n { repeated += bgRows[(r * m)..<((r + 1) * m)] }
    }
    let x = randomRows(1, m, seed: 11)
    let a = try KernelSHAP(model: model, background: weighted).explain(x, featureCount: m)[0]
    let expected = oracle({ InteractionModel.f($0, output: 0) }, x: x, background: rowArrays(repeated, m))
    expectClose(a.attributions, expected, rel: 1e-9, abs: 1e-9)
  }

  @Test("features equal in the instance and every background row get exactly 0")
  func constantFeaturesGetZero() throws {
    var bgRows = randomRows(8, 10, seed: 12)
    var x = randomRows(1, 10, seed: 13)
    for r in 0..<8 {
      bgRows[r * 10 + 2] = 1.5
      bgRows[r * 10 + 7] = -0.5
    }
    x[2] = 1.5
    x[7] = -0.5
    let wide = InteractionModel(featureCount: 10, outputs: 1)
    let bg = Background(rows: bgRows, featureCount: 10, source: "test")
    for configuration in [KernelSHAP.Configuration(), .init(samples: .fixed(64), exactWhenAffordable: false)] {
      let e = try KernelSHAP(model: wide, background: bg, configuration: configuration).explain(x, featureCount: 10)[0]
      #expect(e.attributions[2] == 0 && e.attributions[7] == 0)
      #expect(e.notes.contains { $0.contains("get exactly 0") })
      #expect(e.additivityGap < 1e-12)
    }
  }
}
