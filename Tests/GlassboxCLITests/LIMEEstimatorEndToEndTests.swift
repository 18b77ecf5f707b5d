import Foundation
import Testing

/// `--lime-estimator` end to end: what reports say, audit records, replay of older logs.
@Suite("glassbox explain --method lime --lime-estimator")
struct LIMEEstimatorEndToEndTests {
  let data = "datasets/adult-test.csv"

  /// The first `n` rows of the training data, as a background file in `dir`.
  func background(_ n: Int, in dir: ScratchFolder) throws -> String {
    let text = try String(contentsOfFile: Glassbox.root + "/datasets/adult.csv", encoding: .utf8)
    return dir.write("background.csv", text.split(separator: "\n").prefix(n + 1).joined(separator: "\n") + "\n")
  }

  func explain(_ flags: [String], dir: ScratchFolder) throws -> GlassboxRun {
    try Glassbox.run(
      ["explain", "--model", "models/adult-xgboost.json", "--data", data, "--rows", "0-1", "--method", "lime",
        "--background", try background(60, in: dir)] + flags)
  }

  /// An explain run that writes the audit log `dir/audit.log`; it must succeed.
  func explainAudited(_ flags: [String], dir: ScratchFolder) throws -> (run: GlassboxRun, log: String) {
    let log = dir.path + "/audit.log"
    let run = try explain(flags + ["--audit", log], dir: dir)
    #expect(run.status == 0, "\(run.stderr)")
    return (run, log)
  }

  /// `audit replay` of `log` finds both rows identical.
  func expectReplaysIdentically(_ log: String) throws {
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0 && replay.stdout.contains("2 identical"), "\(replay.stdout)\(replay.stderr)")
  }

  @Test("exact runs say so in JSON, table and Markdown; sampled runs give their evaluations")
  func reportsSayWhichEstimatorRan() throws {
    let dir = ScratchFolder()
    let exact = try explain(["--output", "raw", "--format", "json"], dir: dir)
    #expect(exact.status == 0, "\(exact.stderr)")
    let lines = try Glassbox.jsonLines(exact.stdout)
    #expect(lines.count == 2)
    for line in lines {
      #expect(line["estimator"] as? String == "exact")
      #expect(line["expected_samples"] as? Int == 5000)
      #expect(line["score_estimated"] as? Bool == true)
    }
    let sampled = try explain(["--samples", "300", "--format", "json"], dir: dir)
    #expect(sampled.status == 0, "\(sampled.stderr)")
    let first = try #require(try Glassbox.jsonLines(sampled.stdout).first)
    #expect(first["estimator"] as? String == "sampled" && first["evaluations"] as? Int == 300)
    let table = try explain(["--output", "raw", "--format", "table", "--stability", "2"], dir: dir)
    #expect(table.stdout.contains("estimator         exact, expected surrogate of a 5000-sample run"))
    #expect(table.stdout.contains("does not depend on the seed"))
    let markdown = try explain(["--lime-estimator", "exact", "--output", "raw", "--samples", "800", "--format", "markdown"], dir: dir)
    #expect(markdown.stdout.contains("Estimator: exact, expected surrogate of a 800-sample run"), "\(markdown.stdout)")
  }

  @Test("exact on a classifier's probability is a usage error (64) naming --output raw")
  func exactNeedsTheMargin() throws {
    let dir = ScratchFolder()
    let run = try explain(["--lime-estimator", "exact"], dir: dir)
    #expect(run.status == 64)
    #expect(run.stderr.contains("--output raw") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
  }

  @Test("an exact run records its estimator and replays identically, whatever seed the record holds")
  func exactAuditReplay() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let run = try explain(["--output", "raw", "--format", "json", "--seed", "5", "--audit", log], dir: dir)
    #expect(run.status == 0, "\(run.stderr)")
    let text = try String(contentsOfFile: log, encoding: .utf8)
    #expect(text.contains("\"estimator\":\"exact\""))
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0 && replay.stdout.contains("2 identical"), "\(replay.stdout)\(replay.stderr)")
    let reseeded = text.replacingOccurrences(of: "\"seed\":5,", with: "\"seed\":51,")
    #expect(reseeded != text)
    try reseeded.write(toFile: log, atomically: true, encoding: .utf8)
    let again = try Glassbox.run(["audit", "replay", log])
    #expect(again.stdout.contains("2 identical"), "\(again.stdout)\(again.stderr)")
  }

  @Test("a LIME record without an estimator (older logs) replays sampled, even for raw margins")
  func olderRecordsReplaySampled() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let run = try explain(
      ["--output", "raw", "--lime-estimator", "sampled", "--samples", "400", "--format", "json", "--audit", log],
      dir: dir)
    #expect(run.status == 0, "\(run.stderr)")
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let older = text.replacingOccurrences(of: "\"estimator\":\"sampled\",", with: "")
    #expect(older != text)
    try older.write(toFile: log, atomically: true, encoding: .utf8)
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0 && replay.stdout.contains("2 identical"), "\(replay.stdout)\(replay.stderr)")
  }

  @Test("--samples limit: the infinite-sample limit, in JSON (expected_samples null) and tables; its records replay")
  func sampleLimit() throws {
    let dir = ScratchFolder()
    let (limit, log) = try explainAudited(["--output", "raw", "--samples", "limit", "--format", "json"], dir: dir)
    let finite = try explain(["--output", "raw", "--samples", "5000", "--format", "json"], dir: dir)
    let limitLines = try Glassbox.jsonLines(limit.stdout), finiteLines = try Glassbox.jsonLines(finite.stdout)
    #expect(limitLines.count == 2 && finiteLines.count == 2)
    for (l, f) in zip(limitLines, finiteLines) {
      #expect(l["estimator"] as? String == "exact")
      #expect(l.keys.contains("expected_samples") && !(l["expected_samples"] is Int))
      // Without lime's ridge shrinkage the weights differ from a 5000-sample run's, slightly.
      let lw = (l["attributions"] as? [[String: Any]] ?? []).compactMap { $0["attribution"] as? Double }
      let fw = (f["attributions"] as? [[String: Any]] ?? []).compactMap { $0["attribution"] as? Double }
      #expect(!lw.isEmpty && lw.count == fw.count)
      #expect(lw != fw)
      #expect(zip(lw, fw).allSatisfy { abs($0 - $1) <= 0.05 * abs($1) + 1e-9 }, "\(lw) vs \(fw)")
    }
    let table = try explain(["--output", "raw", "--samples", "limit", "--format", "table"], dir: dir)
    #expect(table.stdout.contains("exact, expected surrogate in the infinite-sample limit"), "\(table.stdout)")
    try expectReplaysIdentically(log)
    // The limit has no sampled counterpart.
    let sampled = try explain(["--samples", "limit"], dir: dir)
    #expect(sampled.status == 64 && sampled.stderr.contains("--samples limit needs the exact estimator"), "\(sampled.stderr)")
    let kernel = try Glassbox.run(
      ["explain", "--model", "models/adult-xgboost.json", "--data", data, "--rows", "0", "--method", "kernel",
        "--background", try background(20, in: dir), "--samples", "limit"])
    #expect(kernel.status == 64, "\(kernel.stderr)")
  }

  @Test("--discretizer none: standardized continuous features named alone, exact by default on margins, replayable")
  func nonDiscretized() throws {
    let dir = ScratchFolder()
    let (exact, log) = try explainAudited(["--output", "raw", "--discretizer", "none", "--format", "json"], dir: dir)
    let lines = try Glassbox.jsonLines(exact.stdout)
    #expect(lines.count == 2)
    let conditions = lines.flatMap { ($0["attributions"] as? [[String: Any]] ?? []).compactMap { $0["condition"] as? String } }
    // Continuous features read as their names; categorical ones keep "name = label".
    #expect(conditions.contains("age") || conditions.contains("hours-per-week") || conditions.contains("capital-gain"), "\(conditions)")
    #expect(!conditions.contains { $0.contains("<=") || $0.contains(" < ") })
    #expect(lines.allSatisfy { $0["estimator"] as? String == "exact" })
    try expectReplaysIdentically(log)
    let sampled = try explain(["--discretizer", "none", "--samples", "500", "--format", "json"], dir: dir)
    #expect(sampled.status == 0, "\(sampled.stderr)")
    #expect(try Glassbox.jsonLines(sampled.stdout).allSatisfy { $0["estimator"] as? String == "sampled" })
  }

  @Test("direct on a classifier's probability: standard errors in JSON, the estimator in tables, seeded replay")
  func direct() throws {
    let dir = ScratchFolder()
    let (run, log) = try explainAudited(["--lime-estimator", "direct", "--samples", "1000", "--format", "json"], dir: dir)
    let lines = try Glassbox.jsonLines(run.stdout)
    #expect(lines.count == 2)
    for line in lines {
      #expect(line["estimator"] as? String == "direct" && line["evaluations"] as? Int == 1000)
      let entries = line["attributions"] as? [[String: Any]] ?? []
      #expect(!entries.isEmpty && entries.allSatisfy { ($0["std_error"] as? Double).map { $0 >= 0 } == true })
      #expect((line["prediction"] as? Double).map { $0 > 0 && $0 < 1 } == true, "a probability")
    }
    let again = try explain(["--lime-estimator", "direct", "--samples", "1000", "--format", "json"], dir: dir)
    #expect(again.stdout == run.stdout, "the same seed gives the same draws")
    try expectReplaysIdentically(log)
    let table = try explain(["--lime-estimator", "direct", "--samples", "500", "--format", "table", "--stability", "2"], dir: dir)
    #expect(table.stdout.contains("sampled from the kernel-weighted law, 500 model evaluations, std errors"), "\(table.stdout)")
    #expect(table.stdout.contains("stability: 2 re-runs"), "\(table.stdout)")
  }
}
