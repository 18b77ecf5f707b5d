import GlassboxExplainers
import GlassboxModels

/// TreeSHAP throughput on an encoded CSV: GLASSBOX_TREESHAP_BENCH names the CSV and
/// GLASSBOX_TREESHAP_MODEL the model. Prints the best of 3 raw `contributions` runs and one
/// `explain` run (which builds `Explanation` values), in rows per second.
enum TreeSHAPBench {
  static func run() throws {
    let data = try Bench.required("GLASSBOX_TREESHAP_BENCH")
    let modelPath = try Bench.required("GLASSBOX_TREESHAP_MODEL")
    guard let model = try ModelLoader.load(path: modelPath).model as? TreeEnsemble else {
      throw BenchError("\(modelPath) is not a tree ensemble")
    }
    let (rows, count) = try Bench.readNumbers(data)
    let explainer = TreeSHAP(ensemble: model)
    var out = [Double](repeating: 0, count: count * model.outputCount * model.featureCount)
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<3 {
      let elapsed = clock.measure {
        rows.withUnsafeBufferPointer { r in
          out.withUnsafeMutableBufferPointer { o in explainer.contributions(r, count: count, into: o) }
        }
      }
      best = min(best, Bench.seconds(elapsed))
    }
    print("treeshap-bench rows=\(count) seconds=\(best) rows/s=\(Double(count) / best)")
    let explainTime = try clock.measure { _ = try explainer.explain(rows, featureCount: model.featureCount) }
    print("treeshap-bench explain() with Explanation values: rows/s=\(Double(count) / Bench.seconds(explainTime))")
  }
}
