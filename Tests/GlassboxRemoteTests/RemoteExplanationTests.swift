import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import GlassboxRemote
import Testing

/// The awk model's function as a local Swift model.
struct LocalTestModel: Model {
  var featureNames: [String] { ["a", "b", "c"] }
  var outputCount: Int { 1 }
  var classNames: [String]? { nil }
  var transform: OutputTransform { .identity }
  var summary: String { "local copy of the test command's function" }
  func predictMargins(_ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>) {
    for r in 0..<count { out[r] = TestCommand.f(rows[3 * r], rows[3 * r + 1], rows[3 * r + 2]) }
  }
}

@Suite("Explanations through a command")
struct RemoteExplanationTests {
  let background = Background(
    rows: [0, 0, 0, 1, -1, 2, 0.5, 2, -1, -2, 1, 0.25], featureCount: 3, source: "test background")
  let instances: [Double] = [1.5, -0.5, 2, -1, 3, 0.75, 2, 2, 2]

  @Test("exact Shapley values through the command equal those of the local model, and cost fewer rows than asked")
  func exactMatchesLocal() throws {
    let remote = try TestCommand.model(batchRows: 16)
    defer { remote.close() }
    let throughCommand = try ExactShapley(model: remote, background: background).explain(instances, featureCount: 3)
    let local = try ExactShapley(model: LocalTestModel(), background: background).explain(instances, featureCount: 3)
    try #require(throughCommand.count == local.count)
    for (a, b) in zip(throughCommand, local) {
      #expect(abs(a.baseValue - b.baseValue) <= 1e-12)
      for j in 0..<3 { #expect(abs(a.attributions[j] - b.attributions[j]) <= 1e-12) }
    }
    #expect(remote.statistics.rowsSent <= remote.statistics.evaluations)
    #expect(remote.failure == nil)
  }

  @Test("Kernel SHAP through the command equals Kernel SHAP on the local model with the same seed")
  func kernelMatchesLocal() throws {
    let remote = try TestCommand.model()
    defer { remote.close() }
    let configuration = KernelSHAP.Configuration(samples: .fixed(10), seed: 7)
    let throughCommand = try KernelSHAP(model: remote, background: background, configuration: configuration)
      .explain(instances, featureCount: 3)
    let local = try KernelSHAP(model: LocalTestModel(), background: background, configuration: configuration)
      .explain(instances, featureCount: 3)
    for (a, b) in zip(throughCommand, local) {
      for j in 0..<3 { #expect(abs(a.attributions[j] - b.attributions[j]) <= 1e-12) }
      #expect(abs(a.prediction - b.prediction) <= 1e-12)
    }
  }

  @Test("Kernel SHAP through HTTP: the same seed gives identical bits with 1, 4 or 16 row workers (more than the cores); as many rows asked")
  func threadsDoNotChangeResults() async throws {
    let background = self.background
    // Twelve rows (three players: their games are small enough to come out exact; the CLI
    // test RemoteThreadsEndToEndTests covers sampled LIME).
    let rows = (0..<36).map { Double(($0 * 7919) % 23) / 4 - 2.5 }
    try await FaultServer.with { base, _ in
      var runs: [(explanations: [Explanation], evaluations: Int)] = []
      for threads in [1, 4, 16] {
        let model = try HTTPTransportTests.model(base + "/v2/models/plain", batchRows: 7, concurrency: 3)
        defer { model.close() }
        let configuration = KernelSHAP.Configuration(samples: .fixed(2), seed: 11, threads: threads)
        let explanations = try KernelSHAP(model: model, background: background, configuration: configuration)
          .explain(rows, featureCount: 3)
        #expect(model.failure == nil)
        runs.append((explanations, model.statistics.evaluations))
      }
      try #require(runs[0].explanations.count == 12)
      for run in runs.dropFirst() {
        #expect(run.evaluations == runs[0].evaluations)
        for (a, b) in zip(run.explanations, runs[0].explanations) {
          #expect(a.attributions.map(\.bitPattern) == b.attributions.map(\.bitPattern))
          #expect(a.baseValue.bitPattern == b.baseValue.bitPattern && a.prediction.bitPattern == b.prediction.bitPattern)
        }
      }
    }
  }
}
