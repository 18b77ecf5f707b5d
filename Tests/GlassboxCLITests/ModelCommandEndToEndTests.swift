import Foundation
import Testing

/// `--model-command` end to end, with a model served by awk over docs/model-protocol.md
/// (no Python): f(a, b, c) = 2a − b + 0.5c, or a command that dies at its second batch.
@Suite("A model behind a command, end to end")
struct ModelCommandEndToEndTests {
  static let weights = [2.0, -1.0, 0.5]
  static let script = """
    BEGIN { FS = "\\t"; state = 0 }
    state == 0 { state = 1; next }
    state == 1 { print "ready 1"; fflush(); state = 2; next }
    state == 2 {
      split($0, h, " "); batches++; left = h[3]
      if (mode == "die" && batches == 2) { print "boom" > "/dev/stderr"; exit 3 }
      print "outputs " h[2] " " h[3]; state = 3; next
    }
    state == 3 {
      printf "%.17g\\n", 2 * $1 - $2 + 0.5 * $3
      left--
      if (left == 0) { fflush(); state = 2 }
    }
    """
  let background: [[Double]] = [[0, 0, 0], [1, 2, -1], [3, -1, 2], [-2, 0.5, 4]]
  let rows: [[Double]] = [[1, 1, 1], [2.5, -3, 0], [-1, 4, 2]]

  func csv(_ rows: [[Double]]) -> String {
    "a,b,c\n" + rows.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  struct Setup {
    let scratch = ScratchFolder()
    var card = "", data = "", background = "", script = ""
    func command(_ mode: String) -> String {
      let awk = FileManager.default.isExecutableFile(atPath: "/usr/bin/mawk") ? "mawk -W interactive" : "awk"
      return "\(awk) -v mode=\(mode) -f \(script)"
    }
  }

  func setup() -> Setup {
    var s = Setup()
    s.card = s.scratch.write(
      "card.json",
      #"{"format":"glassbox-card","version":1,"name":"awk-linear","features":[{"name":"a","type":"numeric"},{"name":"b","type":"numeric"},{"name":"c","type":"numeric"}]}"#)
    s.data = s.scratch.write("data.csv", csv(rows))
    s.background = s.scratch.write("background.csv", csv(background))
    s.script = s.scratch.write("model.awk", Self.script)
    return s
  }

  /// φ_j = w_j (x_j − mean of the background's column j): the Shapley values of a linear function.
  func expected(_ x: [Double]) -> [Double] {
    (0..<3).map { j in Self.weights[j] * (x[j] - background.map { $0[j] }.reduce(0, +) / Double(background.count)) }
  }

  @Test("exact and auto (Kernel SHAP) through the command give a linear function's Shapley values", arguments: ["exact", "auto"])
  func explains(method: String) throws {
    let s = setup()
    let run = try Glassbox.run([
      "explain", "--model-command", s.command("plain"), "--output-kind", "value", "--card", s.card,
      "--background", s.background, "--data", s.data, "--method", method, "--format", "json", "--threads", "2",
    ])
    try #require(run.status == 0, "stderr: \(run.stderr)")
    let lines = run.stdout.split(separator: "\n")
    // One line per row, then the run's model calls.
    try #require(lines.count == rows.count + 1)
    #expect(lines.last?.hasPrefix("{\"model_calls\":{\"evaluations\":") == true, "\(run.stdout)")
    for (line, x) in zip(lines, rows) {
      let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let attributions = try #require(object["attributions"] as? [[String: Any]]).compactMap { $0["attribution"] as? Double }
      for (got, want) in zip(attributions, expected(x)) { #expect(abs(got - want) <= 1e-9, "\(line)") }
      let prediction = try #require(object["prediction"] as? Double)
      #expect(abs(prediction - zip(Self.weights, x).map(*).reduce(0, +)) <= 1e-12)
    }
    #expect(run.stderr.contains("glassbox: model command:"), "\(run.stderr)")
    #expect(run.stderr.contains("distinct rows sent in"), "\(run.stderr)")
  }

  @Test("a command that dies: exit 69, one line naming it, the batch and its stderr, and --out is not written")
  func dies() throws {
    let s = setup()
    let out = s.scratch.path + "/phi.csv"
    let run = try Glassbox.run([
      "explain", "--model-command", s.command("die"), "--output-kind", "value", "--card", s.card,
      "--background", s.background, "--data", s.data, "--method", "exact", "--format", "csv", "--out", out,
      "--batch-rows", "1", "--threads", "1",
    ])
    #expect(run.status == 69, "stderr: \(run.stderr)")
    let errorLines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("glassbox:") }
    #expect(errorLines.count == 1, "\(run.stderr)")
    for text in ["the model command '", "exited with status 3", "(batch 2 of 1 row)", "boom"] {
      #expect(run.stderr.contains(text), "stderr lacks '\(text)': \(run.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: out))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.scratch.path).filter { $0.hasPrefix(".phi") || $0.contains("phi.csv") }
    #expect(leftovers.isEmpty, "\(leftovers)")
  }

  @Test("usage mistakes: no card, both --model and --model-command, neither")
  func usage() throws {
    let s = setup()
    let noCard = try Glassbox.run(["explain", "--model-command", s.command("plain"), "--data", s.data])
    #expect(noCard.status == 64)
    #expect(noCard.stderr.contains("--model-command needs --card"))
    let both = try Glassbox.run(["explain", "--model", "models/adult-logistic.json", "--model-command", "true", "--data", s.data])
    #expect(both.status == 64)
    #expect(both.stderr.contains("give one of --model, --model-command and --model-url"))
    let neither = try Glassbox.run(["explain", "--data", s.data])
    #expect(neither.status == 64)
    #expect(neither.stderr.contains("--model FILE, --model-command CMD or --model-url URL"))
  }
}
