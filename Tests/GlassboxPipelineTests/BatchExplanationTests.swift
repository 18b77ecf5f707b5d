import Foundation
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxReports
import GlassboxTestSupport
import Testing

@testable import GlassboxPipeline

/// Collects what the pipeline writes.
final class TextBuffer: TextOutput {
  var text = ""
  var flushes = 0
  func write(_ text: String) throws { self.text += text }
  func flush() throws { flushes += 1 }
}

@Suite("Batch pipeline: rows streamed to explanations in input order")
struct BatchExplanationTests {
  /// A CSV of the first `count` Adult rows, with one bad cell planted in row `bad`.
  func adultCSV(rows count: Int, badRow bad: Int? = nil) throws -> String {
    let text = try String(contentsOfFile: repositoryRoot + "/datasets/adult.csv", encoding: .utf8)
    var lines = Array(text.split(separator: "\n").prefix(count + 1).map(String.init))
    if let bad { lines[bad + 1] = "abc" + lines[bad + 1].drop { $0 != "," } }
    return lines.joined(separator: "\n") + "\n"
  }

  func run(
    _ csv: String, model: LoadedModel, threads: Int, blockSize: Int, configure: (inout BatchExplanation.Options) -> Void = { _ in }
  ) throws -> (String, BatchExplanation.Summary, [String]) {
    let directory = try TemporaryDirectory()
    let path = try directory.write("input.csv", csv)
    let explainer = try ExplainerRegistry.make(ExplainerSetup(method: "auto"), model: model)
    let context = ReportContext(
      schema: model.schema, modelName: "m", transform: model.model.transform, classNames: model.model.classNames,
      method: explainer.method)
    let renderer = try #require(ExplanationFormats.named("csv")).make(RenderSettings(context: context, style: TerminalStyle()))
    var options = BatchExplanation.Options()
    options.threads = threads
    options.blockSize = blockSize
    configure(&options)
    let batch = try BatchExplanation(
      reader: try CSVReader(path: path), schema: model.schema, explainer: explainer, renderer: renderer, options: options)
    let output = TextBuffer()
    var reports: [String] = []
    let summary = try batch.run(into: output) { reports.append($0.message) }
    return (output.text, summary, reports)
  }

  @Test("output equals the explainer's own results row by row, whatever the threads and block size")
  func sameAsDirectExplanations() throws {
    let model = try shippedModel("adult-xgboost.json")
    let csv = try adultCSV(rows: 300)
    let rows = try adultRows(300, schema: model.schema)
    let explainer = try ExplainerRegistry.make(ExplainerSetup(method: "auto"), model: model)
    let context = ReportContext(
      schema: model.schema, modelName: "m", transform: model.model.transform, classNames: model.model.classNames,
      method: explainer.method)
    let expected = CSVRenderer(context: context).render(try explainer.explain(rows, featureCount: model.schema.count))
    for (threads, blockSize) in [(1, 1024), (2, 7), (3, 64)] {
      let (text, summary, reports) = try run(csv, model: model, threads: threads, blockSize: blockSize)
      #expect(text == expected, "threads \(threads), blocks of \(blockSize)")
      #expect(summary.explained == 300 && summary.selected == 300 && summary.skipped == 0)
      #expect(reports.isEmpty)
    }
  }

  @Test("a bad row is reported with its line and left out under skip; selection and class filter apply")
  func badRowsAndSelection() throws {
    let model = try shippedModel("adult-logistic.json")
    let csv = try adultCSV(rows: 50, badRow: 10)
    let (text, summary, reports) = try run(csv, model: model, threads: 2, blockSize: 8) {
      $0.selection = try? RowSelection("5-14")
    }
    #expect(summary.selected == 10)
    #expect(summary.explained == 9)
    #expect(summary.skipped == 1)
    #expect(reports.count == 1)
    #expect(reports.first?.contains("row 10 (line 12)") == true, "\(reports)")
    let rowsOut = text.split(separator: "\n").map { Int($0.split(separator: ",")[0]) }
    #expect(rowsOut == [5, 6, 7, 8, 9, 11, 12, 13, 14])
  }

  @Test("fail stops at the first bad row with its place")
  func failPolicyStops() throws {
    let model = try shippedModel("adult-logistic.json")
    let csv = try adultCSV(rows: 20, badRow: 3)
    #expect {
      _ = try run(csv, model: model, threads: 2, blockSize: 4) { $0.badRows = .fail }
    } throws: { error in
      String(describing: error).contains(":5")
    }
  }
}

@Suite("Model formats: one registry, detection by content")
struct ModelFormatRegistryTests {
  @Test("each shipped model is recognised by exactly one format, the one that loads it")
  func exactlyOneFormatPerFile() throws {
    let files = ["adult-xgboost.json": "xgboost-json", "adult-lightgbm.txt": "lightgbm-text", "adult-logistic.json": "glassbox-linear"]
    let names = ModelFormats.all.map(\.name)
    #expect(Set(names).count == names.count, "a format name is listed twice")
    #expect(
      Set(["glassbox-linear", "xgboost-json", "xgboost-ubjson", "lightgbm-text", "lightgbm-dump-json", "glassbox-trees",
        "catboost-json", "onnx-trees"])
        .isSubset(of: names))
    for (name, formatName) in files {
      let path = repositoryRoot + "/models/" + name
      let file = ModelFile(path: path, bytes: try ByteSource.contents(of: path))
      let matching = ModelFormats.all.filter { $0.recognizes(file) }.map(\.name)
      #expect(matching == [formatName], "\(name)")
      #expect(try ModelLoader.load(path: path).format == formatName)
    }
  }

  @Test("models answer their additivity tolerance: float32 sums (XGBoost) 1e-5, double 1e-9")
  func additivityTolerance() throws {
    #expect(try shippedModel("adult-xgboost.json").model.additivityTolerance == 1e-5)
    #expect(try shippedModel("adult-lightgbm.txt").model.additivityTolerance == 1e-9)
    #expect(try shippedModel("adult-logistic.json").model.additivityTolerance == 1e-9)
  }

  @Test("a file no format recognises names the most specific reason and the supported formats")
  func unrecognisedFiles() throws {
    let directory = try TemporaryDirectory()
    let cases: [(String, String)] = [
      ("", "the file is empty"), ("hello", "it is not JSON"), ("[1,2]", "the JSON is not an object"), ("{\"format\":\"x\"}", "unknown format \"x\""),
      ("{\"a\":1}", "no \"format\" member"), ("{i\u{4}name", "UBJSON"),
    ]
    for (content, hint) in cases {
      let path = try directory.write("m.json", content)
      #expect {
        _ = try ModelLoader.load(path: path)
      } throws: { error in
        let text = String(describing: error)
        return text.contains(hint) && text.contains("XGBoost JSON") && text.contains("LightGBM text")
      }
    }
  }
}

@Suite("Library example (docs/library.md)")
struct LibraryExampleTests {
  @Test("the example streams the same JSON Lines as glassbox explain")
  func exampleMatchesCommand() throws {
    let folder = URL(fileURLWithPath: repositoryRoot + "/.build/debug")
    let example = folder.appendingPathComponent("glassbox-library-example").path
    let glassbox = folder.appendingPathComponent("glassbox").path
    try #require(FileManager.default.isExecutableFile(atPath: example), "build with swift build --build-tests first")
    let directory = try TemporaryDirectory()
    let text = try String(contentsOfFile: repositoryRoot + "/datasets/adult.csv", encoding: .utf8)
    let csv = try directory.write("rows.csv", text.split(separator: "\n").prefix(101).joined(separator: "\n") + "\n")
    func output(_ binary: String, _ arguments: [String]) throws -> (String, Int32) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = arguments
      process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
      let pipe = Pipe()
      process.standardOutput = pipe
      process.standardError = FileHandle.nullDevice
      try process.run()
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }
    let (library, status) = try output(example, ["models/adult-xgboost.json", csv])
    let (command, _) = try output(
      glassbox, ["explain", "--model", "models/adult-xgboost.json", "--data", csv, "--format", "json"])
    #expect(status == 0)
    #expect(library.split(separator: "\n").count == 100)
    // The command also probes the card's sensitive features (a last "sensitivity" member).
    let libraryLines = library.split(separator: "\n"), commandLines = command.split(separator: "\n")
    #expect(libraryLines.count == commandLines.count)
    for (a, b) in zip(libraryLines, commandLines) {
      #expect(b.hasPrefix(a.dropLast() + ",\"sensitivity\":"))
    }
  }
}
