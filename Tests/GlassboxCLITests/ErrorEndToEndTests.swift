import Foundation
import Testing

/// Every user mistake: one line on stderr, a sysexits status, never a crash.
@Suite("glassbox errors, end to end")
struct ErrorEndToEndTests {
  let model = "models/adult-logistic.json"
  let data = "datasets/adult.csv"

  func expectOneLineError(_ run: GlassboxRun, status: Int32, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == status, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.split(separator: "\n").count == 1, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    for text in mentions {
      #expect(run.stderr.contains(text), "stderr lacks '\(text)': \(run.stderr)", sourceLocation: sourceLocation)
    }
    #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
  }

  @Test("missing model file: 66")
  func missingModel() throws {
    expectOneLineError(try Glassbox.run(["explain", "--model", "nope.json", "--data", data]), status: 66, mentions: ["nope.json", "No such file"])
  }

  @Test("missing data file: 66")
  func missingData() throws {
    expectOneLineError(try Glassbox.run(["explain", "--model", model, "--data", "nope.csv"]), status: 66, mentions: ["nope.csv"])
  }

  @Test("malformed model JSON: 65 with line and column")
  func malformedJSON() throws {
    let scratch = ScratchFolder()
    let path = scratch.write("m.json", "{\n  \"format\": \"glassbox-linear\",\n  \"features\": [\"a\" \"b\"]\n}\n")
    expectOneLineError(try Glassbox.run(["explain", "--model", path, "--instance", "a=1"]), status: 65, mentions: ["m.json:3:20", "malformed JSON"])
  }

  @Test("truncated model JSON: 65, says it ends early")
  func truncatedJSON() throws {
    let scratch = ScratchFolder()
    let path = scratch.write("m.json", "{\"format\":\"glassbox-linear\",\"features\":[\"a\",")
    expectOneLineError(try Glassbox.run(["inspect", "--model", path]), status: 65, mentions: ["truncated"])
  }

  @Test("inconsistent linear model: 65 naming the field")
  func inconsistentModel() throws {
    let scratch = ScratchFolder()
    let path = scratch.write("m.json", #"{"format":"glassbox-linear","version":1,"features":["a","b"],"coefficients":[1],"intercept":0,"link":"logit"}"#)
    expectOneLineError(try Glassbox.run(["inspect", "--model", path]), status: 65, mentions: ["coefficients", "1 coefficients for 2 features"])
  }

  @Test("a data file without a feature column: 65 naming it")
  func missingColumn() throws {
    let scratch = ScratchFolder()
    let path = scratch.write("d.csv", "age,sex\n39,Male\n")
    expectOneLineError(try Glassbox.run(["explain", "--model", model, "--data", path]), status: 65, mentions: ["no column 'workclass'"])
  }

  @Test("an unknown label: 65 naming line, column and label")
  func unknownLabel() throws {
    let scratch = ScratchFolder()
    let text = try String(contentsOfFile: Glassbox.root + "/" + data, encoding: .utf8)
    var lines = text.split(separator: "\n").prefix(4).map(String.init)
    lines[3] = lines[3].replacingOccurrences(of: ",Male,", with: ",Mle,")
    let path = scratch.write("d.csv", lines.joined(separator: "\n") + "\n")
    expectOneLineError(
      try Glassbox.run(["explain", "--model", model, "--data", path, "--on-bad-row", "fail"]), status: 65,
      mentions: ["d.csv:4", "column 'sex'", "value 'Mle'", "unknown label", "Female"])
  }

  @Test("an unknown feature in --instance: 64")
  func unknownInstanceFeature() throws {
    expectOneLineError(try Glassbox.run(["explain", "--model", model, "--instance", "agee=3"]), status: 64, mentions: ["agee"])
  }

  @Test("bad flag combinations: 64")
  func badFlags() throws {
    expectOneLineError(
      try Glassbox.run(["explain", "--model", model, "--data", data, "--instance", "age=1"]), status: 64, mentions: ["either --data or --instance"])
    expectOneLineError(try Glassbox.run(["explain", "--model", model]), status: 64, mentions: ["--data", "explain --help"])
    expectOneLineError(try Glassbox.run(["explain", "--model", model, "--data", data, "--bogus"]), status: 64, mentions: ["--bogus"])
    expectOneLineError(try Glassbox.run(["explain", "--data", data]), status: 64, mentions: ["--model"])
    let badRows = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "5-2"])
    #expect(badRows.status == 64 && badRows.stderr.contains("runs backwards"))
    let badFormat = try Glassbox.run(["explain", "--model", model, "--data", data, "--format", "xml"])
    #expect(badFormat.status == 64)
  }

  @Test("rows beyond the end of the data: an error, not silence")
  func rowsBeyondEnd() throws {
    let run = try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "40000", "--format", "json"])
    #expect(run.status == 64)
    #expect(run.stderr.contains("only 0 of the 1 selected rows"))
  }

  @Test("an unwritable --out: 73")
  func unwritableOut() throws {
    expectOneLineError(
      try Glassbox.run(["explain", "--model", model, "--data", data, "--rows", "0", "--out", "/nonexistent/dir/x.json"]),
      status: 73, mentions: ["/nonexistent/dir/x.json"])
  }

  @Test("an unterminated quote in the CSV: 65 with the line")
  func unterminatedQuote() throws {
    let scratch = ScratchFolder()
    let header = "age,workclass,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country"
    let path = scratch.write("q.csv", header + "\n\"39,State-gov,Bachelors,13,Never-married,Adm-clerical,Not-in-family,White,Male,0,0,40,United-States\n")
    expectOneLineError(try Glassbox.run(["explain", "--model", model, "--data", path]), status: 65, mentions: ["q.csv:2", "never closed"])
  }
}
