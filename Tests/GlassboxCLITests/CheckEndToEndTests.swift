import Foundation
import Testing

/// `glassbox check`, end to end: JSON fields, exit statuses, planted problems.
@Suite("glassbox check, end to end")
struct CheckEndToEndTests {
  let model = "models/adult-logistic.json"
  let train = "datasets/adult.csv"
  let test = "datasets/adult-test.csv"

  /// The single JSON document of a run.
  func document(_ run: GlassboxRun) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    return try #require(object as? [String: Any], "stdout: \(run.stdout.prefix(400))")
  }

  func findings(_ doc: [String: Any]) throws -> [[String: Any]] {
    try #require(doc["findings"] as? [[String: Any]])
  }

  /// The first `rows` data lines of adult.csv, with `edit(row, cells)` applied.
  func adultSample(rows: Int, edit: (Int, inout [String]) -> Void = { _, _ in }) throws -> String {
    let text = try String(contentsOfFile: Glassbox.root + "/" + train, encoding: .utf8)
    let lines = text.split(separator: "\n").prefix(rows + 1).map(String.init)
    var out = [lines[0]]
    for (i, line) in lines.dropFirst().enumerated() {
      var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      edit(i, &cells)
      out.append(cells.joined(separator: ","))
    }
    return out.joined(separator: "\n") + "\n"
  }

  @Test("--strict passes on adult-test.csv against adult.csv: no error-level finding")
  func adultTestIsClean() throws {
    let run = try Glassbox.run([
      "check", "--model", model, "--data", test, "--background", train, "--label", "income", "--format", "json", "--strict",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let doc = try document(run)
    #expect(doc["rows"] as? Int == 16281)
    #expect(doc["errors"] as? Int == 0)
    #expect((doc["warnings"] as? Int ?? 0) > 0, "missing values (?) and duplicate rows are warnings")
    let columns = try #require(doc["columns"] as? [[String: Any]])
    #expect(columns.count == 13)
    let age = try #require(columns.first { $0["name"] as? String == "age" })
    #expect(age["missing"] as? Int == 0)
    #expect(age["min"] as? Int == 17 && age["max"] as? Int == 90)
    #expect((age["psi"] as? Double ?? 1) < 0.1)
    #expect(age["stability"] as? String == "stable")
    let workclass = try #require(columns.first { $0["name"] as? String == "workclass" })
    #expect(workclass["missing"] as? Int == 963)
    let label = try #require(doc["label"] as? [String: Any])
    let classes = try #require(label["classes"] as? [[String: Any]])
    #expect(classes.map { $0["value"] as? String } == ["<=50K", ">50K"])
    #expect(classes.map { $0["count"] as? Int } == [12435, 3846])
  }

  @Test("planted errors: found by row and column, --strict exits 1, without it 0")
  func plantedErrors() throws {
    let scratch = ScratchFolder()
    let path = scratch.write("d.csv", try adultSample(rows: 40) { i, c in
      if i == 3 { c[0] = "abc" }  // age: type
      if i == 5 { c[8] = "Mle" }  // sex: label
      if i == 7 { c[10] = "9999" }  // capital-loss: beyond the card's 4356
      if i == 9 { c[11] = "-40" }  // hours-per-week: beyond the card's range [1, 99]
    })
    let strict = try Glassbox.run(["check", "--model", model, "--data", path, "--background", train, "--format", "json", "--strict"])
    #expect(strict.status == 1, "\(strict.stderr)")
    #expect(strict.stderr.isEmpty, "the report is the message: \(strict.stderr)")
    let doc = try document(strict)
    #expect(doc["errors"] as? Int == 4)
    let list = try findings(doc)
    func has(_ row: Int, _ column: String, _ kind: String) -> Bool {
      list.contains {
        $0["row"] as? Int == row && $0["column"] as? String == column && $0["kind"] as? String == kind
          && $0["severity"] as? String == "error" && $0["line"] as? Int == row + 2
      }
    }
    #expect(has(3, "age", "type"))
    #expect(has(5, "sex", "label"))
    #expect(has(7, "capital-loss", "range"))
    #expect(has(9, "hours-per-week", "range"))
    let lenient = try Glassbox.run(["check", "--model", model, "--data", path, "--format", "json"])
    #expect(lenient.status == 0, "\(lenient.stderr)")
  }

  @Test("a missing feature column is reported with the rest, and fails --strict")
  func missingColumn() throws {
    let scratch = ScratchFolder()
    var text = try adultSample(rows: 20) { i, c in if i == 2 { c[0] = "x" } }
    text = text.replacingOccurrences(of: ",workclass,", with: ",employer,")
    let path = scratch.write("d.csv", text)
    let run = try Glassbox.run(["check", "--model", model, "--data", path, "--format", "json", "--strict"])
    #expect(run.status == 1)
    let list = try findings(try document(run))
    let schema = list.filter { $0["kind"] as? String == "schema" }
    #expect(schema.count == 1)
    #expect(schema.first?["column"] as? String == "workclass")
    #expect(schema.first?["row"] is NSNull)
    #expect((schema.first?["detail"] as? String)?.contains("no column 'workclass'") == true)
    #expect(list.contains { $0["row"] as? Int == 2 && $0["column"] as? String == "age" && $0["kind"] as? String == "type" })
  }

  @Test("the table names the verdict, counts and columns")
  func table() throws {
    let scratch = ScratchFolder()
    let path = scratch.write("d.csv", try adultSample(rows: 30) { i, c in if i == 4 { c[0] = "200" } })
    let run = try Glassbox.run(["check", "--model", model, "--data", path, "--background", train, "--format", "table"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("1 error,"))
    #expect(run.stdout.contains("row 4 age"))
    #expect(run.stdout.contains("outside the card's range [17, 90]"))
    #expect(run.stdout.contains("Columns"))
    #expect(run.stdout.contains("hours-per-week"))
  }

  @Test("file-level problems stay errors: 66 for a missing file, 65 for malformed CSV")
  func fileErrors() throws {
    let missing = try Glassbox.run(["check", "--model", model, "--data", "nope.csv"])
    #expect(missing.status == 66)
    #expect(missing.stderr.contains("nope.csv"))
    let scratch = ScratchFolder()
    let bad = scratch.write("bad.csv", try adultSample(rows: 3) + "39,\"State-gov,Bachelors\n")
    let malformed = try Glassbox.run(["check", "--model", model, "--data", bad, "--strict"])
    #expect(malformed.status == 65, "\(malformed.stderr)")
    #expect(malformed.stderr.contains("bad.csv:5"))
    let noBackground = try Glassbox.run(["check", "--model", model, "--data", test, "--background", "nope.csv"])
    #expect(noBackground.status == 66)
    let usage = try Glassbox.run(["check", "--model", model, "--data", test, "--max-findings", "-1"])
    #expect(usage.status == 64)
  }

  @Test("--out writes the report atomically; threads do not change it")
  func outAndThreads() throws {
    let scratch = ScratchFolder()
    let one = scratch.path + "/one.json", four = scratch.path + "/four.json"
    let a = try Glassbox.run(["check", "--model", model, "--data", test, "--background", train, "--threads", "1", "--out", one])
    let b = try Glassbox.run(["check", "--model", model, "--data", test, "--background", train, "--threads", "4", "--out", four])
    #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
    let x = try String(contentsOfFile: one, encoding: .utf8), y = try String(contentsOfFile: four, encoding: .utf8)
    #expect(!x.isEmpty && x == y)
    #expect(scratch.contents().sorted() == ["four.json", "one.json"])
  }

  @Test("rows with errors go whole to the rejects file, every one of them, in order, whatever the threads")
  func rejectsFile() throws {
    let scratch = ScratchFolder()
    // Every 7th row has an age the card does not allow; every 11th a sex it does not know.
    let badRows = (0..<600).filter { $0 % 7 == 3 || $0 % 11 == 5 }
    let path = scratch.write("d.csv", try adultSample(rows: 600) { i, c in
      if i % 7 == 3 { c[0] = "200" }
      if i % 11 == 5 { c[8] = "Mle" }
    })
    let sample = try adultSample(rows: 600).split(separator: "\n").map(String.init)
    var files: [String] = []
    for threads in ["1", "3"] {
      let report = scratch.path + "/report\(threads).json"
      let run = try Glassbox.run([
        "check", "--model", model, "--data", path, "--strict", "--out", report, "--max-findings", "2",
        "--threads", threads, "--format", "json",
      ])
      #expect(run.status == 1, "\(run.stderr)")
      #expect(run.stderr.contains("\(badRows.count) of 600 rows have error-level findings"), "\(run.stderr)")
      let rejects = try String(contentsOfFile: report + ".rejects.csv", encoding: .utf8)
      let lines = rejects.split(separator: "\n").map(String.init)
      #expect(lines.count == badRows.count + 1, "one line per bad row, beyond --max-findings")
      #expect(lines.first == "line,reason," + sample[0])
      // Each rejected line: its line number, a reason naming the column, the row's fields as read.
      let edited = try adultSample(rows: 600) { i, c in
        if i % 7 == 3 { c[0] = "200" }
        if i % 11 == 5 { c[8] = "Mle" }
      }.split(separator: "\n").map(String.init)
      for (k, row) in badRows.enumerated() where k < lines.count - 1 {
        let line = lines[k + 1]
        #expect(line.hasPrefix("\(row + 2),\""), "\(line)")
        #expect(line.hasSuffix("," + edited[row + 1]), "\(line)")
        #expect(line.contains(row % 7 == 3 ? "column 'age'" : "column 'sex'"))
      }
      files.append(rejects)
    }
    #expect(files[0] == files[1])

    // A clean run with the same --out removes the stale rejects file beside it.
    let clean = scratch.write("clean.csv", try adultSample(rows: 50))
    let report = scratch.path + "/report1.json"
    let run = try Glassbox.run(["check", "--model", model, "--data", clean, "--strict", "--out", report])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: report + ".rejects.csv"))
    // A named rejects file is written without --strict and holds its header when no row is bad.
    let named = scratch.path + "/named.csv"
    let plain = try Glassbox.run(["check", "--model", model, "--data", clean, "--rejects", named, "--format", "json"])
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(try String(contentsOfFile: named, encoding: .utf8) == "line,reason," + sample[0] + "\n")
  }
}
