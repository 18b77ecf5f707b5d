import Foundation
import Testing

/// A model behind a URL is explained by at least 2 × --concurrency row workers, more than
/// the cores; the output must not depend on them.
@Suite("A model behind a URL: the output does not depend on --threads")
struct RemoteThreadsEndToEndTests {
  /// The output lines of `explain` but the last (`model_calls`, whose rows sent depend on
  /// how requests were grouped), and the rows asked for from that last line.
  static func explain(_ s: RemoteAuditURLEndToEndTests.Setup, port: Int, method: String, threads: Int, concurrency: Int) throws
    -> (lines: [Substring], evaluations: Int)
  {
    let run = try Glassbox.run([
      "explain", "--model-url", "http://127.0.0.1:\(port)/invocations", "--output-kind", "value", "--card", s.card,
      "--background", s.background, "--data", s.data, "--rows", "0-2", "--method", method, "--samples", method == "kernel" ? "2" : "300",
      "--seed", "5", "--threads", String(threads), "--concurrency", String(concurrency), "--batch-rows", "5", "--format", "json",
      "--quiet",
    ])
    try #require(run.status == 0, "stderr: \(run.stderr)")
    var lines = run.stdout.split(separator: "\n")
    let calls = try #require(lines.last)
    lines.removeLast()
    let object = try #require(try JSONSerialization.jsonObject(with: Data(calls.utf8)) as? [String: Any])
    let evaluations = try #require((object["model_calls"] as? [String: Any])?["evaluations"] as? Int)
    return (lines, evaluations)
  }

  /// --threads 1 --concurrency 1 explains with 2 row workers; --threads 5 --concurrency 3
  /// with 6, on threads of their own where they outnumber the cores.
  @Test("Sampled Kernel SHAP and LIME: 2 or 6 row workers give the same bytes and ask as many rows", arguments: ["kernel", "lime"])
  func sameOutput(method: String) async throws {
    try await RemoteAuditURLEndToEndTests.withServer(.init()) { port in
      let s = RemoteAuditURLEndToEndTests.setup()
      let one = try Self.explain(s, port: port, method: method, threads: 1, concurrency: 1)
      let five = try Self.explain(s, port: port, method: method, threads: 5, concurrency: 3)
      #expect(one.lines.count == 3)
      #expect(one.lines == five.lines)
      #expect(one.evaluations == five.evaluations)
    }
  }
}
