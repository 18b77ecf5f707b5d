import Foundation
import Testing

/// `audit verify` on real logs tampered at their end, and on the log committed before the
/// audit store was split from the hash chain.
@Suite("glassbox audit: the last lines of a log, and a log written by earlier code")
struct AuditLogCompatibilityEndToEndTests {
  let committedLog = "Tests/Fixtures/audit/signed-before-log-store.log"
  let committedKey = "Tests/Fixtures/audit/signed-before-log-store.key.pub"

  /// A real log of `rows` from `explain --audit`, as its lines.
  private func explainedLog(rows: String, in dir: ScratchFolder, extra: [String] = []) throws -> (String, [String]) {
    let log = dir.path + "/audit.log"
    let run = try Glassbox.run(
      ["explain", "--model", "models/adult-logistic.json", "--data", "datasets/adult.csv", "--rows", rows, "--format", "json",
        "--audit", log] + extra)
    #expect(run.status == 0, "\(run.stderr)")
    return (log, try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init))
  }

  private func rewrite(_ log: String, _ lines: [String]) throws {
    try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
  }

  @Test("a changed second-to-last record fails verify, naming its seq")
  func changedSecondToLast() throws {
    let dir = ScratchFolder()
    var (log, lines) = try explainedLog(rows: "0-5", in: dir)
    #expect(lines.count == 6)
    // seq 5 is row 4, whose input has "hours-per-week":40.
    let changed = lines[4].replacingOccurrences(of: "\"hours-per-week\":40", with: "\"hours-per-week\":41")
    #expect(changed != lines[4])
    lines[4] = changed
    try rewrite(log, lines)
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 1)
    #expect(verify.stdout.contains("FAILED: seq 5: changed"), "\(verify.stdout)")
  }

  @Test("a changed prev_hash on the last line fails verify")
  func changedLastPrevHash() throws {
    let dir = ScratchFolder()
    var (log, lines) = try explainedLog(rows: "0-5", in: dir)
    let marker = "\"prev_hash\":\"sha256:"
    let range = try #require(lines[5].range(of: marker))
    let digit = lines[5].index(range.upperBound, offsetBy: 20)
    lines[5].replaceSubrange(digit...digit, with: lines[5][digit] == "f" ? "e" : "f")
    try rewrite(log, lines)
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 1)
    #expect(verify.stdout.contains("FAILED: seq 5: changed"), "\(verify.stdout)")
    #expect(verify.stdout.contains("verified before the failure: 5 line(s)"), "\(verify.stdout)")
  }

  @Test("a signed log: a changed or deleted last record, or a duplicated record, fails verify")
  func signedLogTail() throws {
    let dir = ScratchFolder()
    let key = dir.path + "/key"
    #expect(try Glassbox.run(["audit", "keygen", "--out", key]).status == 0)
    let (log, lines) = try explainedLog(rows: "0-5", in: dir, extra: ["--sign-key", key])
    #expect(lines.count == 7)  // 6 records and the closing checkpoint
    let cases: [(String, [String], String)] = [
      ("changed last record", lines.enumerated().map { $0 == 5 ? $1.replacingOccurrences(of: "\"row\":5", with: "\"row\":50") : $1 },
        "seq 6: changed"),
      ("deleted last record", lines.enumerated().filter { $0.offset != 5 }.map(\.element), "seq 6: deleted"),
      ("duplicated last line", lines + [lines[6]], "seq 8: line 8 is a copy of line 7"),
    ]
    for (name, tampered, expected) in cases {
      #expect(tampered != lines, "\(name)")
      try rewrite(log, tampered)
      let verify = try Glassbox.run(["audit", "verify", log, "--public-key", key + ".pub"])
      #expect(verify.status == 1, "\(name)")
      #expect(verify.stdout.contains(expected), "\(name): \(verify.stdout)")
    }
  }

  @Test("the log committed before the audit store still verifies, shows and replays")
  func committedLogStillWorks() throws {
    let verify = try Glassbox.run(["audit", "verify", committedLog, "--public-key", committedKey])
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    #expect(verify.stdout.contains("intact: 8 record(s), 3 checkpoint(s), 3 signature(s) valid"), "\(verify.stdout)")
    // It is sealed like a new log, and the guarantee it lacks is named.
    #expect(verify.stdout.contains("proven: seq 1-10 (8 record(s)) sealed by a signature of key"), "\(verify.stdout)")
    #expect(verify.stdout.contains("note: 8 record(s) carry no writer id"), "\(verify.stdout)")
    let judged = try Glassbox.run(["audit", "verify", committedLog, "--card", "models/adult-logistic.card.json"])
    #expect(judged.status == 0, "\(judged.stdout)")
    let show = try Glassbox.run(["audit", "show", committedLog])
    #expect(show.status == 0)
    #expect(show.stdout.contains("8 record(s)"))
    let replay = try Glassbox.run(["audit", "replay", committedLog])
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    #expect(replay.stdout.contains("8 record(s): 8 identical"), "\(replay.stdout)")

    // Appending to a copy continues its chain and its signed tree.
    let dir = ScratchFolder()
    let copy = dir.path + "/copy.log"
    try FileManager.default.copyItem(atPath: Glassbox.root + "/" + committedLog, toPath: copy)
    let key = dir.path + "/key"
    #expect(try Glassbox.run(["audit", "keygen", "--out", key]).status == 0)
    let run = try Glassbox.run(
      ["explain", "--model", "models/adult-logistic.json", "--data", "datasets/adult.csv", "--rows", "8-9", "--format", "json",
        "--audit", copy, "--sign-key", key])
    #expect(run.status == 0, "\(run.stderr)")
    let appended = try Glassbox.run(["audit", "verify", copy])
    #expect(appended.status == 0, "\(appended.stdout)")
    #expect(appended.stdout.contains("intact: 10 record(s), 4 checkpoint(s)"), "\(appended.stdout)")
  }

  @Test("an unsigned log read from standard input before writers were named verifies, naming what it lacks")
  func stdinLogBeforeWitnesses() throws {
    let log = "Tests/Fixtures/audit/stdin-before-witness.log"
    let verify = try Glassbox.run(["audit", "verify", log, "--card", "models/adult-xgboost.card.json"])
    #expect(verify.status == 0, "\(verify.stdout)")
    #expect(verify.stdout.hasPrefix("\(log): chain intact: 3 record(s), 0 checkpoint(s)\n"), "\(verify.stdout)")
    #expect(verify.stdout.contains("unsealed: all 3 record(s) (no checkpoint), seq 1-3"), "\(verify.stdout)")
    #expect(verify.stdout.contains("note: 3 record(s) carry no writer id"), "\(verify.stdout)")
    #expect(verify.stdout.contains("note: 3 record(s) read from standard input carry no hash of it"), "\(verify.stdout)")
    let sealed = try Glassbox.run(["audit", "verify", log, "--public-key", committedKey])
    #expect(sealed.status == 1)
    #expect(sealed.stdout.contains("no signed checkpoint in the log"), "\(sealed.stdout)")
  }
}
