import Foundation
import GlassboxData
@testable import GlassboxModels
import GlassboxTestSupport
import Testing

/// ONNX tree ensembles written by skl2onnx and onnxmltools (and one opset-5 `TreeEnsemble`)
/// against onnxruntime's outputs (fixtures from tools/make_fixtures_catboost_onnx.py).
@Suite("ONNX tree ensembles: margins equal onnxruntime's")
struct ONNXTreesTests {
  static let cases = FixtureIndex.cases(kind: "onnx")

  struct Case {
    let model: TreeEnsemble
    let expected: JSONObject
    let rows: [Double]
    let count: Int

    init(_ name: String) throws {
      let dir = fixturesDirectory + "/onnx/" + name
      model = try #require(try ModelLoader.load(path: dir + "/model.onnx").model as? TreeEnsemble)
      expected = try #require(try JSONParser.parseFile(dir + "/expected.json").object)
      (rows, count) = try TreeFixture.readCSV(dir + "/X.csv")
    }

    func flat(_ value: JSONValue?) -> [Double] {
      var out: [Double] = []
      func walk(_ v: JSONValue) { if let a = v.array { a.forEach(walk) } else if let d = v.number { out.append(d) } }
      if let value { walk(value) }
      return out
    }
  }

  @Test("the index lists the ONNX cases, with all their files")
  func indexListsTheCases() {
    #expect(FixtureIndex.expectComplete(Self.cases) == 6)
  }

  /// onnxruntime sums float32 leaf weights in float32, glassbox in double: the margins agree
  /// to float32 rounding. Every row takes the same leaves (a different leaf would be off
  /// by far more than 1e-5).
  @Test("scores equal onnxruntime's to float32 rounding", arguments: cases.map(\.name))
  func scores(_ name: String) throws {
    let c = try Case(name)
    let k = c.model.outputCount
    let margins = c.model.predictMargins(c.rows)
    var responses: [Double] = []
    for r in 0..<c.count { responses += c.model.responses(fromMargins: margins[(r * k)..<(r * k + k)]) }
    let ort = c.flat(c.expected["ort_scores"])
    let width = ort.count / c.count
    // A one-output classifier: onnxruntime's second column is the class the score is for.
    let compared = width == k ? ort : (0..<c.count).map { ort[$0 * width + width - 1] }
    #expect(compared.count == responses.count)
    let worst = zip(responses, compared).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
    print("\(name): glassbox vs onnxruntime max rel error \(worst)")
    #expect(worst <= 2e-6, "max rel error \(worst)")
    #expect(c.model.facts.first { $0.key == "library" }?.value.contains(c.expected["writer"]?.string ?? "?") == true)
  }

  @Test("margins equal the source library's raw output to float32 rounding", arguments: cases.map(\.name))
  func margins(_ name: String) throws {
    let c = try Case(name)
    let margins = c.model.predictMargins(c.rows)
    let expected = c.flat(c.expected["margin"])
    #expect(margins.count == expected.count)
    let worst = zip(margins, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
    #expect(worst <= 2e-5, "max rel error \(worst)")
  }

  @Test("malformed protobuf is a one-line error with the byte offset")
  func malformed() throws {
    let bytes = Array(try ByteSource.contents(of: fixturesDirectory + "/onnx/onnx-rf-regressor/model.onnx"))
    for cut in [bytes.count / 3, bytes.count - 5] {
      do {
        _ = try ModelLoader.decode(Array(bytes[0..<cut]), path: "m.onnx")
        Issue.record("a truncated file loaded")
      } catch {
        #expect("\(error)".contains("byte ") && "\(error)".contains("malformed ONNX"), "\(error)")
        #expect(!"\(error)".contains("\n"))
      }
    }
  }

  @Test("operators glassbox cannot follow are refused by name")
  func refusedOperators() throws {
    let bytes = Array(try ByteSource.contents(of: fixturesDirectory + "/onnx/onnx-gb-binary-zipmap/model.onnx"))
    // Rename the ZipMap operator (and its node's name; same length) to one glassbox does not read.
    let zipmap = Array("ZipMap".utf8)
    var changed = bytes
    var renamed = 0
    for at in 0..<(bytes.count - zipmap.count) where bytes[at..<(at + zipmap.count)].elementsEqual(zipmap) {
      changed.replaceSubrange(at..<(at + zipmap.count), with: Array("Scaler".utf8))
      renamed += 1
    }
    #expect(renamed >= 1)
    do {
      _ = try ModelLoader.decode(changed, path: "m.onnx")
      Issue.record("a Scaler node was accepted")
    } catch {
      #expect("\(error)".contains("Scaler"), "\(error)")
    }
  }
}
