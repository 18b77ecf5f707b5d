import Foundation
import GlassboxTestSupport
import Testing

/// The built binary, end to end, on the shipped model and dataset.
@Suite("glassbox explain, end to end")
struct ExplainEndToEndTests {
  let model = "models/adult-logistic.json"
  let data = "datasets/adult.csv"

  /// The shipped model's coefficients and means, read with Foundation.
  func modelJSON() throws -> [String: Any] {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: Glassbox.root + "/" + model))
    return try jsonObject(bytes)
  }

  @Test("JSON for one row: values as given, additivity, and φ = w (x − μ) by hand")
  func oneRowJSON() throws {
    let run = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "0", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = try Glassbox.jsonLines(run.stdout)
    #expect(lines.count == 1)
    let line = lines[0]
    #expect(line["row"] as? Int == 0)
    #expect(line["class"] is NSNull)
    #expect(line["output"] as? String == "raw")
    #expect(line["method"] as? String == "linear")
    let attributions = try #require(line["attributions"] as? [[String: Any]])
    let m = try modelJSON()
    let w = try m.field("coefficients", [Double].self)
    let mu = try m.field("means", [Double].self)
    let names = try m.field("features", [String].self)
    #expect(try attributions.map { try $0.field("feature", String.self) } == names)
    try #require(attributions.count == 13 && w.count == 13 && mu.count == 13)
    // Row 0 of adult.csv: age 39, sex Male, education-num 13.
    #expect(attributions[0]["value"] as? Int == 39)
    #expect(attributions[8]["value"] as? String == "Male")
    let age = try attributions[0].number("attribution")
    #expect(abs(age - w[0] * (39 - mu[0])) <= 1e-12)
    let educationNum = try attributions[3].number("attribution")
    #expect(abs(educationNum - w[3] * (13 - mu[3])) <= 1e-12)
    let sum = try attributions.reduce(try line.number("base_value")) { $0 + (try $1.number("attribution")) }
    let prediction = try line.number("prediction")
    #expect(abs(sum - prediction) <= 1e-9 * max(1, abs(prediction)))
  }

  @Test("--rows picks zero-based rows and inclusive ranges, in input order")
  func rowSelection() throws {
    let run = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "10-12,4,0", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try Glassbox.jsonLines(run.stdout).map { try $0.field("row", Int.self) } == [0, 4, 10, 11, 12])
  }

  @Test("--instance with labels equals the same row read from the CSV")
  func instance() throws {
    let spec = "age=39,workclass=State-gov,education=Bachelors,education-num=13,marital-status=Never-married,"
      + "occupation=Adm-clerical,relationship=Not-in-family,race=White,sex=Male,capital-gain=2174,"
      + "capital-loss=0,hours-per-week=40,native-country=United-States"
    let a = try Glassbox.run(["explain", "--model", model, "--instance", spec, "--format", "json"])
    let b = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "0", "--format", "json"])
    #expect(a.status == 0, "\(a.stderr)")
    let la = try #require(try Glassbox.jsonLines(a.stdout).first), lb = try #require(try Glassbox.jsonLines(b.stdout).first)
    #expect(la["prediction"] as? Double == lb["prediction"] as? Double)
    func values(_ line: [String: Any]) throws -> [Double] {
      try line.field("attributions", [[String: Any]].self).map { try $0.number("attribution") }
    }
    #expect(try values(la) == values(lb))
  }

  @Test("standard input, CSV output, and identical results for 1 and 2 threads")
  func stdinCSVThreads() throws {
    let text = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8)
    let head = text.split(separator: "\n").prefix(3001).joined(separator: "\n") + "\n"
    let one = try Glassbox.run(["explain", "--model", model, "--data", "-", "--format", "csv", "--threads", "1"], stdin: head)
    let two = try Glassbox.run(["explain", "--model", model, "--data", "-", "--format", "csv", "--threads", "2"], stdin: head)
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout == two.stdout)
    let lines = one.stdout.split(separator: "\n")
    #expect(lines.count == 3001)
    #expect(lines[0].hasPrefix("row,class,prediction,base_value,age,workclass"))
    #expect(lines[3000].hasPrefix("2999,,"))
    let noHeader = try Glassbox.run(["explain", "--model", model, "--data", "-", "--format", "csv", "--no-header"], stdin: head)
    #expect(noHeader.stdout.split(separator: "\n").count == 3000)
  }

  @Test("--out writes atomically: the file appears complete, no temporary is left")
  func atomicOut() throws {
    let scratch = ScratchFolder()
    let target = scratch.path + "/phi.jsonl"
    let run = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "0-99", "--out", target])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty)
    #expect(scratch.contents() == ["phi.jsonl"])
    let written = try String(contentsOfFile: target, encoding: .utf8)
    #expect(try Glassbox.jsonLines(written).count == 100)
  }

  @Test("a bad cell mid-file fails with file:line, column and value, and leaves no output file")
  func badCellNoPartialFile() throws {
    let scratch = ScratchFolder()
    let text = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8)
    var lines = text.split(separator: "\n").prefix(2001).map(String.init)
    lines[1500] = lines[1500].replacingOccurrences(of: "^[0-9]+,", with: "forty,", options: .regularExpression)
    let input = scratch.write("bad.csv", lines.joined(separator: "\n") + "\n")
    let target = scratch.path + "/phi.csv"
    let run = try Glassbox.run(["explain", "--model", model, "--data", input, "--format", "csv", "--out", target, "--on-bad-row", "fail"])
    #expect(run.status == 65)
    #expect(run.stderr.contains("bad.csv:1501"))
    #expect(run.stderr.contains("column 'age'"))
    #expect(run.stderr.contains("value 'forty'"))
    #expect(run.stderr.split(separator: "\n").count == 1)
    #expect(scratch.contents() == ["bad.csv"])
  }

  /// The first `rows` data rows of the shipped data with an age cell replaced in line
  /// `badAge.line` and the sex label misspelt in line `badSex` (0 is the header); the
  /// file's path and its lines.
  func plantedBadRows(_ scratch: ScratchFolder, rows: Int, badAge: (line: Int, cell: String), badSex: Int) throws
    -> (String, [String])
  {
    let text = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8)
    var lines = text.split(separator: "\n").prefix(rows + 1).map(String.init)
    lines[badAge.line] = lines[badAge.line].replacingOccurrences(
      of: "^[0-9]+,", with: badAge.cell + ",", options: .regularExpression)
    lines[badSex] = lines[badSex].replacingOccurrences(of: ",(Male|Female),", with: ",Mle,", options: .regularExpression)
    return (scratch.write("bad.csv", lines.joined(separator: "\n") + "\n"), lines)
  }

  @Test("--on-bad-row: the default skips, reports, counts and exits 65; skip exits 0; explain keeps the row with its findings")
  func badRowPolicies() throws {
    let scratch = ScratchFolder()
    let (input, _) = try plantedBadRows(scratch, rows: 10, badAge: (3, "forty"), badSex: 7)
    let byDefault = try Glassbox.run(["explain", "--model", model, "--data", input, "--format", "json"])
    #expect(byDefault.status == 65, "\(byDefault.stderr)")
    #expect(try Glassbox.jsonLines(byDefault.stdout).map { $0["row"] as? Int } == [0, 1, 3, 4, 5, 7, 8, 9])
    #expect(byDefault.stderr.contains("bad.csv"))
    #expect(byDefault.stderr.contains("2 of 10 rows had data errors and were skipped"))
    #expect(byDefault.stderr.contains("exit 65"))
    let skip = try Glassbox.run(["explain", "--model", model, "--data", input, "--format", "json", "--on-bad-row", "skip"])
    #expect(skip.status == 0, "\(skip.stderr)")
    #expect(skip.stdout == byDefault.stdout)
    let explain = try Glassbox.run(["explain", "--model", model, "--data", input, "--format", "json", "--on-bad-row", "explain"])
    let rows = try Glassbox.jsonLines(explain.stdout)
    try #require(rows.count == 10)
    let warnings = rows[2]["warnings"] as? [String] ?? []
    #expect(warnings.contains { $0.contains("age") && $0.contains("forty") })
    let ageValue = try #require(try rows[2].field("attributions", [[String: Any]].self).first)
    #expect(ageValue["value"] is NSNull)
    #expect(ageValue["attribution"] as? Double == 0)  // missing → the reference mean
  }

  @Test("rejected rows go to FILE.rejects.csv beside --out (or --rejects), with line, reason and fields; every input row is in one of the two")
  func rejectsFile() throws {
    let scratch = ScratchFolder()
    let (input, lines) = try plantedBadRows(scratch, rows: 20, badAge: (5, "\"4,0\""), badSex: 12)
    let out = scratch.path + "/phi.csv"
    let run = try Glassbox.run(["explain", "--model", model, "--data", input, "--format", "csv", "--out", out])
    #expect(run.status == 65)
    #expect(run.stderr.contains("phi.csv.rejects.csv"))
    let rejected = try String(contentsOfFile: out + ".rejects.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(rejected.count == 3)
    #expect(rejected[0].hasPrefix("line,reason,age,workclass"))
    #expect(rejected[1].hasPrefix("6,") && rejected[1].contains("'4,0'") && rejected[1].hasSuffix(lines[5]))
    #expect(rejected[2].hasPrefix("13,") && rejected[2].contains("Mle"))
    // Nothing lost: explained rows and rejected rows together are every input row.
    let explained = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").dropFirst()
      .map { try #require(Int($0.split(separator: ",")[0]), "not a row number: \($0)") }
    #expect(explained.count + rejected.count - 1 == 20)
    #expect(!explained.contains(4) && !explained.contains(11))
    // A clean run removes the stale rejects file of the earlier one; --rejects names another place.
    let clean = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "0-2", "--format", "csv", "--out", out])
    #expect(clean.status == 0)
    #expect(!FileManager.default.fileExists(atPath: out + ".rejects.csv"))
    let named = scratch.path + "/bad-rows.csv"
    let toStdout = try Glassbox.run(["explain", "--model", model, "--data", input, "--format", "csv", "--rejects", named, "--on-bad-row", "skip"])
    #expect(toStdout.status == 0)
    #expect(try String(contentsOfFile: named, encoding: .utf8).split(separator: "\n").count == 3)
  }

  @Test("--instance goes through the card's checks like a CSV row: a value outside the range fails, explain keeps it as missing")
  func instanceChecks() throws {
    let instance = "age=200,workclass=State-gov,education=Bachelors,education-num=13,marital-status=Never-married,occupation=Adm-clerical,relationship=Not-in-family,race=White,sex=Male,capital-gain=2174,capital-loss=0,hours-per-week=400,native-country=United-States"
    let failing = try Glassbox.run(["explain", "--model", "models/adult-xgboost.json", "--instance", instance, "--format", "json"])
    #expect(failing.status == 65)
    #expect(failing.stdout.isEmpty)
    #expect(failing.stderr.contains("column 'age', value '200'") && failing.stderr.contains("range"))
    #expect(failing.stderr.split(separator: "\n").count == 1)
    let kept = try Glassbox.run(
      ["explain", "--model", "models/adult-xgboost.json", "--instance", instance, "--format", "json", "--on-bad-row", "explain"])
    #expect(kept.status == 0)
    let line = try #require(try Glassbox.jsonLines(kept.stdout).first)
    let warnings = line["warnings"] as? [String] ?? []
    #expect(warnings.count == 2)
    #expect(warnings.contains { $0.hasPrefix("age: '200'") } && warnings.contains { $0.hasPrefix("hours-per-week: '400'") })
    let attributions = try #require(line["attributions"] as? [[String: Any]])
    #expect(attributions[0]["value"] is NSNull)
  }

  @Test("sensitive features: share of |attribution| and a counterfactual probe that flags flipped decisions")
  func sensitivityFooter() throws {
    let run = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "1", "--format", "json"])
    let line = try #require(try Glassbox.jsonLines(run.stdout).first)
    let sensitivity = try #require(line["sensitivity"] as? [String: Any])
    // The share equals Σ_sensitive |φ| / Σ |φ|, computed here from the attributions.
    let attributions = try line.field("attributions", [[String: Any]].self)
    let total = try attributions.reduce(0.0) { $0 + abs(try $1.number("attribution")) }
    let sensitive = try attributions.filter { ["age", "race", "sex"].contains(try $0.field("feature", String.self)) }
      .reduce(0.0) { $0 + abs(try $1.number("attribution")) }
    #expect(abs(try sensitivity.number("share") - sensitive / total) < 1e-12)
    let counterfactuals = try #require(sensitivity["counterfactuals"] as? [[String: Any]])
    let toFemale = try #require(counterfactuals.first { $0["to"] as? String == "Female" })
    #expect(toFemale["from"] as? String == "Male")
    // Flipping the sex code changes the margin by exactly w_sex · (0 − 1).
    let m = try modelJSON()
    let coefficients = try m.field("coefficients", [Double].self)
    try #require(coefficients.count == 13)
    let w = coefficients[8]
    let margin = try line.number("prediction")
    let expected = 1 / (1 + exp(-(margin - w)))
    #expect(abs(try toFemale.number("score") - expected) < 1e-12)
    #expect((toFemale["flipped"] as? Bool) == ((1 / (1 + exp(-margin)) >= 0.5) != (expected >= 0.5)))
    let table = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "1", "--format", "table"])
    #expect(table.stdout.contains("Sensitive features:"))
    #expect(table.stdout.contains("sex Male → Female"))
  }

  @Test("multi-class: JSON has one line per class; the table shows the predicted class, --class another")
  func multiclass() throws {
    let model = "Tests/Fixtures/trees/lgb-multiclass/model.txt", data = "Tests/Fixtures/trees/lgb-multiclass/X.csv"
    let json = try Glassbox.jsonLines(
      try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "0-4", "--format", "json"]).stdout)
    #expect(json.count == 15)
    for row in 0..<5 {
      let lines = json.filter { $0["row"] as? Int == row }
      #expect(lines.map { $0["class"] as? Int } == [0, 1, 2])
      let scores = try lines.map { (try $0.number("prediction"), try $0.field("class", Int.self)) }
      let predicted = try #require(scores.max { $0.0 < $1.0 }).1
      let table = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", String(row), "--format", "table"])
      #expect(table.stdout.contains("Row \(row) · class \(predicted) ·"))
      #expect(table.stdout.components(separatedBy: "Row \(row)").count == 2)
    }
    let other = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "0", "--format", "table", "--class", "0"])
    #expect(other.stdout.contains("Row 0 · class 0 ·"))
  }

  @Test("a value outside the card's declared range is a data error")
  func cardRange() throws {
    let scratch = ScratchFolder()
    let text = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8)
    var lines = text.split(separator: "\n").prefix(3).map(String.init)
    lines[2] = lines[2].replacingOccurrences(of: "^[0-9]+,", with: "150,", options: .regularExpression)
    let input = scratch.write("old.csv", lines.joined(separator: "\n") + "\n")
    let run = try Glassbox.run(["explain", "--model", model, "--data", input, "--format", "json", "--on-bad-row", "fail"])
    #expect(run.status == 65)
    #expect(run.stderr.contains("old.csv:3, column 'age', value '150'"))
  }

  @Test("table and markdown reports show labels, units, and the folded rest")
  func humanReports() throws {
    let table = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "1", "--format", "table", "--top", "5"])
    #expect(table.status == 0)
    #expect(table.stdout.contains("relationship = Husband"))
    #expect(table.stdout.contains("8 other features"))
    #expect(table.stdout.contains("probability"))
    #expect(table.stdout.contains("█"))
    #expect(!table.stdout.contains("\u{1B}["))  // NO_COLOR is set by the runner
    let markdown = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "1", "--format", "markdown"])
    #expect(markdown.stdout.contains("| feature | value | contribution |"))
    #expect(markdown.stdout.contains("| relationship | Husband |"))
  }

  @Test("inspect describes the model and its card")
  func inspect() throws {
    let run = try Glassbox.run(["inspect", "--model", model])
    #expect(run.status == 0)
    #expect(run.stdout.contains("glassbox-linear"))
    #expect(run.stdout.contains("logit"))
    #expect(run.stdout.contains("sex"))
    let json = try Glassbox.run(["inspect", "--model", model, "--format", "json"])
    #expect(try jsonObject(json.stdout).field("feature_list", [Any].self).count == 13)
    // Typed values: counts are numbers, flags booleans, lists arrays.
    let object = try jsonObject(json.stdout)
    #expect(try object.field("outputs", Int.self) == 1)
    #expect(try object.field("features", Int.self) == 13)
    #expect(try object.field("coefficients", Int.self) == 14)
    #expect(try object.field("stored_means", Bool.self) == true)
    #expect(try object.field("classes", [String].self) == ["<=50K", ">50K"])
    #expect(try object.field("positive_class", String.self) == ">50K")
    let trees = try jsonObject(try Glassbox.run(["inspect", "--model", Glassbox.root + "/models/adult-xgboost.json", "--format", "json"]).stdout)
    #expect(try trees.field("trees", Int.self) == 120)
    #expect(try trees.field("max_depth", Int.self) == 6)
    #expect(try trees.field("categorical_features", [String].self) == [])
  }
}
