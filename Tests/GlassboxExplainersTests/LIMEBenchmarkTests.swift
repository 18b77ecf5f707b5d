import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import Testing

/// LIME throughput for bench/lime/run.sh: explains the rows of GLASSBOX_LIME_ROWS against
/// the background GLASSBOX_LIME_BACKGROUND (CSV with the card's labels) with the model
/// GLASSBOX_LIME_MODEL on one thread, one timed run, and prints one JSON line
/// (`lime-bench-json {...}`). Enabled only with GLASSBOX_BENCH=1; build with `-c release`.
@Suite("LIMEBenchmark (opt-in)")
struct LIMEBenchmarkTests {
  static func environment(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
  }

  static var enabled: Bool { environment("GLASSBOX_BENCH") == "1" && environment("GLASSBOX_LIME_ROWS") != nil }

  @Test(.enabled(if: LIMEBenchmarkTests.enabled))
  func throughput() throws {
    let modelPath = try #require(Self.environment("GLASSBOX_LIME_MODEL"))
    let loaded = try ModelLoader.load(path: modelPath, cardPath: Self.environment("GLASSBOX_LIME_CARD"))
    let background = try Background.read(
      path: try #require(Self.environment("GLASSBOX_LIME_BACKGROUND")), schema: loaded.schema)
    let data = try Background.read(path: try #require(Self.environment("GLASSBOX_LIME_ROWS")), schema: loaded.schema)
    BLASRuntime.setThreads(1)
    let configuration = LIMEConfiguration(
      samples: Int(Self.environment("GLASSBOX_LIME_SAMPLES") ?? "") ?? 5000,
      features: Int(Self.environment("GLASSBOX_LIME_FEATURES") ?? "") ?? 10, seed: 42, threads: 1)
    let lime = try LIME(model: loaded.model, background: background, schema: loaded.schema, configuration: configuration)
    let clock = ContinuousClock()
    var explanations: [Explanation] = []
    let elapsed = try clock.measure { explanations = try lime.explain(data.rows, featureCount: data.featureCount) }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    // The model alone: one batch of `samples` background rows, as LIME predicts per row.
    let n = min(configuration.samples, background.count)
    let batch = Array(background.rows[0..<(n * background.featureCount)])
    var modelBest = Double.infinity
    for _ in 0..<3 {
      let t = clock.measure { _ = loaded.model.predictMargins(batch) }
      modelBest = min(modelBest, Double(t.components.seconds) + Double(t.components.attoseconds) * 1e-18)
    }
    func json(_ explanations: [Explanation]) throws -> String {
      var rows: [String] = []
      for e in explanations {
        let s = try #require(e.surrogate)
        let conditions = s.conditions.map { "\"" + $0.replacingOccurrencesOfQuote() + "\"" }.joined(separator: ",")
        rows.append(
          "{\"features\":[\(s.features.map(String.init).joined(separator: ","))],\"weights\":[\(s.weights.map { "\($0)" }.joined(separator: ","))],\"conditions\":[\(conditions)],\"score\":\(s.score)}")
      }
      return "[" + rows.joined(separator: ",") + "]"
    }
    // Untimed runs with more seeds (GLASSBOX_LIME_SEEDS, comma-separated) for the agreement figures.
    var others: [String] = []
    for seed in (Self.environment("GLASSBOX_LIME_SEEDS") ?? "").split(separator: ",").compactMap({ UInt64($0) }) {
      var c = configuration
      c.seed = seed
      let run = try LIME(model: loaded.model, background: background, schema: loaded.schema, configuration: c)
        .explain(data.rows, featureCount: data.featureCount)
      others.append(try json(run))
    }
    print(
      "lime-bench-json {\"rows_per_second\":\(Double(data.count) / seconds),\"seconds\":\(seconds),\"model_seconds_per_batch\":\(modelBest),\"batch\":\(n),\"rows\":\(try json(explanations)),\"other_seeds\":[\(others.joined(separator: ","))]}")
  }
}

extension String {
  fileprivate func replacingOccurrencesOfQuote() -> String {
    var out = ""
    for ch in self { out += ch == "\"" ? "\\\"" : String(ch) }
    return out
  }
}

#if canImport(Glibc)
  import Glibc
#endif
