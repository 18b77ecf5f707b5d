import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// LIME throughput, for bench/lime/run.sh: explains the rows of GLASSBOX_LIME_ROWS against
/// the background GLASSBOX_LIME_BACKGROUND (CSVs with the card's labels) with the model
/// GLASSBOX_LIME_MODEL (card GLASSBOX_LIME_CARD) on one thread, one timed run;
/// GLASSBOX_LIME_SAMPLES (5000), GLASSBOX_LIME_FEATURES (10) and GLASSBOX_LIME_SEEDS
/// (comma-separated seeds of untimed runs for the agreement figures),
/// GLASSBOX_LIME_ESTIMATOR (auto, exact or sampled; default auto), GLASSBOX_LIME_OUTPUT
/// (raw or probability; default: the model's LIME default) and GLASSBOX_LIME_REPEAT (the
/// timed run explains the rows this many times over, default 1; `seconds` and
/// `cpu_seconds` are per pass; `construction_seconds` and its CPU time are the explainer's
/// construction, `baseline_construction_*` that of a sampled LIME with the same settings).
/// Prints one line, `lime-bench-json {...}`.
enum LIMEBench {
  static func run() throws {
    let modelPath = try Bench.required("GLASSBOX_LIME_MODEL")
    let loaded = try ModelLoader.load(path: modelPath, cardPath: Bench.environment("GLASSBOX_LIME_CARD"))
    let background = try Background.read(path: try Bench.required("GLASSBOX_LIME_BACKGROUND"), schema: loaded.schema)
    let data = try Background.read(path: try Bench.required("GLASSBOX_LIME_ROWS"), schema: loaded.schema)
    let estimator = try Bench.environment("GLASSBOX_LIME_ESTIMATOR").map {
      guard let e = LIMEEstimator(rawValue: $0) else { throw BenchError("GLASSBOX_LIME_ESTIMATOR: '\($0)'") }
      return e
    } ?? .auto
    let space = try Bench.environment("GLASSBOX_LIME_OUTPUT").map {
      guard let s = OutputSpace(rawValue: $0) else { throw BenchError("GLASSBOX_LIME_OUTPUT: '\($0)'") }
      return s
    }
    let configuration = LIMEConfiguration(
      samples: Bench.integer("GLASSBOX_LIME_SAMPLES", default: 5000),
      features: Bench.integer("GLASSBOX_LIME_FEATURES", default: 10), space: space, seed: 42, threads: 1,
      estimator: estimator)
    let clock = ContinuousClock()
    // Construction: the statistics, and the estimator's own work (the direct estimator's
    // shared draws and their model batch); a sampled LIME's construction is the baseline.
    func construct(_ c: LIMEConfiguration) throws -> (LIME, seconds: Double, cpu: Double) {
      let cpuStart = Bench.processCPUSeconds()
      var made: LIME?
      let elapsed = try clock.measure {
        made = try LIME(model: loaded.model, background: background, schema: loaded.schema, configuration: c)
      }
      return (made!, Bench.seconds(elapsed), Bench.processCPUSeconds() - cpuStart)
    }
    var baselineConfiguration = configuration
    baselineConfiguration.estimator = .sampled
    let baseline = try construct(baselineConfiguration)
    let (lime, constructionSeconds, constructionCPU) = try construct(configuration)
    var explanations: [Explanation] = []
    let repeats = max(1, Bench.integer("GLASSBOX_LIME_REPEAT", default: 1))
    let cpuStart = Bench.processCPUSeconds()
    let elapsed = try clock.measure {
      for _ in 0..<repeats { explanations = try lime.explain(data.rows, featureCount: data.featureCount) }
    }
    let cpuSeconds = (Bench.processCPUSeconds() - cpuStart) / Double(repeats)
    let seconds = Bench.seconds(elapsed) / Double(repeats)
    // The model alone: one batch of `samples` background rows, as LIME predicts per row.
    let n = min(configuration.samples, background.count)
    let batch = Array(background.rows[0..<(n * background.featureCount)])
    var modelBest = Double.infinity
    for _ in 0..<3 {
      modelBest = min(modelBest, Bench.seconds(clock.measure { _ = loaded.model.predictMargins(batch) }))
    }
    var others: [String] = []
    for seed in (Bench.environment("GLASSBOX_LIME_SEEDS") ?? "").split(separator: ",").compactMap({ UInt64($0) }) {
      var c = configuration
      c.seed = seed
      let run = try LIME(model: loaded.model, background: background, schema: loaded.schema, configuration: c)
        .explain(data.rows, featureCount: data.featureCount)
      others.append(try json(run))
    }
    print(
      "lime-bench-json {\"estimator\":\"\(lime.estimator.rawValue)\",\"rows_per_second\":\(Double(data.count) / seconds),\"seconds\":\(seconds),\"cpu_seconds\":\(cpuSeconds),\"construction_seconds\":\(constructionSeconds),\"construction_cpu_seconds\":\(constructionCPU),\"baseline_construction_seconds\":\(baseline.seconds),\"baseline_construction_cpu_seconds\":\(baseline.cpu),\"model_seconds_per_batch\":\(modelBest),\"batch\":\(n),\"rows\":\(try json(explanations)),\"other_seeds\":[\(others.joined(separator: ","))]}")
  }

  /// The surrogates of a run as a JSON array (features, weights, conditions, score per row).
  static func json(_ explanations: [Explanation]) throws -> String {
    var rows: [String] = []
    for e in explanations {
      guard let s = e.surrogate else { throw BenchError("row \(e.row): no LIME surrogate") }
      // The slopes' standard errors (direct estimator), one per feature.
      let errors = e.standardErrors.map { ",\"errors\":[" + $0.map { "\($0)" }.joined(separator: ",") + "]" } ?? ""
      let conditions = s.conditions.map { "\"" + quoted($0) + "\"" }.joined(separator: ",")
      rows.append(
        "{\"features\":[\(s.features.map(String.init).joined(separator: ","))],\"weights\":[\(s.weights.map { "\($0)" }.joined(separator: ","))],\"conditions\":[\(conditions)],\"score\":\(s.score)\(errors)}")
    }
    return "[" + rows.joined(separator: ",") + "]"
  }

  static func quoted(_ text: String) -> String {
    var out = ""
    for ch in text { out += ch == "\"" ? "\\\"" : String(ch) }
    return out
  }
}
