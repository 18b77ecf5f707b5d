import GlassboxData
import GlassboxModels
import Testing

/// A case of Tests/Fixtures/xgboost3 (written by tools/make_fixtures_xgboost3.py): one
/// booster saved as model.json and model.ubj, X.csv with categorical cells as labels, and
/// xgboost's outputs in expected.json.
public struct XGBoost3Fixture {
  public static let root = fixturesDirectory + "/xgboost3"

  /// The cases `xgboost3/index.json` lists (empty when it cannot be read: the index test fails).
  public static let cases: [String] = {
    guard let doc = try? JSONParser.parseFile(root + "/index.json"), let list = doc.object?["cases"]?.array else { return [] }
    return list.compactMap { $0.object?["case"]?.string?.split(separator: "/").last.map(String.init) }
  }()

  /// The files each case must hold, as the index lists them.
  public static func listedFiles(_ name: String) throws -> [String] {
    let doc = try JSONParser.parseFile(root + "/index.json")
    let entry = doc.object?["cases"]?.array?.first { $0.object?["case"]?.string == "xgboost3/" + name }
    return try #require(entry?.object?["files"]?.array).compactMap(\.string)
  }

  public let name: String
  public let dir: String
  public let expected: JSONObject
  public let featureCount: Int
  public let outputCount: Int
  /// The model loaded from model.json.
  public let fromJSON: LoadedModel
  /// The same booster loaded from model.ubj.
  public let fromUBJSON: LoadedModel
  /// X.csv encoded with the JSON model's schema (its own category recoding).
  public let rows: [Double]
  public let rowCount: Int

  public init(_ name: String) throws {
    self.name = name
    dir = Self.root + "/" + name
    let doc = try JSONParser.parseFile(dir + "/expected.json")
    expected = try #require(doc.object)
    featureCount = Int(try #require(expected["num_features"]?.number))
    outputCount = Int(try #require(expected["num_outputs"]?.number))
    fromJSON = try ModelLoader.load(path: dir + "/model.json")
    fromUBJSON = try ModelLoader.load(path: dir + "/model.ubj")
    (rows, rowCount) = try Self.encode(dir + "/X.csv", schema: fromJSON.schema)
  }

  /// A CSV file encoded with `schema` (labels to codes, empty cells to NaN).
  public static func encode(_ path: String, schema: FeatureSchema) throws -> ([Double], Int) {
    let reader = try CSVReader(source: ByteSource(path: path))
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    var all: [Double] = []
    var out: [Double] = []
    while let block = try reader.nextBlock(maxRecords: 1000) {
      try encoder.encode(block, into: &out)
      all += out
    }
    return (all, all.count / max(1, schema.count))
  }

  /// `expected[key]` flattened row-major.
  public func flat(_ key: String) throws -> [Double] {
    var out: [Double] = []
    func walk(_ v: JSONValue) {
      if let a = v.array { a.forEach(walk) } else if let d = v.number { out.append(d) }
    }
    walk(try #require(expected[key], "\(name)/expected.json has no \"\(key)\""))
    return out
  }

  /// The tree ensemble of model.json.
  public var ensemble: TreeEnsemble {
    get throws { try #require(fromJSON.model as? TreeEnsemble, "\(name) is not a tree ensemble") }
  }
}
