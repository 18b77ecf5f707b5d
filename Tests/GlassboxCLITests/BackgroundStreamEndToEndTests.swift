import Foundation
import GlassboxTestSupport
import Testing

/// `explain --method tree-interventional --background` read streaming: the built binary with
/// the background split in chunks (`GLASSBOX_BACKGROUND_CHUNK_ROWS`) writes the bytes the
/// whole load writes, apart from the algorithm note that says so; the reports state the rows
/// used; a bad background cell keeps its one-line message.
@Suite("glassbox explain: background streamed in chunks, end to end")
struct BackgroundStreamEndToEndTests {
  let base = [
    "explain", "--model", "models/adult-xgboost.json", "--method", "tree-interventional",
    "--data", "datasets/adult-test.csv", "--rows", "0-19",
  ]

  @Test("JSON and table: chunks of 5,000 rows give the whole load's bytes; the note states the rows")
  func identical() throws {
    for format in ["json", "table"] {
      let args = base + ["--background", "datasets/adult.csv", "--format", format]
      let whole = try Glassbox.run(args)
      let chunked = try Glassbox.run(args, environment: ["GLASSBOX_BACKGROUND_CHUNK_ROWS": "5000"])
      #expect(whole.status == 0 && chunked.status == 0, "\(whole.stderr) \(chunked.stderr)")
      #expect(whole.stdout.contains("interventional (decision patterns, 32561 background rows)"))
      #expect(!whole.stdout.contains("streamed"))
      let note = "32561 background rows streamed in 7 chunks"
      #expect(chunked.stdout.contains(note), "\(format): \(chunked.stdout.prefix(600))")
      #expect(chunked.stdout.replacingOccurrences(of: " streamed in 7 chunks", with: "") == whole.stdout, "\(format)")
      #expect(chunked.stderr == whole.stderr)
      if format == "json" {
        let lines = try Glassbox.jsonLines(chunked.stdout)
        #expect(lines.count == 20)
        for line in lines { #expect((line["algorithm"] as? String)?.contains(note) == true) }
      }
    }
  }

  @Test("--background-sample: the JSON states the rows used")
  func sample() throws {
    let run = try Glassbox.run(
      base + ["--background", "datasets/adult.csv", "--background-sample", "500", "--format", "json"],
      environment: ["GLASSBOX_BACKGROUND_CHUNK_ROWS": "5000"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = try Glassbox.jsonLines(run.stdout)
    #expect(lines.count == 20)
    #expect(lines.first?["algorithm"] as? String == "interventional (decision patterns, 500 background rows)")
  }

  @Test("a bad background cell in a later chunk fails with the same one-line message and code 65")
  func badCell() throws {
    let dir = try TemporaryDirectory()
    var lines = try String(contentsOfFile: Glassbox.root + "/datasets/adult.csv", encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines[12_345] = "forty" + lines[12_345].drop { $0 != "," }
    let path = try dir.write("bad.csv", lines.joined(separator: "\n"))
    let args = base + ["--background", path, "--format", "json"]
    let whole = try Glassbox.run(args)
    let chunked = try Glassbox.run(args, environment: ["GLASSBOX_BACKGROUND_CHUNK_ROWS": "1000"])
    #expect(whole.status == 65 && chunked.status == 65)
    #expect(chunked.stderr == whole.stderr)
    #expect(chunked.stderr.contains("bad.csv") && chunked.stderr.contains("12346"), "\(chunked.stderr)")
    #expect(chunked.stderr.split(separator: "\n").count == 1)
    #expect(chunked.stdout.isEmpty)
  }

  @Test("report: the HTML page (data checks against the background's profile included) is the same bytes")
  func report() throws {
    let dir = try TemporaryDirectory()
    func page(_ chunkRows: String) throws -> String {
      let out = dir.file("report-\(chunkRows).html")
      let run = try Glassbox.run(
        [
          "report", "--model", "models/adult-xgboost.json", "--method", "tree-interventional",
          "--background", "datasets/adult.csv", "--data", "datasets/adult-test.csv", "--rows", "0-29", "--out", out,
        ], environment: ["GLASSBOX_BACKGROUND_CHUNK_ROWS": chunkRows])
      #expect(run.status == 0, "\(run.stderr)")
      return try String(contentsOfFile: out, encoding: .utf8)
    }
    let whole = try page("100000000")
    #expect(whole.contains("background datasets/adult.csv"))
    #expect(try page("5000") == whole)
  }
}
