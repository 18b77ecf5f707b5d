import GlassboxData
import GlassboxModels
import Testing

/// Reads the tree fixtures under Tests/Fixtures/trees (written by tools/make_fixtures.py).
public struct TreeFixture {
  public static let root: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(2)
    return parts.joined(separator: "/") + "/Fixtures/trees"
  }()

  /// Case directories present on disk.
  public static func cases(prefix: String = "") -> [String] {
    let names = [
      "xgb-binary-nan", "xgb-regression", "xgb-multi-softprob", "xgb-categorical", "xgb-poisson", "xgb-dart",
      "xgb-rf", "xgb-stumps", "xgb-deep", "xgb-logitraw", "xgb-gamma", "xgb-tweedie", "xgb-softmax",
      "lgb-binary-nan", "lgb-regression", "lgb-multiclass", "lgb-categorical", "lgb-rf", "lgb-zero-missing",
      "lgb-stump", "sk-decision-tree-regressor", "sk-random-forest-regressor", "sk-extra-trees-regressor",
      "sk-gradient-boosting-regressor", "sk-random-forest-classifier", "sk-gradient-boosting-classifier-binary",
      "sk-gradient-boosting-classifier-multiclass", "sk-decision-tree-classifier",
    ]
    return names.filter { $0.hasPrefix(prefix) && exists("\(root)/\($0)/expected.json") }
  }

  public static func exists(_ path: String) -> Bool { (try? ByteSource.contents(of: path)) != nil }

  public let name: String
  public let dir: String
  public let expected: JSONObject
  public let featureCount: Int
  public let outputCount: Int
  public let rows: [Double]
  public let rowCount: Int

  public init(_ name: String) throws {
    self.name = name
    dir = "\(Self.root)/\(name)"
    let doc = try JSONParser.parse(try ByteSource.contents(of: "\(dir)/expected.json"), path: "expected.json")
    expected = doc.object!
    featureCount = Int(expected["num_features"]!.number!)
    outputCount = Int(expected["num_outputs"]!.number!)
    (rows, rowCount) = try Self.readCSV("\(dir)/X.csv")
  }

  /// A headed CSV of numbers; empty cells are NaN.
  public static func readCSV(_ path: String) throws -> ([Double], Int) {
    let text = String(decoding: try ByteSource.contents(of: path), as: UTF8.self)
    var values: [Double] = []
    var count = 0
    for line in text.split(separator: "\n").dropFirst() where !line.isEmpty {
      for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
        values.append(cell.isEmpty ? .nan : Double(cell)!)
      }
      count += 1
    }
    return (values, count)
  }

  public var modelPaths: [String] {
    ["model.json", "model.txt", "model.dump.json"].map { "\(dir)/\($0)" }.filter { Self.exists($0) }
  }

  /// `expected[key]` as nested arrays flattened row-major.
  public func flat(_ key: String, in object: JSONObject? = nil) -> [Double] {
    var out: [Double] = []
    func walk(_ v: JSONValue) {
      if let a = v.array { a.forEach(walk) } else if let d = v.number { out.append(d) }
    }
    walk((object ?? expected)[key]!)
    return out
  }

  public func load(_ path: String) throws -> TreeEnsemble {
    let loaded = try ModelLoader.load(path: path)
    return try #require(loaded.model as? TreeEnsemble)
  }
}
