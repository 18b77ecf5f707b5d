import Foundation
import GlassboxTestSupport
import Testing

/// `explain --audit` and the `audit` commands, run as a user runs them.
@Suite("glassbox audit, end to end")
struct AuditEndToEndTests {
  let model = "models/adult-logistic.json"
  let data = "datasets/adult.csv"

  /// The header and first `count` rows of the data, as a background CSV in `dir`.
  func firstRows(_ count: Int, in dir: ScratchFolder) throws -> String {
    let text = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8)
    return dir.write("bg.csv", text.split(separator: "\n").prefix(count + 1).joined(separator: "\n") + "\n")
  }

  func explain(_ log: String, rows: String, extra: [String] = []) throws -> GlassboxRun {
    try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", rows, "--format", "json", "--audit", log] + extra)
  }

  @Test("explain --audit writes one chained record per row; verify, show, replay, export")
  func explainVerifyShowReplayExport() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let run = try explain(log, rows: "0-9")
    #expect(run.status == 0, "\(run.stderr)")
    let records = try Glassbox.jsonLines(try String(contentsOfFile: log, encoding: .utf8))
    #expect(records.count == 10)
    #expect(records.map { $0["seq"] as? Int } == Array(1...10))
    #expect(records.map { $0["row"] as? Int } == Array(0...9))
    let first = try #require(records.first)
    #expect((first["model"] as? [String: Any])?["sha256"] as? String != nil)
    #expect((first["data"] as? [String: Any])?["path"] as? String == data)
    #expect(((first["reasons"] as? [Any])?.count ?? 9) <= 4)

    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    #expect(verify.stdout.contains("intact: 10 record(s)"))

    let show = try Glassbox.run(["audit", "show", log, "--seq", "3-4"])
    #expect(show.status == 0)
    #expect(show.stdout.contains("2 record(s)"))
    // The same records as JSON, their values typed and equal to the log's own.
    let shown = try jsonObject(try Glassbox.run(["audit", "show", log, "--seq", "3-4", "--format", "json"]).stdout)
    #expect(try shown.field("count", Int.self) == 2)
    let listed = try shown.field("records", [[String: Any]].self)
    #expect(listed.map { $0["seq"] as? Int } == [3, 4])
    #expect(listed.map { $0["row"] as? Int } == [2, 3])
    for (item, record) in zip(listed, records[2...3]) {
      #expect(item["record_id"] as? String == record["record_id"] as? String)
      let prediction = (record["prediction"] as? [String: Any])?["value"] as? Double
      #expect(item["prediction"] as? Double == prediction)
      #expect((item["reasons"] as? [String])?.count == (record["reasons"] as? [Any])?.count)
    }

    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    #expect(replay.stdout.contains("10 record(s): 10 identical"))

    let csv = try Glassbox.run(["audit", "export", log, "--format", "csv"])
    #expect(csv.status == 0)
    let csvLines = csv.stdout.split(separator: "\n")
    #expect(csvLines.count == 1 + 10 * 13)
    #expect(csvLines.first?.hasPrefix("seq,record_id,time,") == true)
    let jsonl = try Glassbox.run(["audit", "export", log, "--format", "jsonl", "--seq", "2"])
    let exported = try Glassbox.jsonLines(jsonl.stdout)
    #expect(exported.count == 1 && exported.first?["row"] as? Int == 1)
    #expect((exported.first?["attributions"] as? [Any])?.count == 13)
  }

  @Test("the XGBoost model: records verify (float32 additivity) and replay identically")
  func xgboost() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let run = try Glassbox.run(
      ["explain", "--model", "models/adult-xgboost.json", "--data", data, "--rows", "0-49", "--format", "json", "--audit", log])
    #expect(run.status == 0, "\(run.stderr)")
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 0, "\(verify.stdout)")
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0 && replay.stdout.contains("50 identical"), "\(replay.stdout)")
  }

  @Test(
    "sampled explainers replay with their recorded settings: kernel and lime with non-default seed, samples and options",
    arguments: [
      ["--method", "kernel", "--samples", "80", "--seed", "7", "--coalitions", "per-background"],
      ["--method", "kernel", "--samples", "300", "--seed", "9", "--coalitions", "shared", "--output", "probability"],
      ["--method", "lime", "--samples", "700", "--seed", "11", "--features", "4", "--feature-selection", "highest_weights"],
    ])
  func sampledExplainersReplay(flags: [String]) throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let background = try firstRows(40, in: dir)
    let run = try Glassbox.run(
      ["explain", "--model", "models/adult-xgboost.json", "--data", data, "--rows", "0-2", "--format", "json",
        "--background", background, "--audit", log] + flags)
    #expect(run.status == 0, "\(run.stderr)")
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0 && replay.stdout.contains("3 identical"), "\(flags): \(replay.stdout)\(replay.stderr)")
    // The same log with another seed recorded no longer replays identically.
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let seedFlag = try #require(flags.firstIndex(of: "--seed"), "\(flags) has no --seed")
    let seed = flags[seedFlag + 1]
    let changed = text.replacingOccurrences(of: "\"seed\":\(seed),", with: "\"seed\":\(seed)1,")
    #expect(changed != text)
    try changed.write(toFile: log, atomically: true, encoding: .utf8)
    let mismatch = try Glassbox.run(["audit", "replay", log])
    #expect(mismatch.status != 0 && !mismatch.stdout.contains(" 0 differ"), "\(flags): \(mismatch.stdout)")
  }

  @Test("a Kernel SHAP record without a recorded coalition design (older logs) replays with the shared design")
  func olderKernelRecordsReplayShared() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let background = try firstRows(40, in: dir)
    let run = try Glassbox.run(
      ["explain", "--model", "models/adult-xgboost.json", "--data", data, "--rows", "0-1", "--format", "json",
        "--background", background, "--audit", log, "--method", "kernel", "--samples", "300", "--coalitions", "shared"])
    #expect(run.status == 0, "\(run.stderr)")
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let older = text.replacingOccurrences(of: "\"coalitions\":\"shared\",", with: "")
    #expect(older != text)
    try older.write(toFile: log, atomically: true, encoding: .utf8)
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0 && replay.stdout.contains("2 identical"), "\(replay.stdout)\(replay.stderr)")
  }

  @Test("bias --audit records every scored row; the log verifies and replays")
  func biasAudit() throws {
    let dir = ScratchFolder()
    let text = try String(contentsOfFile: Glassbox.root + "/datasets/adult-test.csv", encoding: .utf8)
    let input = dir.write("test.csv", text.split(separator: "\n").prefix(301).joined(separator: "\n") + "\n")
    let log = dir.path + "/bias.log"
    let run = try Glassbox.run(
      ["bias", "--model", model, "--data", input, "--sensitive", "sex", "--format", "json", "--bootstrap", "20", "--audit", log])
    #expect(run.status == 0, "\(run.stderr)")
    let records = try Glassbox.jsonLines(try String(contentsOfFile: log, encoding: .utf8))
    #expect(records.count == 300)
    #expect(records.map { $0["row"] as? Int } == Array(0..<300))
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    let replay = try Glassbox.run(["audit", "replay", log, "--seq", "17"])
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    #expect(replay.stdout.contains("identical"))
  }

  @Test("a changed byte fails verify, naming the seq")
  func tamperedByte() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    #expect(try explain(log, rows: "0-5").status == 0)
    var lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    // seq 3 is row 2, whose input has "hours-per-week":40.
    lines[2] = lines[2].replacingOccurrences(of: "\"hours-per-week\":40", with: "\"hours-per-week\":41")
    try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 1)
    #expect(verify.stdout.contains("seq 3"), "\(verify.stdout)")
  }

  /// Every record is committed to by the next one's prev_hash, the last record's included:
  /// a change to seq 5 of 6 is found only through the prev_hash of the last line.
  @Test("a changed record is found through the next prev_hash, up to the last line", arguments: [1, 5])
  func changedRecordBeforeTheLast(seq: Int) throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    #expect(try explain(log, rows: "0-5").status == 0)
    var lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    try #require(lines.count == 6)
    // seq n explains row n − 1; claim another row.
    let changed = lines[seq - 1].replacingOccurrences(of: "\"row\":\(seq - 1),", with: "\"row\":\(seq + 99),")
    try #require(changed != lines[seq - 1], "no \"row\":\(seq - 1) in seq \(seq)")
    lines[seq - 1] = changed
    try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 1, "\(verify.stdout)")
    #expect(verify.stdout.contains("seq \(seq)"), "\(verify.stdout)")
  }

  @Test("four processes appending to one log keep one valid chain with every record")
  func concurrentWriters() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/shared.log"
    let ranges = ["0-2499", "2500-4999", "5000-7499", "7500-9999"]
    nonisolated(unsafe) var statuses = [Int32](repeating: -1, count: ranges.count)
    DispatchQueue.concurrentPerform(iterations: ranges.count) { k in
      statuses[k] = (try? explain(log, rows: ranges[k]))?.status ?? -2
    }
    #expect(statuses == [0, 0, 0, 0])
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 0, "\(verify.stdout)")
    #expect(verify.stdout.contains("intact: 10000 record(s)"))
    let records = try Glassbox.jsonLines(try String(contentsOfFile: log, encoding: .utf8))
    #expect(Set(records.compactMap { $0["row"] as? Int }) == Set(0..<10000))
    #expect(records.map { $0["seq"] as? Int } == Array(1...10000))
  }

  @Test("signed checkpoints; a saved checkpoint exposes a cut tail")
  func signedCheckpoints() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let key = dir.path + "/key"
    #expect(try Glassbox.run(["audit", "keygen", "--out", key]).status == 0)
    #expect(try explain(log, rows: "0-24", extra: ["--sign-key", key, "--checkpoint-every", "10"]).status == 0)
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.count == 28)  // 25 records + checkpoints after 10, 20 and at the end
    let verify = try Glassbox.run(["audit", "verify", log, "--public-key", key + ".pub"])
    #expect(verify.status == 0 && verify.stdout.contains("3 signature(s) valid"), "\(verify.stdout)")
    let saved = dir.write("checkpoint.json", lines[lines.count - 1] + "\n")
    try (lines.prefix(20).joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
    let cut = try Glassbox.run(["audit", "verify", log, "--public-key", key + ".pub", "--checkpoint", saved])
    #expect(cut.status == 1)
    #expect(cut.stdout.contains("seq 21"), "\(cut.stdout)")
  }

  @Test("a torn last line is reported, blocks appending, and is repaired with a backup")
  func tornLine() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    #expect(try explain(log, rows: "0-3").status == 0)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: log))
    bytes.removeLast(57)
    try bytes.write(to: URL(fileURLWithPath: log))
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.status == 1 && verify.stdout.contains("seq 4"), "\(verify.stdout)")
    let blocked = try explain(log, rows: "4")
    #expect(blocked.status == 65)
    #expect(blocked.stderr.contains("audit repair"))
    let repair = try Glassbox.run(["audit", "repair", log])
    #expect(repair.status == 0, "\(repair.stderr)")
    #expect(dir.contents().contains { $0.hasPrefix("audit.log.torn-") })
    #expect(try explain(log, rows: "4").status == 0)
    let after = try Glassbox.run(["audit", "verify", log])
    #expect(after.status == 0 && after.stdout.contains("intact: 4 record(s)"), "\(after.stdout)")
  }

  @Test("no sensitive value in clear: a planted age never reaches the log; --redact-key hashes it")
  func sensitiveValues() throws {
    let dir = ScratchFolder()
    let header = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8).split(separator: "\n")[0]
    let row = "53.71829,Private,Bachelors,13,Never-married,Sales,Not-in-family,Amer-Indian-Eskimo,Female,0,0,40,United-States,<=50K"
    let csv = dir.write("planted.csv", header + "\n" + row + "\n")
    let log = dir.path + "/audit.log"
    let run = try Glassbox.run(["explain", "--model", model, "--data", csv, "--format", "json", "--audit", log])
    #expect(run.status == 0, "\(run.stderr)")
    let text = try String(contentsOfFile: log, encoding: .utf8)
    #expect(!text.contains("53.71829") && !text.contains("Amer-Indian-Eskimo") && !text.contains("Female"))
    #expect(text.contains("\"workclass\":\"Private\""))

    let key = dir.path + "/redact.key"
    #expect(try Glassbox.run(["audit", "keygen", "--redaction", "--out", key]).status == 0)
    let hashedLog = dir.path + "/hashed.log"
    let hashed = try Glassbox.run(["explain", "--model", model, "--data", csv, "--format", "json", "--audit", hashedLog, "--redact-key", key])
    #expect(hashed.status == 0, "\(hashed.stderr)")
    let hashedText = try String(contentsOfFile: hashedLog, encoding: .utf8)
    #expect(!hashedText.contains("53.71829") && !hashedText.contains("Amer-Indian-Eskimo") && !hashedText.contains("Female"))
    #expect(hashedText.contains("\"age\":{\"hmac\":\""))
    let replay = try Glassbox.run(["audit", "replay", hashedLog, "--redact-key", key])
    #expect(replay.status == 0, "\(replay.stdout)")
  }

  @Test("replay fails closed when the model file changed")
  func replayChangedModel() throws {
    let dir = ScratchFolder()
    let copy = dir.write("m.json", try String(contentsOfFile: Glassbox.root + "/" + model, encoding: .utf8))
    let log = dir.path + "/audit.log"
    let run = try Glassbox.run(
      ["explain", "--model", copy, "--card", "models/adult-logistic.card.json", "--data", data, "--rows", "0-1", "--format", "json",
       "--audit", log])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try Glassbox.run(["audit", "replay", log]).status == 0)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(" ".utf8))
    try handle.close()
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 1)
    #expect(replay.stdout.contains("has changed since it was recorded"), "\(replay.stdout)")
  }
}
