import Foundation
import Testing

/// `--audit` with a model behind a command (awk over docs/model-protocol.md, no Python):
/// the record names the command and its script's SHA-256, counts the model calls, verifies,
/// and `audit replay` restarts the command and reports a changed script.
@Suite("Audit records and replay of a model behind a command")
struct RemoteAuditCommandEndToEndTests {
  /// f(a, b, c) = W·a − b + 0.5c; W is written into the script so that editing it changes
  /// both the script's hash and the answers.
  static func script(weight: Double) -> String {
    """
    BEGIN { FS = "\\t"; state = 0 }
    state == 0 { state = 1; next }
    state == 1 { print "ready 1"; fflush(); state = 2; next }
    state == 2 { split($0, h, " "); left = h[3]; print "outputs " h[2] " " h[3]; state = 3; next }
    state == 3 {
      printf "%.17g\\n", \(weight) * $1 - $2 + 0.5 * $3
      left--
      if (left == 0) { fflush(); state = 2 }
    }
    """
  }

  struct Setup {
    let scratch = ScratchFolder()
    var card = "", data = "", background = "", script = "", log = ""
    var command: String {
      let awk = FileManager.default.isExecutableFile(atPath: "/usr/bin/mawk") ? "mawk -W interactive" : "awk"
      return "\(awk) -v mode=plain -f \(script)"
    }
  }

  func setup() -> Setup {
    var s = Setup()
    s.card = s.scratch.write(
      "card.json",
      #"{"format":"glassbox-card","version":1,"name":"awk-linear","features":[{"name":"a","type":"numeric"},{"name":"b","type":"numeric"},{"name":"c","type":"numeric"}]}"#)
    s.data = s.scratch.write("data.csv", "a,b,c\n1,1,1\n2.5,-3,0\n-1,4,2\n")
    s.background = s.scratch.write("background.csv", "a,b,c\n0,0,0\n1,2,-1\n3,-1,2\n-2,0.5,4\n")
    s.script = s.scratch.write("model.awk", Self.script(weight: 2))
    s.log = s.scratch.path + "/audit.jsonl"
    return s
  }

  func explain(_ s: Setup, method: String = "exact") throws -> GlassboxRun {
    try Glassbox.run([
      "explain", "--model-command", s.command, "--output-kind", "value", "--card", s.card, "--background", s.background,
      "--data", s.data, "--method", method, "--format", "json", "--threads", "2", "--quiet", "--audit", s.log,
    ])
  }

  func records(_ log: String) throws -> [[String: Any]] {
    try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }.filter { $0["type"] as? String == "explanation" }
  }

  @Test("the record names the command and the script's SHA-256, and counts the model calls")
  func recordNamesCommand() throws {
    let s = setup()
    let run = try explain(s)
    try #require(run.status == 0, "stderr: \(run.stderr)")
    let records = try records(s.log)
    try #require(records.count == 3)
    let hash = try systemSHA256(s.script)
    for record in records {
      let model = try #require(record["model"] as? [String: Any])
      #expect(model["path"] as? String == s.command)
      #expect(model["format"] as? String == "model-command")
      #expect(model["sha256"] as? String == hash)
      let remote = try #require(model["remote"] as? [String: Any])
      #expect(remote["kind"] as? String == "command")
      #expect(remote["command"] as? String == s.command)
      let script = try #require(remote["script"] as? [String: Any])
      #expect(script["path"] as? String == s.script)
      #expect(script["sha256"] as? String == hash)
      #expect(remote["output_kind"] as? String == "value")
    }
    // Exact Shapley values of 3 features over 4 background rows: the background's own 4
    // predictions (the base value), then every row's 2^3 coalitions of each background row;
    // the JSON's last line holds the run's totals and the last record (written after every
    // row was explained) the same.
    let lines = run.stdout.split(separator: "\n")
    try #require(lines.count == 4, "\(run.stdout)")
    let last = try #require(try JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as? [String: Any])
    let calls = try #require(last["model_calls"] as? [String: Int])
    let evaluations = try #require(calls["evaluations"])
    #expect(evaluations == 4 + 3 * 8 * 4, "\(calls)")
    let sent = try #require(calls["rows_sent"]), requests = try #require(calls["requests"])
    #expect(sent <= evaluations && sent >= 1 && requests >= 1 && requests <= sent, "\(calls)")
    let recorded = try #require(records.last?["model_calls"] as? [String: Int])
    #expect(recorded == calls)
    let verify = try Glassbox.run(["audit", "verify", s.log])
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    // summary reads the three explanations and skips the model_calls line.
    let summary = try Glassbox.run(["summary", "-", "--format", "json"], stdin: run.stdout)
    #expect(summary.status == 0, "\(summary.stderr)")
    #expect(summary.stdout.contains("\"rows\":3"), "\(summary.stdout)")
  }

  @Test("replay restarts the command: identical; after the script changes, a difference naming the script", arguments: ["exact", "kernel"])
  func replay(method: String) throws {
    let s = setup()
    try #require(try explain(s, method: method).status == 0)
    let same = try Glassbox.run(["audit", "replay", s.log])
    #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
    #expect(same.stdout.contains("3 record(s): 3 identical, 0 differ, 0 not replayed"), "\(same.stdout)")

    // Same answers, other bytes: the hash changes, every number stays.
    try (Self.script(weight: 2) + "\n# edited\n").write(toFile: s.script, atomically: true, encoding: .utf8)
    let edited = try Glassbox.run(["audit", "replay", s.log])
    #expect(edited.status == 1, "\(edited.stdout)\(edited.stderr)")
    #expect(edited.stdout.contains("the script '\(s.script)' changed"), "\(edited.stdout)")
    #expect(edited.stdout.contains("(every number identical)"), "\(edited.stdout)")

    // Other answers (weight 2 → 3): predictions move by x_a (2.5 at most, row 1), the base
    // by the background's mean a (0.5), the attributions of a by x_a − 0.5.
    try Self.script(weight: 3).write(toFile: s.script, atomically: true, encoding: .utf8)
    let changed = try Glassbox.run(["audit", "replay", s.log])
    #expect(changed.status == 1)
    #expect(changed.stdout.contains("3 record(s): 0 identical, 3 differ, 0 not replayed"), "\(changed.stdout)")
    #expect(changed.stdout.contains("differs: largest difference 2.5 at prediction"), "\(changed.stdout)")
    #expect(changed.stdout.contains("the script '\(s.script)' changed"), "\(changed.stdout)")
  }

  @Test("the script is the first argument after the interpreter that names a file; none: no hash")
  func scriptRule() throws {
    let s = setup()
    // The awk program given inline: no argument names a file.
    let inline = Self.script(weight: 2).replacingOccurrences(of: "'", with: "")
    let awk = FileManager.default.isExecutableFile(atPath: "/usr/bin/mawk") ? "mawk -W interactive" : "awk"
    let run = try Glassbox.run([
      "explain", "--model-command", "\(awk) '\(inline)'", "--output-kind", "value", "--card", s.card,
      "--background", s.background, "--data", s.data, "--method", "exact", "--format", "json", "--quiet",
      "--audit", s.log,
    ])
    try #require(run.status == 0, "stderr: \(run.stderr)")
    let model = try #require(try records(s.log).first?["model"] as? [String: Any])
    #expect(model["sha256"] is NSNull)
    let remote = try #require(model["remote"] as? [String: Any])
    #expect(remote["script"] is NSNull)
    let replay = try Glassbox.run(["audit", "replay", s.log])
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
  }
}
