import Foundation
import GlassboxTestSupport
import Testing

/// `glassbox bias`, end to end: JSON against fairlearn's numbers, gates, and errors.
@Suite("glassbox bias, end to end")
struct BiasEndToEndTests {
  let model = "models/adult-logistic.json"
  let data = "datasets/adult-test.csv"

  func json(_ run: GlassboxRun) throws -> [String: Any] {
    try jsonObject(run.stdout)
  }

  @Test("JSON by sex: the rates and metrics fairlearn computes, intervals, attribution gap")
  func jsonBySex() throws {
    let run = try Glassbox.run([
      "bias", "--model", model, "--data", data, "--sensitive", "sex", "--label", "income", "--format", "json",
      "--bootstrap", "100",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let report = try json(run)
    #expect(report["schema"] as? String == "glassbox-bias/1")
    #expect(report["positive_label"] as? String == ">50K")
    let fixture = try jsonObject(
      Data(contentsOf: URL(fileURLWithPath: Glassbox.root + "/Tests/Fixtures/bias/adult-logistic.json")))
    let expected = try #require(try fixture.field("cases", [[String: Any]].self).first)
    let groups = try report.field("groups", [[String: Any]].self)
    let expectedGroups = try expected.field("groups", [[String: Any]].self)
    #expect(groups.count == expectedGroups.count && !groups.isEmpty)
    for (g, e) in zip(groups, expectedGroups) {
      #expect(try g.field("group", [String: String].self) == e.field("group", [String: String].self))
      #expect(g["n"] as? Int == e["n"] as? Int)
      for key in ["selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy", "mean_score", "base_rate"] {
        #expect(abs(try g.number(key) - e.number(key)) <= 1e-12, "\(key)")
      }
      let ci = try g.field("selection_rate_ci", [Double].self)
      let rate = try g.number("selection_rate")
      try #require(ci.count == 2)
      #expect(ci[0] <= rate && rate <= ci[1])
    }
    let metrics = try report.field("metrics", [String: Any].self)
    let expectedMetrics = try expected.field("metrics", [String: Any].self)
    #expect(!expectedMetrics.isEmpty)
    for key in expectedMetrics.keys {
      #expect(abs(try metrics.number(key) - expectedMetrics.number(key)) <= 1e-12, "\(key)")
    }
    let gaps = try report.field("attribution_gap", [[String: Any]].self)
    try #require(gaps.count == 1)
    let parts = try gaps[0].field("contributions", [[String: Any]].self).map { try $0.number("contribution") }
    let gap = try gaps[0].number("gap")
    #expect(abs(parts.reduce(0, +) - gap) <= 1e-9 * abs(gap))
    #expect(try report.field("attribution", [String: Any].self)["method"] as? String == "linear")
  }

  @Test("--method accepts only methods whose attributions add up (lime is refused, with the reason)")
  func additiveMethodsOnly() throws {
    let lime = try Glassbox.run(["bias", "--model", model, "--data", data, "--sensitive", "sex", "--method", "lime"])
    #expect(lime.status == 64)
    #expect(lime.stderr.contains("--method lime does not decompose a gap exactly"))
    #expect(lime.stdout.isEmpty)
    let help = try Glassbox.run(["bias", "--help"])
    #expect(help.stdout.contains("tree-interventional, kernel, exact; default: auto"))
  }

  @Test("intersections: sex×race first, then each attribute; the reference by name")
  func intersections() throws {
    let run = try Glassbox.run([
      "bias", "--model", model, "--data", data, "--sensitive", "sex", "--sensitive", "race", "--reference",
      "sex=Male,race=White", "--format", "json", "--bootstrap", "0", "--no-attribution",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let report = try json(run)
    #expect(try report.field("groups", [Any].self).count == 10)
    #expect(try report.field("reference", [String: String].self) == ["sex": "Male", "race": "White"])
    let marginals = try report.field("marginals", [[String: Any]].self)
    #expect(try marginals.map { try $0.field("attributes", [String].self) } == [["sex"], ["race"]])
    #expect(report["attribution_gap"] == nil && report["bootstrap"] is NSNull)
  }

  @Test("--fail-on: the report, then status 2 when breached; 0 when the gate holds")
  func gates() throws {
    let breached = try Glassbox.run([
      "bias", "--model", model, "--data", data, "--sensitive", "sex", "--format", "json", "--bootstrap", "0",
      "--no-attribution", "--fail-on", "disparate_impact<0.8",
    ])
    #expect(breached.status == 2)
    #expect(breached.stderr.contains("bias gate breached: disparate_impact<0.8 in sex"))
    let verdicts = try json(breached).field("fail_on", [[String: Any]].self)
    #expect(verdicts.count == 1 && verdicts[0]["breached"] as? Bool == true)
    let holds = try Glassbox.run([
      "bias", "--model", model, "--data", data, "--sensitive", "sex", "--format", "json", "--bootstrap", "0",
      "--no-attribution", "--fail-on", "demographic_parity_difference>0.5",
    ])
    #expect(holds.status == 0, "\(holds.stderr)")
  }

  @Test("the table: bars, flags, disparities and the gap decomposition")
  func table() throws {
    let run = try Glassbox.run([
      "bias", "--model", "models/adult-xgboost.json", "--data", data, "--sensitive", "sex", "--label", "income",
      "--format", "table", "--bootstrap", "50",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    for text in ["Groups by sex", "✗4/5", "ref", "demographic_parity_difference", "Gap in mean log-odds", "█"] {
      #expect(run.stdout.contains(text), "missing '\(text)'")
    }
  }

  @Test("errors: usage 64, data 65, no input 66")
  func errors() throws {
    let base = ["bias", "--model", model, "--data", data]
    let missingColumn = try Glassbox.run(base + ["--sensitive", "gender"])
    #expect(missingColumn.status == 65 && missingColumn.stderr.contains("no column 'gender'"))
    let badRule = try Glassbox.run(base + ["--sensitive", "sex", "--fail-on", "unfairness<0.8"])
    #expect(badRule.status == 64 && badRule.stderr.contains("unknown metric"))
    let needsLabel = try Glassbox.run(base + ["--sensitive", "sex", "--fail-on", "equalized_odds_difference>0.1"])
    #expect(needsLabel.status == 64 && needsLabel.stderr.contains("--label"))
    let badBootstrap = try Glassbox.run(base + ["--sensitive", "sex", "--bootstrap=-3"])
    #expect(badBootstrap.status == 64)
    let notBinary = try Glassbox.run(base + ["--sensitive", "sex", "--label", "race"])
    #expect(notBinary.status == 65 && notBinary.stderr.contains("more than two values"))
    let badReference = try Glassbox.run(base + ["--sensitive", "sex", "--reference", "Martian"])
    #expect(badReference.status == 64 && badReference.stderr.contains("no group matches"))
    let noFile = try Glassbox.run(["bias", "--model", model, "--data", "nope.csv", "--sensitive", "sex"])
    #expect(noFile.status == 66)
    for r in [missingColumn, badRule, needsLabel, notBinary, badReference, noFile] {
      #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
  }
}

/// `bias` handles rows with data errors as `explain` does.
@Suite("glassbox bias, rows with data errors")
struct BiasBadRowTests {
  @Test("bad rows are rejected (stderr, FILE.rejects.csv), the rest analysed, exit 65; skip exits 0; fail stops")
  func badRows() throws {
    let scratch = ScratchFolder()
    let text = try String(contentsOfFile: Glassbox.root + "/datasets/adult-test.csv", encoding: .utf8)
    var lines = text.split(separator: "\n").prefix(301).map(String.init)
    lines[10] = lines[10].replacingOccurrences(of: "^[0-9]+,", with: "abc,", options: .regularExpression)
    lines[20] = lines[20].replacingOccurrences(of: "^[0-9]+,", with: "200,", options: .regularExpression)
    let input = scratch.write("bad.csv", lines.joined(separator: "\n") + "\n")
    let out = scratch.path + "/bias.json"
    let arguments = [
      "bias", "--model", "models/adult-logistic.json", "--data", input, "--sensitive", "sex", "--label", "income",
      "--bootstrap", "10", "--format", "json",
    ]
    let byDefault = try Glassbox.run(arguments + ["--out", out])
    #expect(byDefault.status == 65, "\(byDefault.stderr)")
    #expect(byDefault.stderr.contains("2 of 300 rows had data errors and were skipped; analysed 298"))
    let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
    #expect(report["rows"] as? Int == 298)
    let rejected = try String(contentsOfFile: out + ".rejects.csv", encoding: .utf8).split(separator: "\n")
    #expect(rejected.count == 3)
    #expect(rejected[1].hasPrefix("11,") && rejected[2].hasPrefix("21,"))
    let skip = try Glassbox.run(arguments + ["--on-bad-row", "skip"])
    #expect(skip.status == 0)
    let fail = try Glassbox.run(arguments + ["--on-bad-row", "fail"])
    #expect(fail.status == 65)
    #expect(fail.stderr.contains("bad.csv:11, column 'age', value 'abc'"))
    // A named rejects file of a clean run holds its header: an empty list, not an empty file.
    let clean = scratch.write("clean.csv", text.split(separator: "\n").prefix(101).joined(separator: "\n") + "\n")
    let named = scratch.path + "/rejected.csv"
    let run = try Glassbox.run(
      ["bias", "--model", "models/adult-logistic.json", "--data", clean, "--sensitive", "sex", "--bootstrap", "10",
       "--format", "json", "--rejects", named])
    #expect(run.status == 0, "\(run.stderr)")
    let header = try String(contentsOfFile: named, encoding: .utf8).split(separator: "\n")
    #expect(header.count == 1 && header[0].hasPrefix("line,reason,age,workclass"))
  }
}
