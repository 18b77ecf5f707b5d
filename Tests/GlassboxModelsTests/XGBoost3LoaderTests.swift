import Foundation
import GlassboxData
import GlassboxModels
import GlassboxSystem
import GlassboxTestSupport
import Testing

/// XGBoost 3.x files (xgboost 3.4.1 and 3.2.0): UBJSON, categorical recoding, vector
/// leaves, several quantiles, binary:hinge and gblinear, against xgboost's own outputs.
@Suite("XGBoost 3.x formats predict as xgboost does")
struct XGBoost3LoaderTests {
  @Test("the index lists the cases, with all their files")
  func indexListsTheCases() throws {
    #expect(XGBoost3Fixture.cases.count >= 7, "xgboost3/index.json lists \(XGBoost3Fixture.cases.count) cases")
    for name in XGBoost3Fixture.cases {
      for file in try XGBoost3Fixture.listedFiles(name) {
        #expect(TreeFixture.exists("\(XGBoost3Fixture.root)/\(name)/\(file)"), "\(name)/\(file) is missing")
      }
    }
  }

  @Test("JSON and UBJSON margins are bit-identical to xgboost's", arguments: XGBoost3Fixture.cases)
  func margins(_ name: String) throws {
    let fixture = try XGBoost3Fixture(name)
    #expect(fixture.fromJSON.format == "xgboost-json")
    #expect(fixture.fromUBJSON.format == "xgboost-ubjson")
    let expected = try fixture.flat("margin")
    let json = fixture.fromJSON.model.predictMargins(fixture.rows)
    let ubj = fixture.fromUBJSON.model.predictMargins(fixture.rows)
    #expect(json.count == fixture.rowCount * fixture.outputCount)
    #expect(json == expected, "\(name): margins differ from xgboost's")
    #expect(ubj == json, "\(name): UBJSON and JSON differ")
    if let a = fixture.fromJSON.model as? TreeEnsemble, let b = fixture.fromUBJSON.model as? TreeEnsemble {
      #expect(a.nodes == b.nodes && a.values == b.values && a.covers == b.covers && a.categoryWords == b.categoryWords)
      #expect(a.baseMargins == b.baseMargins && a.categoryLabels == b.categoryLabels && a.provenance == b.provenance)
      var reference = [Double](repeating: 0, count: json.count)
      fixture.rows.withUnsafeBufferPointer { r in
        reference.withUnsafeMutableBufferPointer { a.referenceMargins(r, count: fixture.rowCount, into: $0) }
      }
      #expect(reference == json, "\(name): the fast predictor and the reference differ")
    } else {
      #expect(fixture.fromJSON.model as? LinearModel == fixture.fromUBJSON.model as? LinearModel)
    }
  }

  @Test("responses equal xgboost's predictions", arguments: XGBoost3Fixture.cases)
  func responses(_ name: String) throws {
    let fixture = try XGBoost3Fixture(name)
    let model = fixture.fromJSON.model
    let margins = model.predictMargins(fixture.rows)
    let expected = try fixture.flat("prediction")
    let k = model.outputCount
    var worst = 0.0
    for r in 0..<fixture.rowCount {
      let response = model.responses(fromMargins: margins[(r * k)..<((r + 1) * k)])
      for c in 0..<k { worst = max(worst, abs(response[c] - expected[r * k + c])) }
    }
    // xgboost applies its transforms in float32: 1e-6 absolute for probabilities.
    #expect(worst <= (model.transform == .hinge || model.transform == .identity ? 0 : 1e-6), "\(name): \(worst)")
  }

  @Test("CSV labels map to codes by the model's own recoding (training order, not sorted)")
  func categoryRecoding() throws {
    for name in XGBoost3Fixture.cases where name.hasPrefix("categorical") {
      let fixture = try XGBoost3Fixture(name)
      let model = try fixture.ensemble
      #expect(model.categoryLabels[1] == ["red", "green", "blue", "violet", "amber", "teal"])
      #expect(model.categoryLabels[3] == ["Oslo", "Lima", "Kyiv", "Baku", "Rome"])
      #expect(fixture.fromJSON.schema.features[1].label(for: 2) == "blue")
      // A label the model does not know is an error naming the known ones.
      let dir = try TemporaryDirectory()
      let path = try dir.write("x.csv", "a,color,b,city,c,d\n0,mauve,0,Oslo,0,0\n")
      #expect(throws: DataError.self) { _ = try XGBoost3Fixture.encode(path, schema: fixture.fromJSON.schema) }
    }
  }

  @Test("inspect facts: library and version, objective, boosting, trees, depth, leaves, categorical features, outputs")
  func facts() throws {
    let categorical = try XGBoost3Fixture("categorical-34")
    let facts = Dictionary(uniqueKeysWithValues: try #require(categorical.fromUBJSON.model as? TreeEnsemble).facts.map { ($0.key, $0.value) })
    #expect(facts["library"] == "XGBoost 3.4.1")
    #expect(facts["objective"] == "binary:logistic")
    #expect(facts["boosting"] == "gbtree")
    #expect(facts["trees"] == "8")
    #expect(facts["categorical features"] == "color (6 categories), city (5 categories)")
    #expect(facts["outputs"] == "1")
    let ensemble = try categorical.ensemble
    #expect(facts["leaves"] == String(ensemble.nodes.filter(\.isLeaf).count))
    #expect(facts["max depth"] == "3")
    let vector = try XGBoost3Fixture("vector-leaf")
    let vectorFacts = try #require(vector.fromJSON.model as? TreeEnsemble).facts
    #expect(vectorFacts.contains { $0.key == "vector-leaf trees" && $0.value.hasPrefix("6, 3 values per leaf") })
    let linear = try #require(try XGBoost3Fixture("gblinear-softprob").fromJSON.model as? LinearModel)
    #expect(linear.facts.contains { $0.key == "boosting" && $0.value == "gblinear" })
    #expect(linear.facts.contains { $0.key == "library" && $0.value == "XGBoost 3.4.1" })
  }

  @Test("a vector-leaf tree becomes one scalar tree per output with the leaf's values")
  func vectorLeafLayouts() throws {
    let fixture = try XGBoost3Fixture("vector-leaf")
    let model = try fixture.ensemble
    #expect(model.outputCount == 3 && model.treeCount == 18)
    #expect(model.treeOutputs == (0..<6).flatMap { _ in [0, 1, 2] })
    // The older layout (values in base_weights, nodes × targets) of the same trees loads
    // to the same model.
    let text = String(decoding: try ByteSource.contents(of: fixture.dir + "/model.json"), as: UTF8.self)
    let old = try oldVectorLeafLayout(text)
    let reloaded = try TreeEnsemble.read(Array(old.utf8), path: "old.json")
    #expect(reloaded.values == model.values && reloaded.nodes == model.nodes)
    #expect(reloaded.predictMargins(fixture.rows) == model.predictMargins(fixture.rows))
  }

  @Test("malformed UBJSON is a one-line error with its byte offset")
  func malformedUBJSON() throws {
    let bytes = try ByteSource.contents(of: XGBoost3Fixture.root + "/hinge/model.ubj")
    for cut in [2, 40, bytes.count / 2, bytes.count - 1] {
      expectFailure("malformed UBJSON") { _ = try TreeEnsemble.read(Array(bytes.prefix(cut)), path: "m.ubj") }
    }
    var broken = bytes
    #expect(Array(bytes[10..<17]) == Array("learner".utf8))  // `{`, `L` and 8 length bytes, the key
    broken[17] = UInt8(ascii: "X")
    expectFailure("m.ubj: not a model glassbox reads (malformed UBJSON at byte 17: unknown type marker 'X')") {
      _ = try TreeEnsemble.read(broken, path: "m.ubj")
    }
    // A UBJSON document that is not an XGBoost model.
    expectFailure("UBJSON object without \"learner\"") { _ = try TreeEnsemble.read(Array("{i\u{01}aZ}".utf8), path: "m.ubj") }
  }

  @Test("vector-leaf trees with values that do not fit are refused")
  func vectorLeafErrors() throws {
    let fixture = try XGBoost3Fixture("vector-leaf")
    let text = String(decoding: try ByteSource.contents(of: fixture.dir + "/model.json"), as: UTF8.self)
    let shortLeaves = try editTrees(text) { tree, t in if t == 0 { tree["leaf_weights"] = [1.0, 2.0] } }
    expectFailure("leaf_weights") { _ = try decode(shortLeaves) }
    var firstLeaf = 0
    let farLeaf = try editTrees(text) { tree, t in
      guard t == 0, var right = tree["right_children"] as? [Int], let left = tree["left_children"] as? [Int] else { return }
      firstLeaf = left.firstIndex(of: -1) ?? 0
      right[firstLeaf] = 90
      tree["right_children"] = right
    }
    expectFailure("right_children[\(firstLeaf)]: leaf row 90 is outside") { _ = try decode(farLeaf) }
    let shortBase = try editTrees(try oldVectorLeafLayout(text)) { tree, t in if t == 1 { tree["base_weights"] = [0.5] } }
    expectFailure("base_weights") { _ = try decode(shortBase) }
  }
}

/// `text` (an XGBoost JSON model) with `change` applied to every tree (and its index).
func editTrees(_ text: String, _ change: (inout [String: Any], Int) -> Void) throws -> String {
  var root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  var learner = try #require(root["learner"] as? [String: Any])
  var booster = try #require(learner["gradient_booster"] as? [String: Any])
  var model = try #require(booster["model"] as? [String: Any])
  var trees = try #require(model["trees"] as? [[String: Any]])
  for t in trees.indices { change(&trees[t], t) }
  model["trees"] = trees
  booster["model"] = model
  learner["gradient_booster"] = booster
  root["learner"] = learner
  return String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
}

/// The pre-2025 layout of a vector-leaf JSON model: no `leaf_weights`; each node's row of
/// `base_weights` (nodes × targets) holds a leaf's values; a leaf's right child is -1.
func oldVectorLeafLayout(_ text: String, targets k: Int = 3) throws -> String {
  try editTrees(text) { tree, _ in
    let left = tree["left_children"] as! [Int]
    let right = tree["right_children"] as! [Int]
    let leafWeights = tree["leaf_weights"] as! [Double]
    var base = tree["base_weights"] as! [Double]
    base += [Double](repeating: 0, count: max(0, left.count * k - base.count))
    var newRight = right
    for i in left.indices where left[i] == -1 {
      for c in 0..<k { base[i * k + c] = leafWeights[right[i] * k + c] }
      newRight[i] = -1
    }
    tree["base_weights"] = base
    tree["right_children"] = newRight
    tree["leaf_weights"] = nil
  }
}
