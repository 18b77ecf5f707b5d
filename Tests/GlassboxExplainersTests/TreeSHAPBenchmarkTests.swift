import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Throughput of TreeSHAP on an encoded CSV, for bench/treeshap/run.sh. Runs only when
/// GLASSBOX_TREESHAP_BENCH names the CSV (and GLASSBOX_TREESHAP_MODEL the model); build
/// with `-c release` for meaningful numbers.
@Suite("TreeSHAP benchmark (opt-in)")
struct TreeSHAPBenchmarkTests {
  static func environment(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
  }

  @Test func throughput() throws {
    guard let data = Self.environment("GLASSBOX_TREESHAP_BENCH"),
      let modelPath = Self.environment("GLASSBOX_TREESHAP_MODEL")
    else { return }
    let model = try #require(try ModelLoader.load(path: modelPath).model as? TreeEnsemble)
    let (rows, count) = try TreeFixture.readCSV(data)
    let explainer = TreeSHAP(ensemble: model)
    var out = [Double](repeating: 0, count: count * model.outputCount * model.featureCount)
    let clock = ContinuousClock()
    var best = Duration.seconds(1_000_000)
    for _ in 0..<3 {
      let elapsed = clock.measure {
        rows.withUnsafeBufferPointer { r in
          out.withUnsafeMutableBufferPointer { o in explainer.contributions(r, count: count, into: o) }
        }
      }
      best = min(best, elapsed)
    }
    let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
    print("treeshap-bench rows=\(count) seconds=\(seconds) rows/s=\(Double(count) / seconds)")
    let explainStart = clock.now
    _ = try explainer.explain(rows, featureCount: model.featureCount)
    let explainTime = clock.now - explainStart
    let s2 = Double(explainTime.components.seconds) + Double(explainTime.components.attoseconds) * 1e-18
    print("treeshap-bench explain() with Explanation values: rows/s=\(Double(count) / s2)")
  }
}

#if canImport(Glibc)
  import Glibc
#endif
