import Foundation
import GlassboxTestSupport
import Testing

/// `explain --interactions`, `--background-sample` and the interventional algorithm report,
/// end to end on the shipped Adult XGBoost model.
@Suite("glassbox explain: interactions and interventional backgrounds, end to end")
struct TreeSHAPScaleEndToEndTests {
  let model = "models/adult-xgboost.json"

  /// xgboost 3.2.0's pred_interactions of the first rows of adult-test.csv
  /// (tools/make_interaction_fixture.py).
  func fixture() throws -> (rows: Int, features: [String], interactions: [[[Double]]]) {
    let path = Glassbox.root + "/Tests/Fixtures/interactions/adult-xgboost.json"
    let object = try jsonObject(try Data(contentsOf: URL(fileURLWithPath: path)))
    let raw = try #require(object["interactions"] as? [[[NSNumber]]])
    return (
      try object.field("rows", Int.self), try object.field("features", [String].self),
      raw.map { $0.map { $0.map(\.doubleValue) } }
    )
  }

  @Test("JSON interactions equal xgboost pred_interactions, main effects and pairs")
  func interactionsJSON() throws {
    let expected = try fixture()
    let m = expected.features.count
    let run = try Glassbox.run([
      "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0-\(expected.rows - 1)",
      "--interactions", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = try Glassbox.jsonLines(run.stdout)
    try #require(lines.count == expected.rows)
    var worst = 0.0
    var pairsSeen = 0
    for (r, line) in lines.enumerated() {
      let block = try #require(line["interactions"] as? [String: Any])
      let main = try #require(block["main_effects"] as? [[String: Any]])
      #expect(try main.map { try $0.field("feature", String.self) } == expected.features)
      for (i, item) in main.enumerated() {
        worst = max(worst, abs(try item.number("value") - expected.interactions[r][i][i]))
      }
      let pairs = try #require(block["pairs"] as? [[String: Any]])
      var listed = Set<[Int]>()
      for pair in pairs {
        let names = try pair.field("features", [String].self)
        let i = try #require(expected.features.firstIndex(of: names[0]))
        let j = try #require(expected.features.firstIndex(of: names[1]))
        #expect(i < j)
        listed.insert([i, j])
        worst = max(worst, abs(try pair.number("value") - expected.interactions[r][i][j]))
      }
      pairsSeen += pairs.count
      // Every pair left out is 0 in xgboost's matrix.
      for i in 0..<m {
        for j in (i + 1)..<m where !listed.contains([i, j]) { #expect(expected.interactions[r][i][j] == 0) }
      }
    }
    #expect(pairsSeen > 0)
    #expect(worst == 0, "max difference from pred_interactions \(worst)")
  }

  @Test("CSV interactions: one line per row and feature pair; the table lists the strongest pairs")
  func interactionsCSVAndTable() throws {
    let expected = try fixture()
    let m = expected.features.count
    let csv = try Glassbox.run([
      "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0-1", "--interactions", "--format", "csv",
    ])
    #expect(csv.status == 0, "\(csv.stderr)")
    let lines = csv.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "row,class,feature,other_feature,interaction")
    #expect(lines.count == 1 + 2 * m * (m + 1) / 2)
    // Row 1, the first pair: features 0 and 1.
    let cells = lines[1 + m * (m + 1) / 2 + 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(cells[0] == "1" && cells[2] == expected.features[0] && cells[3] == expected.features[1])
    #expect(Double(cells[4]) == expected.interactions[1][0][1])
    let table = try Glassbox.run([
      "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0", "--interactions", "--format", "table",
    ])
    #expect(table.status == 0, "\(table.stderr)")
    #expect(table.stdout.contains("strongest interactions"))
    // The strongest pair by hand.
    var best = (0, 1, 0.0)
    for i in 0..<m {
      for j in (i + 1)..<m where abs(expected.interactions[0][i][j]) > abs(best.2) { best = (i, j, expected.interactions[0][i][j]) }
    }
    #expect(table.stdout.contains("\(expected.features[best.0]) × \(expected.features[best.1])"))
  }

  @Test("--interactions refuses methods other than TreeSHAP")
  func interactionsRefused() throws {
    let run = try Glassbox.run([
      "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0", "--interactions",
      "--method", "kernel", "--background", "datasets/adult-test.csv",
    ])
    #expect(run.status == 64)
    #expect(run.stderr.contains("--interactions needs"))
  }

  @Test("interventional JSON says which algorithm ran on how many rows; --background-sample is seeded")
  func backgroundReport() throws {
    func explain(_ extra: [String]) throws -> [[String: Any]] {
      let run = try Glassbox.run(
        [
          "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0-2",
          "--method", "tree-interventional", "--background", "datasets/adult-test.csv", "--format", "json",
        ] + extra)
      #expect(run.status == 0, "\(run.stderr)")
      return try Glassbox.jsonLines(run.stdout)
    }
    let dataRows = try String(contentsOfFile: Glassbox.root + "/datasets/adult-test.csv", encoding: .utf8)
      .split(separator: "\n").count - 1
    let full = try explain([])
    #expect(full.first?["algorithm"] as? String == "interventional (decision patterns, \(dataRows) background rows)")
    let sampled = try explain(["--background-sample", "50", "--seed", "3"])
    #expect(sampled.first?["algorithm"] as? String == "interventional (decision patterns, 50 background rows)")
    let again = try explain(["--background-sample", "50", "--seed", "3", "--threads", "2"])
    let other = try explain(["--background-sample", "50", "--seed", "4"])
    func values(_ lines: [[String: Any]]) throws -> [Double] {
      try lines.flatMap { try ($0["attributions"] as? [[String: Any]] ?? []).map { try $0.number("attribution") } }
    }
    #expect(try values(sampled) == values(again))
    #expect(try values(sampled) != values(other))
    let tiny = try explain(["--background-sample", "3"])
    #expect(tiny.first?["algorithm"] as? String == "interventional (per pair, 3 background rows)")
  }

  @Test("an audited run with --background-sample records it, and replay re-creates the same values")
  func backgroundSampleReplays() throws {
    let dir = ScratchFolder()
    let log = dir.path + "/audit.log"
    let run = try Glassbox.run([
      "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0-3", "--method", "tree-interventional",
      "--background", "datasets/adult-test.csv", "--background-sample", "200", "--seed", "9", "--format", "json",
      "--audit", log,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let records = try Glassbox.jsonLines(try String(contentsOfFile: log, encoding: .utf8))
    #expect(records.count == 4)
    let text = try String(contentsOfFile: log, encoding: .utf8)
    #expect(text.contains("\"background_sample\":200"))
    let replay = try Glassbox.run(["audit", "replay", log])
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    #expect(replay.stdout.contains("4 record(s): 4 identical"))
  }
}
