import Foundation
import GlassboxData
@testable import GlassboxModels
import GlassboxTestSupport
import Testing

/// CatBoost JSON, LightGBM linear trees and multiclassova, against the libraries' own outputs
/// (fixtures from tools/make_fixtures_catboost_onnx.py). Margins and path-dependent SHAP
/// values of the CatBoost and multiclassova cases are also checked by the suites that run
/// over every tree fixture.
@Suite("More formats: CatBoost JSON, LightGBM linear trees and multiclassova")
struct MoreFormatsTests {
  static let linearCases = FixtureIndex.cases(kind: "linear-trees")
  static let catboostCases = TreeFixture.cases(prefix: "cb-")

  static func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
  }

  @Test("the index lists the linear-tree and CatBoost cases, with all their files")
  func indexListsTheCases() {
    #expect(FixtureIndex.expectComplete(Self.linearCases) == 2)
    #expect(Self.catboostCases.count == 5)
  }

  @Test("linear trees: margins equal LightGBM's raw scores", arguments: linearCases.map(\.name))
  func linearMargins(_ name: String) throws {
    let dir = fixturesDirectory + "/linear-trees/" + name
    let loaded = try ModelLoader.load(path: dir + "/model.txt")
    let model = try #require(loaded.model as? LinearTreeEnsemble)
    let expected = try JSONParser.parseFile(dir + "/expected.json").object
    let margin = try #require(expected?["margin"]?.array).compactMap { $0.array?.first?.number }
    let prediction = try #require(expected?["prediction"]?.array).compactMap { $0.array?.first?.number }
    let (rows, count) = try TreeFixture.readCSV(dir + "/X.csv")
    let margins = model.predictMargins(rows)
    #expect(margins.count == count && margin.count == count)
    #expect(Self.maxRelativeError(margins, margin) <= 1e-12, "max rel error \(Self.maxRelativeError(margins, margin))")
    let responses = (0..<count).map { model.responses(fromMargins: margins[$0...$0])[0] }
    #expect(Self.maxRelativeError(responses, prediction) <= 1e-12)
    // Row 0 is all missing: every leaf falls back to its constant, so the plain trees agree.
    let constant = model.trees.predictMargins(Array(rows[0..<model.featureCount]))
    #expect(constant[0] == margins[0])
    // Elsewhere the linear parts matter.
    let plain = model.trees.predictMargins(rows)
    #expect(zip(plain, margins).dropFirst().contains { abs($0 - $1) > 1e-6 })
    #expect(expected?["pred_contrib_refused"]?.string?.contains("linear trees") == true)
    let facts = Dictionary(uniqueKeysWithValues: model.facts.map { ($0.key, $0.value) })
    #expect(facts["linear leaves"]?.isEmpty == false)
  }

  @Test("linear trees: a leaf naming a feature beyond the model is refused with its tree")
  func linearBadFeature() throws {
    let path = fixturesDirectory + "/linear-trees/lgb-linear-regression/model.txt"
    var text = String(decoding: try ByteSource.contents(of: path), as: UTF8.self)
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("leaf_features=") && $0.dropFirst(14).first?.isNumber == true })
    let bad = "leaf_features=99" + line.dropFirst("leaf_features=".count).drop { $0 != " " }
    text = text.replacingFirst(String(line), with: bad)
    #expect(throws: ModelError.self) { _ = try TreeEnsemble.decodeAny(Array(text.utf8), path: "bad.txt") }
    do {
      _ = try TreeEnsemble.decodeAny(Array(text.utf8), path: "bad.txt")
    } catch {
      #expect("\(error)".contains("leaf_features") && "\(error)".contains("99"), "\(error) \(bad.prefix(40))")
      #expect(!"\(error)".contains("\n"))
    }
  }

  @Test("multiclassova: one sigmoid per class gives LightGBM's predictions")
  func multiclassova() throws {
    let fixture = try TreeFixture("lgb-multiclassova")
    let expected = try fixture.flat("prediction")
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      #expect(model.transform == .logistic && model.outputCount == 3)
      let margins = model.predictMargins(fixture.rows)
      var responses: [Double] = []
      for r in 0..<fixture.rowCount { responses += model.responses(fromMargins: margins[(r * 3)..<(r * 3 + 3)]) }
      #expect(Self.maxRelativeError(responses, expected) <= 1e-12)
      // One-vs-all responses need not add up to 1, unlike softmax.
      let sums = (0..<fixture.rowCount).map { r in responses[(r * 3)..<(r * 3 + 3)].reduce(0, +) }
      #expect(sums.contains { abs($0 - 1) > 1e-3 })
    }
  }

  @Test("CatBoost: responses equal CatBoost's predictions", arguments: catboostCases)
  func catboostResponses(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = try fixture.flat("prediction")
    let model = try fixture.load(fixture.modelPaths[0])
    let k = model.outputCount
    let margins = model.predictMargins(fixture.rows)
    var responses: [Double] = []
    for r in 0..<fixture.rowCount { responses += model.responses(fromMargins: margins[(r * k)..<(r * k + k)]) }
    #expect(responses.count == expected.count)
    #expect(Self.maxRelativeError(responses, expected) <= 1e-12, "max rel error \(Self.maxRelativeError(responses, expected))")
    let facts = Dictionary(uniqueKeysWithValues: model.facts.map { ($0.key, $0.value) })
    #expect(facts["library"] == "catboost 1.2.10")
    #expect(facts["objective"] == fixture.expected["objective"]?.string)
  }

  @Test("CatBoost: one-hot splits read integer category codes; unseen codes match no split")
  func catboostOneHot() throws {
    let fixture = try TreeFixture("cb-onehot")
    let model = try fixture.load(fixture.modelPaths[0])
    let categorical = model.nodes.filter { $0.flags & TreeNode.Flags.categorical != 0 }
    #expect(!categorical.isEmpty)
    let facts = Dictionary(uniqueKeysWithValues: model.facts.map { ($0.key, $0.value) })
    let listed = try #require(facts["categorical features"])
    #expect(listed != "none" && !listed.isEmpty)
  }

  @Test("CatBoost: counter (CTR) features are refused, saying why and what to do")
  func catboostCTR() throws {
    let path = fixturesDirectory + "/refused/catboost-ctr.json"
    do {
      _ = try ModelLoader.load(path: path)
      Issue.record("a CTR model loaded")
    } catch {
      let text = "\(error)"
      #expect(text.contains("counter (CTR)") && text.contains("one_hot_max_size") && text.contains("black box"), "\(text)")
      #expect(!text.contains("\n"))
    }
  }

  @Test("CatBoost: malformed files are one-line errors naming the position or field")
  func catboostMalformed() throws {
    let path = fixturesDirectory + "/trees/cb-regression/model.json"
    let text = String(decoding: try ByteSource.contents(of: path), as: UTF8.self)
    let cases: [(String, String)] = [
      (String(text.prefix(text.count / 2)), "malformed JSON"),
      (text.replacingFirst("\"leaf_weights\":[", with: "\"leaf_weights\":[1,"), "oblivious_trees[0]"),
      (text.replacingFirst("\"float_feature_index\":", with: "\"float_feature_index\":9"), "float_feature_index"),
      (text.replacingFirst("\"split_type\":\"FloatFeature\"", with: "\"split_type\":\"OnlineCtr\""), "CTR"),
      (text.replacingFirst("\"scale_and_bias\":[", with: "\"scale_and_bias\":[1e999,"), "scale_and_bias"),
    ]
    for (content, mention) in cases {
      do {
        _ = try TreeEnsemble.decodeAny(Array(content.utf8), path: "m.json")
        Issue.record("accepted a file that should mention \(mention)")
      } catch {
        #expect("\(error)".contains(mention), "\(error)")
        #expect(!"\(error)".contains("\n"), "\(error)")
      }
    }
  }
}

extension TreeEnsemble {
  /// Any model the bytes hold (a tree ensemble or linear trees), for error tests.
  static func decodeAny(_ bytes: [UInt8], path: String) throws -> any Model {
    try ModelLoader.decode(bytes, path: path).0
  }
}

extension String {
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let r = range(of: target) else { return self }
    return replacingCharacters(in: r, with: replacement)
  }
}
