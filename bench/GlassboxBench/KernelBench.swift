import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// Kernel SHAP error versus time, for bench/kernel/run.sh. Reads GLASSBOX_BENCH_DIR
/// (background.csv and test.csv: encoded, header line, empty cell = missing), optionally
/// GLASSBOX_BENCH_MODEL (default models/adult-xgboost.json) and GLASSBOX_BENCH_REPEAT
/// (best of N, default 1). Prints one JSON object per line: the interventional TreeSHAP
/// reference and its φ, the model alone on 600,000 rows, then each Kernel SHAP setting.
enum KernelBench {
  static func run() throws {
    let dir = try Bench.required("GLASSBOX_BENCH_DIR")
    let modelPath = Bench.environment("GLASSBOX_BENCH_MODEL") ?? "models/adult-xgboost.json"
    guard let model = try ModelLoader.load(path: modelPath).model as? TreeEnsemble else {
      throw BenchError("\(modelPath) is not a tree ensemble")
    }
    let m = model.featureCount
    let (bgRows, _) = try Bench.readNumbers(dir + "/background.csv")
    let (rows, count) = try Bench.readNumbers(dir + "/test.csv")
    let background = Background(rows: bgRows, featureCount: m, source: "background.csv")
    let clock = ContinuousClock()
    var reference: [Explanation] = []
    let referenceTime = try clock.measure {
      reference = try InterventionalTreeSHAP(ensemble: model, background: background).explain(rows, featureCount: m)
    }
    let exact = reference.flatMap(\.attributions)
    print(#"{"method":"treeshap-interventional","seconds":\#(Bench.seconds(referenceTime)),"rows":\#(count)}"#)
    let phiLine = exact.map { String($0) }.joined(separator: ",")
    print(#"{"method":"treeshap-interventional-phi","phi":[\#(phiLine)]}"#)
    // The floor: the model alone on as many rows as exact enumeration evaluates.
    var floorRows: [Double] = []
    while floorRows.count < 600_000 * m { floorRows += bgRows }
    let floorCount = floorRows.count / m
    var margins = [Double](repeating: 0, count: floorCount)
    let floorTime = clock.measure {
      floorRows.withUnsafeBufferPointer { r in
        margins.withUnsafeMutableBufferPointer { model.predictMargins(r, count: floorCount, into: $0) }
      }
    }
    print(#"{"method":"model-only","seconds":\#(Bench.seconds(floorTime)),"rows":\#(floorCount)}"#)
    let repeats = Bench.integer("GLASSBOX_BENCH_REPEAT", default: 1)
    for (name, configuration) in configurations() {
      var best = Double.infinity
      var result: [Explanation] = []
      for _ in 0..<repeats {
        let elapsed = try clock.measure {
          let explainer = try KernelSHAP(model: model, background: background, configuration: configuration)
          result = try explainer.explain(rows, featureCount: m)
        }
        best = min(best, Bench.seconds(elapsed))
      }
      print(summary(name: name, seconds: best, result: result, exact: exact, features: m))
    }
  }

  /// The Kernel SHAP settings timed, with their names in the output.
  static func configurations() -> [(String, KernelSHAP.Configuration)] {
    var configurations: [(String, KernelSHAP.Configuration)] = [("auto", .init(samples: .auto, threads: 1))]
    for n in [32, 64, 96, 128, 160, 192, 256, 512] {
      configurations.append(("per-background-\(n)", .init(samples: .fixed(n), threads: 1)))
    }
    configurations.append(("shared-auto (exact path)", .init(samples: .auto, design: .shared, threads: 1)))
    for n in [256, 512, 1024, 2048, 4096] {
      configurations.append(
        ("shared-\(n)", .init(samples: .fixed(n), design: .shared, threads: 1, exactWhenAffordable: false)))
    }
    return configurations
  }

  /// One setting's JSON line: time, mean |error| against the exact values, how many rows
  /// took the exact path, the mean standard error and the 95% interval coverage.
  static func summary(name: String, seconds: Double, result: [Explanation], exact: [Double], features m: Int) -> String {
    let phi = result.flatMap(\.attributions)
    let error = zip(phi, exact).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(phi.count)
    let exactRows = result.filter { $0.standardErrors == nil }.count
    let gap = result.map(\.additivityGap).max() ?? 0
    let meanSE =
      result.compactMap(\.standardErrors).flatMap { $0 }.reduce(0, +) / Double(max(1, phi.count - exactRows * m))
    // The share of sampled attributions within 1.96 standard errors of the exact value.
    var covered = 0
    var sampled = 0
    for (r, e) in result.enumerated() {
      guard let se = e.standardErrors else { continue }
      for j in 0..<m where se[j] > 0 {
        sampled += 1
        if abs(e.attributions[j] - exact[r * m + j]) <= 1.96 * se[j] { covered += 1 }
      }
    }
    let coverage = sampled == 0 ? Double.nan : Double(covered) / Double(sampled)
    let phiText = phi.map { String($0) }.joined(separator: ",")
    return #"{"method":"glassbox-\#(name)","seconds":\#(seconds),"mean_abs_error":\#(error),"exact_rows":\#(exactRows),"#
      + #""mean_std_error":\#(meanSE),"coverage_95":\#(coverage),"max_additivity_gap":\#(gap),"note":"\#(result.first?.notes.last ?? "")","phi":[\#(phiText)]}"#
  }
}
