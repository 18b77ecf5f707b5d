import Foundation
import Testing

/// `--audit sqlite:PATH` and the audit commands on it, run as a user runs them.
@Suite("glassbox audit in SQLite, end to end")
struct AuditDatabaseEndToEndTests {
  let model = "models/adult-logistic.json"
  let data = "datasets/adult.csv"

  func explain(_ log: String, rows: String, extra: [String] = []) throws -> GlassboxRun {
    try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", rows, "--format", "json", "--audit", log] + extra)
  }

  @Test("explain --audit sqlite: then verify, show, replay, export, copy to a file and back")
  func everyCommandWorksOnSQLite() throws {
    let dir = ScratchFolder()
    let database = "sqlite:" + dir.path + "/audit.db"
    let run = try explain(database, rows: "0-19")
    #expect(run.status == 0, "\(run.stderr)")
    let verify = try Glassbox.run(["audit", "verify", database])
    #expect(verify.status == 0 && verify.stdout.contains("intact: 20 record(s)"), "\(verify.stdout)")
    let show = try Glassbox.run(["audit", "show", database, "--seq", "3-4"])
    #expect(show.status == 0 && show.stdout.split(separator: "\n").count >= 3, "\(show.stdout)\(show.stderr)")
    #expect(try Glassbox.run(["audit", "replay", database, "--seq", "5"]).status == 0)

    // Copy into a file: the file verifies with the same head, and its CSV export is the database's.
    let file = dir.path + "/copy.log"
    let copy = try Glassbox.run(["audit", "copy", database, file])
    #expect(copy.status == 0, "\(copy.stderr)")
    let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 20)
    let headHex = try systemSHA256(dir.write("last-line", String(lines[19])))
    #expect(copy.stdout.contains("head sha256:" + headHex), "\(copy.stdout)")
    let fromDatabase = try Glassbox.run(["audit", "export", database, "--format", "csv"])
    let fromFile = try Glassbox.run(["audit", "export", file, "--format", "csv"])
    #expect(fromDatabase.status == 0 && fromDatabase.stdout == fromFile.stdout && !fromFile.stdout.isEmpty)
    // And back into a second database: copies of copies keep the bytes.
    let second = "sqlite:" + dir.path + "/second.db"
    #expect(try Glassbox.run(["audit", "copy", file, second]).status == 0)
    #expect(try Glassbox.run(["audit", "export", second, "--format", "jsonl"]).stdout
      == (try Glassbox.run(["audit", "export", file, "--format", "jsonl"]).stdout))
    // Copying into a log that holds lines is refused, with exit 65.
    let refused = try Glassbox.run(["audit", "copy", file, second])
    #expect(refused.status == 65 && refused.stderr.contains("already holds lines"), "\(refused.stderr)")
  }

  /// Processes, not connections: 8 × 250 records keeps `make test` short; 8 × 1,000 runs as
  /// connections in `SQLiteLogStoreTests` and as processes in Integration/audit-postgres.
  @Test("eight processes of 250 records each keep one SQLite chain")
  func eightProcesses() throws {
    let dir = ScratchFolder()
    let database = "sqlite:" + dir.path + "/shared.db"
    nonisolated(unsafe) var statuses = [Int32](repeating: -1, count: 8)
    DispatchQueue.concurrentPerform(iterations: 8) { k in
      statuses[k] = (try? explain(database, rows: "\(k * 250)-\(k * 250 + 249)", extra: ["--out", "/dev/null"]))?.status ?? -2
    }
    #expect(statuses == [Int32](repeating: 0, count: 8))
    let verify = try Glassbox.run(["audit", "verify", database])
    #expect(verify.status == 0 && verify.stdout.contains("intact: 2000 record(s)"), "\(verify.stdout)")
    let csv = try Glassbox.run(["audit", "export", database, "--format", "jsonl"])
    let rows = try Glassbox.jsonLines(csv.stdout).compactMap { $0["row"] as? Int }
    #expect(Set(rows) == Set(0..<2000))
  }

  @Test("signed checkpoints export as DSSE envelopes whose PAE signature checks with the public key")
  func dsseExport() throws {
    let dir = ScratchFolder()
    let database = "sqlite:" + dir.path + "/signed.db"
    let key = dir.path + "/key"
    #expect(try Glassbox.run(["audit", "keygen", "--out", key]).status == 0)
    #expect(try explain(database, rows: "0-24", extra: ["--sign-key", key, "--checkpoint-every", "10"]).status == 0)
    let verify = try Glassbox.run(["audit", "verify", database, "--public-key", key + ".pub"])
    #expect(verify.status == 0 && verify.stdout.contains("3 signature(s) valid"), "\(verify.stdout)")
    let export = try Glassbox.run(["audit", "export", database, "--format", "dsse", "--sign-key", key])
    #expect(export.status == 0, "\(export.stderr)")
    let envelopes = try Glassbox.jsonLines(export.stdout)
    #expect(envelopes.count == 3)
    let statement = try #require(
      (envelopes.first?["payload"] as? String).flatMap { Data(base64Encoded: $0) }
        .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] })
    #expect(statement["_type"] as? String == "https://in-toto.io/Statement/v1")
    let predicate = try #require(statement["predicate"] as? [String: Any])
    #expect(predicate["tree_size"] as? Int == 10 && predicate["records"] as? Int == 10)
    // The subject is line 10's hash: verify --head finds it in the log.
    let subject = try #require((statement["subject"] as? [[String: Any]])?.first)
    let digest = try #require((subject["digest"] as? [String: Any])?["sha256"] as? String)
    #expect(try Glassbox.run(["audit", "verify", database, "--head", "sha256:" + digest]).status == 0)
    // Without the key, or with another format's flags, it is a usage error.
    #expect(try Glassbox.run(["audit", "export", database, "--format", "dsse"]).status == 64)
  }
}
