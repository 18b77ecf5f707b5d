import Foundation
import Testing

/// `glassbox summary` over what `explain` wrote (JSON Lines, CSV, standard input) and on the
/// fly, against means computed here from the explanations themselves.
@Suite("glassbox summary")
struct SummaryEndToEndTests {
  static let model = Glassbox.root + "/models/adult-xgboost.json"
  static let data = Glassbox.root + "/datasets/adult-test.csv"

  func json(_ text: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test("importance equals the mean |attribution| of explain's output, from JSON, CSV and stdin")
  func importance() throws {
    let scratch = ScratchFolder()
    let jsonl = scratch.path + "/phi.jsonl", csv = scratch.path + "/phi.csv"
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "0-399", "--format", "json", "--out", jsonl]).status == 0)
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "0-399", "--format", "csv", "--out", csv]).status == 0)
    // The means, computed here from the JSON lines.
    var sums: [String: Double] = [:]
    var rows = 0
    for line in try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n") {
      let object = try json(String(line))
      rows += 1
      for item in try #require(object["attributions"] as? [[String: Any]]) {
        sums[item["feature"] as! String, default: 0] += abs(item["attribution"] as! Double)
      }
    }
    #expect(rows == 400)
    let fromJSON = try Glassbox.run(["summary", jsonl, "--format", "json"])
    let fromCSV = try Glassbox.run(["summary", csv, "--format", "json"])
    let fromStdin = try Glassbox.run(["summary", "-", "--format", "json"], stdin: try String(contentsOfFile: jsonl, encoding: .utf8))
    for run in [fromJSON, fromCSV, fromStdin] {
      #expect(run.status == 0, "\(run.stderr)")
      let report = try json(run.stdout)
      #expect(report["rows"] as? Int == 400)
      let importance = try #require(report["importance"] as? [[String: Any]])
      #expect(importance.count == 13)
      var previous = Double.infinity
      for item in importance {
        let feature = item["feature"] as! String, value = item["mean_abs"] as! Double
        #expect(abs(value - sums[feature]! / 400) <= 1e-12 * max(1, value), "\(feature)")
        #expect(value <= previous)
        previous = value
        let interval = try #require(item["mean_abs_interval"] as? [Double])
        #expect(interval[0] <= value && value <= interval[1])
      }
    }
    // Intervals and sample depend on the seed and the input order only: all three agree.
    #expect(fromJSON.stdout.replacingOccurrences(of: jsonl, with: "") == fromStdin.stdout.replacingOccurrences(of: "<stdin>", with: ""))
  }

  @Test("on the fly equals reading explain's JSON, for any thread count")
  func onTheFly() throws {
    let scratch = ScratchFolder()
    let subset = scratch.write(
      "subset.csv",
      try String(contentsOfFile: Self.data, encoding: .utf8).split(separator: "\n").prefix(301).joined(separator: "\n") + "\n")
    let jsonl = scratch.path + "/phi.jsonl"
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", subset, "--format", "json", "--out", jsonl]).status == 0)
    let read = try Glassbox.run(["summary", jsonl, "--format", "json", "--by", "sex"])
    let one = try Glassbox.run(["summary", "--model", Self.model, "--data", subset, "--format", "json", "--by", "sex", "--threads", "1"])
    let two = try Glassbox.run(["summary", "--model", Self.model, "--data", subset, "--format", "json", "--by", "sex", "--threads", "2"])
    #expect(read.status == 0 && one.status == 0 && two.status == 0, "\(one.stderr)")
    #expect(one.stdout == two.stdout)
    #expect(read.stdout.replacingOccurrences(of: jsonl, with: subset) == one.stdout)
    let groups = try #require(try json(read.stdout)["groups"] as? [String: Any])
    #expect((groups["groups"] as? [[String: Any]])?.map { $0["group"] as! String }.sorted() == ["Female", "Male"])
  }

  @Test("the table shows every part; bad input is one line and exit 65")
  func tableAndErrors() throws {
    let scratch = ScratchFolder()
    let jsonl = scratch.path + "/phi.jsonl"
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "0-199", "--format", "json", "--out", jsonl]).status == 0)
    let table = try Glassbox.run(["summary", jsonl, "--format", "table", "--by", "sex"], environment: ["COLUMNS": "80"])
    #expect(table.status == 0)
    for part in ["Global importance", "Beeswarm", "Dependence", "By sex"] { #expect(table.stdout.contains(part)) }
    #expect(table.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 })
    let bad = scratch.write("bad.jsonl", "{\"row\":0}\n")
    let run = try Glassbox.run(["summary", bad])
    #expect(run.status == 65)
    #expect(run.stderr.hasPrefix("glassbox: error: ") && run.stderr.contains("bad.jsonl:1") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    let empty = scratch.write("empty.jsonl", "")
    #expect(try Glassbox.run(["summary", empty, "--format", "json"]).status == 65)
    let noValues = try Glassbox.run(["summary", scratch.write("c.csv", "row,class,prediction,base_value,age\n0,,1,0,1\n"), "--by", "age"])
    #expect(noValues.status == 64 && noValues.stderr.contains("--by needs feature values"), "\(noValues.stderr)")
  }
}
