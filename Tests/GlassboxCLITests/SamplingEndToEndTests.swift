import Foundation
import GlassboxTestSupport
import Testing

/// Kernel SHAP, exact Shapley values and LIME through the CLI.
@Suite("glassbox sampling methods, end to end")
struct SamplingEndToEndTests {
  let data = "datasets/adult.csv"

  func background() throws -> (ScratchFolder, String) {
    let folder = ScratchFolder()
    let text = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8)
    // Complete rows only: a linear model imputes a missing input with its stored mean, so a
    // background with missing cells is not the distribution whose mean linear SHAP uses.
    let lines = text.split(separator: "\n")
    let complete = lines.dropFirst().filter { !$0.contains(",,") && !$0.hasSuffix(",") }.prefix(40)
    let path = folder.write("bg.csv", ([lines[0]] + complete).joined(separator: "\n") + "\n")
    return (folder, path)
  }

  func attributions(_ run: GlassboxRun) throws -> [[Double]] {
    try Glassbox.jsonLines(run.stdout).map { try $0.field("attributions", [[String: Any]].self).map { try $0.number("attribution") } }
  }

  @Test("--method exact and kernel on a linear model equal w (x − mean of the background)")
  func exactEqualsLinearClosedForm() throws {
    let (folder, bg) = try background()
    _ = folder
    let base = ["explain", "--model", "models/adult-logistic.json", "--data", data, "--rows", "0-2", "--background", bg, "--format", "json"]
    let linear = try attributions(try Glassbox.run(base + ["--method", "linear"]))
    for method in ["exact", "kernel"] {
      let run = try Glassbox.run(base + ["--method", method])
      #expect(run.status == 0, "\(run.stderr)")
      let phi = try attributions(run)
      #expect(phi.count == 3 && linear.count == 3 && phi.map(\.count) == linear.map(\.count))
      for (a, b) in zip(phi, linear) {
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "\(method): \(x) vs \(y)") }
      }
    }
  }

  @Test("sampled Kernel SHAP: the same seed gives the same bytes for 1 and 2 threads; std errors reported")
  func kernelReproducible() throws {
    let (folder, bg) = try background()
    _ = folder
    let base = [
      "explain", "--model", "models/adult-xgboost.json", "--data", data, "--rows", "0-5", "--background", bg,
      "--method", "kernel", "--samples", "100", "--seed", "7", "--format", "json",
    ]
    let one = try Glassbox.run(base + ["--threads", "1"])
    let two = try Glassbox.run(base + ["--threads", "2"])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout == two.stdout)
    let other = try Glassbox.run(base.map { $0 == "7" ? "8" : $0 })
    #expect(other.stdout != one.stdout)
    let first = try #require(try Glassbox.jsonLines(one.stdout).first)
    let items = try first.field("attributions", [[String: Any]].self)
    #expect(items.contains { ($0["std_error"] as? Double).map { $0 > 0 } ?? false })
  }

  @Test("LIME: conditions, score and intercept; the same seed reproduces across thread counts")
  func lime() throws {
    let base = [
      "explain", "--model", "models/adult-xgboost.json", "--data", data, "--rows", "0-2", "--background", data,
      "--method", "lime", "--samples", "1000", "--format", "json",
    ]
    let one = try Glassbox.run(base + ["--threads", "1"])
    let two = try Glassbox.run(base + ["--threads", "2"])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout == two.stdout)
    let line = try #require(try Glassbox.jsonLines(one.stdout).first)
    #expect(line["output"] as? String == "probability")
    #expect(line["score"] is Double && line["intercept"] is Double && line["local_prediction"] is Double)
    let items = try line.field("attributions", [[String: Any]].self)
    #expect(items.count == 10)
    #expect(items.allSatisfy { ($0["condition"] as? String)?.contains(($0["feature"] as? String) ?? "?") ?? false })
  }

  @Test("method-specific flags are refused for other methods")
  func flagsBelongToMethods() throws {
    let run = try Glassbox.run(["explain", "--model", "models/adult-logistic.json", "--data", data, "--rows", "0", "--discretizer", "decile"])
    #expect(run.status == 64)
    #expect(run.stderr.contains("--discretizer applies to --method lime"))
  }
}
