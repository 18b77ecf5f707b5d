import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// `--samples auto` enumerates every coalition when the game is small, as shap's
/// KernelExplainer does with its defaults; `--samples N` keeps sampling.
@Suite("Kernel SHAP: exact when small under auto")
struct KernelExactWhenSmallTests {
  @Test("10 players, 50 background rows: auto is exact (brute force to 1e-10), with no standard errors", arguments: [KernelSHAP.Design.perBackground, .shared])
  func tenPlayersExact(_ design: KernelSHAP.Design) throws {
    let m = 10
    let model = InteractionModel(featureCount: m, outputs: 1)
    let backgroundRows = randomRows(50, m, seed: 3)
    let background = Background(rows: backgroundRows, featureCount: m, source: "test")
    let x = randomRows(1, m, seed: 11)
    let kernel = try KernelSHAP(model: model, background: background, configuration: .init(design: design, seed: 1))
    let e = try #require(try kernel.explain(x, featureCount: m).first)
    let expected = oracle({ InteractionModel.f($0, output: 0) }, x: x, background: rowArrays(backgroundRows, m))
    for j in 0..<m { #expect(isClose(e.attributions[j], expected[j], rel: 1e-10, abs: 1e-10), "feature \(j)") }
    #expect(e.standardErrors == nil)
    #expect(e.notes.contains { $0.contains("exact") })
  }

  @Test("a fixed --samples keeps sampling on the same game (standard errors, not exact)")
  func fixedSamplesStillSample() throws {
    let m = 10
    let model = InteractionModel(featureCount: m, outputs: 1)
    let background = Background(rows: randomRows(50, m, seed: 3), featureCount: m, source: "test")
    let kernel = try KernelSHAP(
      model: model, background: background, configuration: .init(samples: .fixed(64), seed: 1))
    let e = try #require(try kernel.explain(randomRows(1, m, seed: 11), featureCount: m).first)
    #expect(e.standardErrors != nil)
    #expect(!e.notes.contains { $0.contains("every coalition of every background game") })
  }

  @Test("above the player limit, exact only when it costs at most the stated multiple of the first sampled round")
  func costRule() throws {
    let m = 12
    let model = InteractionModel(featureCount: m, outputs: 1)
    let x = randomRows(1, m, seed: 8)
    // One background row that differs from x everywhere: 2^12 − 2 = 4094 evaluations
    // against 4 × 192 = 768: sampled.
    let far = Background(rows: x.map { $0 + 1 }, featureCount: m, source: "test")
    let sampled = try #require(
      try KernelSHAP(model: model, background: far, configuration: .init(seed: 1)).explain(x, featureCount: m).first)
    #expect(!sampled.notes.contains { $0.contains("every coalition of every background game") }, "\(sampled.notes)")
    #expect(sampled.notes.contains { $0.contains("coalitions per background row") }, "\(sampled.notes)")
    // A background equal to x outside 9 features: 2^9 − 2 = 510 ≤ 768 per game: exact.
    var near = x
    for j in 0..<9 { near[j] += 1 }
    let close = Background(rows: near, featureCount: m, source: "test")
    let exact = try #require(
      try KernelSHAP(model: model, background: close, configuration: .init(seed: 1)).explain(x, featureCount: m).first)
    #expect(exact.standardErrors == nil)
    #expect(exact.notes.contains { $0.contains("every coalition of every background game enumerated") })
    let expected = oracle({ InteractionModel.f($0, output: 0) }, x: x, background: [near])
    for j in 0..<m { #expect(isClose(exact.attributions[j], expected[j], rel: 1e-10, abs: 1e-10), "feature \(j)") }
  }
}
