import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `audit witness`, the outside facts `audit verify` takes, and inputs that can be read only
/// once, run through the built binary on logs it wrote.
@Suite("glassbox audit: witnessed heads, seals and streamed inputs")
struct AuditWitnessEndToEndTests {
  private func explain(_ log: String, rows: String, _ extra: [String] = [], data: String = "datasets/adult.csv") throws -> GlassboxRun {
    try Glassbox.run(
      ["explain", "--model", "models/adult-logistic.json", "--data", data, "--rows", rows, "--format", "json", "--audit", log]
        + extra)
  }

  private func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
  }

  /// Writes `lines` back to `path`, each with its line end.
  private func rewrite(_ path: String, _ lines: some Sequence<String>) throws {
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
  }

  @Test("a witnessed head stays a prefix as the log grows; cutting the log below it fails verify --witness and --head")
  func witnessedHeads() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log", witness = dir.path + "/audit.witness"
    #expect(try explain(log, rows: "0-9").status == 0)
    let witnessed = try Glassbox.run(["audit", "witness", log, "--to", witness])
    #expect(witnessed.status == 0, "\(witnessed.stderr)")
    #expect(witnessed.stdout.contains("witnessed 10 line(s) (10 record(s))"), "\(witnessed.stdout)")
    let head = try #require(witnessed.stdout.split(separator: "\n").first { $0.hasPrefix("head sha256:") }).dropFirst(5)
    // The head is the SHA-256 of the last line, as sha256sum computes it.
    try (try lines(log)[9]).write(toFile: dir.path + "/line10", atomically: true, encoding: .utf8)
    #expect(head == "sha256:" + (try systemSHA256(dir.path + "/line10")))

    #expect(try explain(log, rows: "10-14").status == 0)
    let grown = try Glassbox.run(["audit", "verify", log, "--witness", witness, "--head", String(head), "--expect-at-least", "15"])
    #expect(grown.status == 0, "\(grown.stdout)")
    #expect(grown.stdout.contains("proven: 1 witnessed head(s) are prefixes of the log"), "\(grown.stdout)")
    #expect(grown.stdout.contains("proven: the head sha256:\(head.dropFirst(7).prefix(16))… is line 10"), "\(grown.stdout)")
    #expect(grown.stdout.contains("proven: at least 15 record(s)"), "\(grown.stdout)")

    // Cut back to 8 lines: a valid chain, but shorter than the witness saw.
    try rewrite(log, try lines(log).prefix(8))
    let plain = try Glassbox.run(["audit", "verify", log])
    #expect(plain.status == 0)
    #expect(plain.stdout.contains("not proven: that no lines were cut from the end"), "\(plain.stdout)")
    let cut = try Glassbox.run(["audit", "verify", log, "--witness", witness])
    #expect(cut.status == 1)
    #expect(cut.stdout.contains("FAILED: seq 9: missing: the head witnessed at"), "\(cut.stdout)")
    let byHead = try Glassbox.run(["audit", "verify", log, "--head", String(head)])
    #expect(byHead.status == 1)
    #expect(byHead.stdout.contains("no line of the log has the head"), "\(byHead.stdout)")
    let counted = try Glassbox.run(["audit", "verify", log, "--expect-at-least", "10"])
    #expect(counted.status == 1)
    #expect(counted.stdout.contains("the log holds 8 record(s), fewer than the 10 expected"), "\(counted.stdout)")
  }

  @Test("witness --to - prints the witness line; a broken log is not witnessed")
  func witnessLineAndRefusal() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    #expect(try explain(log, rows: "0-2").status == 0)
    let printed = try Glassbox.run(["audit", "witness", log, "--to", "-"])
    let objects = try Glassbox.jsonLines(printed.stdout)
    #expect(objects.count == 1)
    #expect(objects.first?["type"] as? String == "witness")
    #expect(objects.first?["tree_size"] as? Int == 3)
    var broken = try lines(log)
    broken.remove(at: 1)
    try rewrite(log, broken)
    let refused = try Glassbox.run(["audit", "witness", log, "--to", dir.path + "/w"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("not witnessed: seq 2: deleted"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.path + "/w"))
  }

  @Test("--public-key demands a seal: an unsigned log, an empty log, or a tail after the last checkpoint fails")
  func sealDemanded() throws {
    let dir = ScratchFolder()
    let key = dir.path + "/key"
    #expect(try Glassbox.run(["audit", "keygen", "--out", key]).status == 0)
    let unsigned = dir.path + "/unsigned.log"
    #expect(try explain(unsigned, rows: "0-2").status == 0)
    let noSeal = try Glassbox.run(["audit", "verify", unsigned, "--public-key", key + ".pub"])
    #expect(noSeal.status == 1)
    #expect(noSeal.stdout.contains("no signed checkpoint in the log"), "\(noSeal.stdout)")
    let empty = dir.write("empty.log", "")
    let emptied = try Glassbox.run(["audit", "verify", empty, "--public-key", key + ".pub"])
    #expect(emptied.status == 1)
    #expect(emptied.stdout.contains("the log is empty"), "\(emptied.stdout)")

    let signed = dir.path + "/signed.log"
    #expect(try explain(signed, rows: "0-5", ["--sign-key", key, "--checkpoint-every", "4"]).status == 0)
    let whole = try lines(signed)
    #expect(whole.count == 8)  // 4 records, checkpoint, 2 records, closing checkpoint
    let sealed = try Glassbox.run(["audit", "verify", signed, "--public-key", key + ".pub"])
    #expect(sealed.status == 0)
    #expect(sealed.stdout.contains("proven: seq 1-7 (6 record(s)) sealed by a signature of key"), "\(sealed.stdout)")
    // The closing checkpoint gone, as after kill -9: unsealed, never intact.
    try rewrite(signed, whole.dropLast())
    let tail = try Glassbox.run(["audit", "verify", signed, "--public-key", key + ".pub"])
    #expect(tail.status == 1)
    #expect(tail.stdout.contains("FAILED: seq 6: 2 record(s) after the last checkpoint (seq 5) are not sealed"), "\(tail.stdout)")
    let allowed = try Glassbox.run(["audit", "verify", signed, "--public-key", key + ".pub", "--allow-unsealed-tail"])
    #expect(allowed.status == 0)
    #expect(allowed.stdout.contains("unsealed: 2 record(s) after it, seq 6-7"), "\(allowed.stdout)")
    let usage = try Glassbox.run(["audit", "verify", signed, "--allow-unsealed-tail"])
    #expect(usage.status == 64)
  }

  @Test("--card judges sensitive values by the model card")
  func cardPolicy() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    #expect(try explain(log, rows: "0-1").status == 0)
    let judged = try Glassbox.run(["audit", "verify", log, "--card", "models/adult-logistic.card.json"])
    #expect(judged.status == 0, "\(judged.stdout)")
    #expect(!judged.stdout.contains("give --card"), "\(judged.stdout)")
    // A sensitive value put in clear in the last record (no later line exposes the edit).
    var edited = try lines(log)
    edited[1] = edited[1].replacingOccurrences(of: "\"input\":{", with: "\"input\":{\"sex\":\"Male\",")
    try rewrite(log, edited)
    let caught = try Glassbox.run(["audit", "verify", log, "--card", "models/adult-logistic.card.json"])
    #expect(caught.status == 2)
    #expect(caught.stdout.contains("CONTENT FAILED: seq 2: the sensitive feature 'sex' (sensitive in the model card) is stored in clear"), "\(caught.stdout)")
  }

  @Test("a FIFO or standard input given as --data with --audit is read once, hashed, and explained like the file")
  func streamedInput() throws {
    let dir = ScratchFolder()
    let csv = try String(contentsOfFile: Glassbox.root + "/datasets/adult.csv", encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false).prefix(21).joined(separator: "\n") + "\n"
    let file = dir.write("rows.csv", csv)
    let expected = try systemSHA256(file)
    let fromFile = try explain(dir.path + "/file.log", rows: "0-19", data: file)
    #expect(fromFile.status == 0)

    let fifo = dir.path + "/rows.fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let feeder = Thread { try? csv.write(toFile: fifo, atomically: false, encoding: .utf8) }
    feeder.start()
    let log = dir.path + "/fifo.log"
    let fromFIFO = try explain(log, rows: "0-19", data: fifo)
    #expect(fromFIFO.status == 0, "\(fromFIFO.stderr)")
    #expect(fromFIFO.stdout == fromFile.stdout)
    let records = try Glassbox.jsonLines(try String(contentsOfFile: log, encoding: .utf8))
    #expect(records.count == 20)
    let data = try #require(records.first?["data"] as? [String: Any])
    #expect(data["source"] as? String == "stream")
    #expect(data["path"] as? String == fifo)
    #expect(data["sha256"] as? String == expected)

    let stdinLog = dir.path + "/stdin.log"
    let fromStdin = try Glassbox.run(
      ["explain", "--model", "models/adult-logistic.json", "--data", "-", "--format", "json", "--audit", stdinLog], stdin: csv)
    #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
    #expect(fromStdin.stdout == fromFile.stdout)
    let stdinData = try #require(try Glassbox.jsonLines(try String(contentsOfFile: stdinLog, encoding: .utf8)).first?["data"] as? [String: Any])
    #expect(stdinData["source"] as? String == "stdin")
    #expect(stdinData["sha256"] as? String == expected)
    #expect(try Glassbox.run(["audit", "verify", stdinLog]).status == 0)
    // Replay cannot re-read a stream: it re-encodes the recorded inputs, which lack the
    // omitted sensitive values, and says so.
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect((replay.stdout + replay.stderr).contains("the input came from stream"), "\(replay.stdout)\(replay.stderr)")
  }

  @Test("bias --audit reads a FIFO once and records its hash")
  func biasFromAFIFO() throws {
    let dir = ScratchFolder()
    let csv = try String(contentsOfFile: Glassbox.root + "/datasets/adult-test.csv", encoding: .utf8)
      .split(separator: "\n").prefix(101).joined(separator: "\n") + "\n"
    let expected = try systemSHA256(dir.write("rows.csv", csv))
    let fifo = dir.path + "/rows.fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let feeder = Thread { try? csv.write(toFile: fifo, atomically: false, encoding: .utf8) }
    feeder.start()
    let log = dir.path + "/bias.log"
    let run = try Glassbox.run(
      ["bias", "--model", "models/adult-logistic.json", "--data", fifo, "--sensitive", "sex", "--format", "json",
        "--bootstrap", "20", "--audit", log])
    #expect(run.status == 0, "\(run.stderr)")
    let records = try Glassbox.jsonLines(try String(contentsOfFile: log, encoding: .utf8))
    #expect(records.count == 100)
    let data = try #require(records.first?["data"] as? [String: Any])
    #expect(data["source"] as? String == "stream")
    #expect(data["sha256"] as? String == expected)
  }
}
