import Foundation
import Testing

/// `audit show`, `export` and `replay` filters: checked arguments, and a word when nothing matches.
@Suite("glassbox audit filters, end to end")
struct AuditFilterEndToEndTests {
  func tenRecordLog(_ scratch: ScratchFolder) throws -> String {
    let log = scratch.path + "/audit.jsonl"
    let run = try Glassbox.run([
      "explain", "--model", "models/adult-logistic.json", "--data", "datasets/adult.csv", "--rows", "0-9", "--audit", log,
      "--format", "json",
    ])
    try #require(run.status == 0, "\(run.stderr)")
    return log
  }

  @Test("dates that are not ISO 8601 are usage errors (exit 64), naming the value")
  func badDates() throws {
    let scratch = ScratchFolder()
    let log = try tenRecordLog(scratch)
    for value in ["2026-9-1", "yesterday", "2026-02-30"] {
      let run = try Glassbox.run(["audit", "show", log, "--since", value])
      #expect(run.status == 64)
      #expect(run.stderr.contains("--since '\(value)' is not an ISO 8601 UTC time"))
      #expect(run.stdout.isEmpty)
    }
  }

  @Test("a --seq outside the log fails; replaying nothing exits 1; an empty time window says so on stderr")
  func nothingMatched() throws {
    let scratch = ScratchFolder()
    let log = try tenRecordLog(scratch)
    let replay = try Glassbox.run(["audit", "replay", log, "--seq", "500"])
    #expect(replay.status == 64)
    #expect(replay.stderr.contains("has records 1-10; --seq 500 matches none"))
    let show = try Glassbox.run(["audit", "show", log, "--since", "2001-01-01", "--until", "2001-12-31"])
    #expect(show.status == 0)
    #expect(show.stderr.contains("none of the 10 records"))
    let export = try Glassbox.run(["audit", "export", log, "--model", "no-such-model"])
    #expect(export.stderr.contains("none of the 10 records"))
    let replayed = try Glassbox.run(["audit", "replay", log, "--seq", "3-4"])
    #expect(replayed.status == 0)
    #expect(replayed.stdout.contains("2 record(s): 2 identical"))
  }
}
