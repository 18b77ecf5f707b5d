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

  /// The tree cases `Tests/Fixtures/index.json` lists whose name starts with `prefix`,
  /// whether or not their files are on disk (a missing file fails the case's test).
  public static func cases(prefix: String = "") -> [String] {
    FixtureIndex.trees { $0.name.hasPrefix(prefix) }
  }

  public static func exists(_ path: String) -> Bool { (try? ByteSource.contents(of: path)) != nil }

  public let name: String
  public let dir: String
  public let expected: JSONObject
  public let featureCount: Int
  public let outputCount: Int
  public let rows: [Double]
  public let rowCount: Int
  /// The case's files as `index.json` lists them.
  public let listedFiles: [String]

  public init(_ name: String) throws {
    self.name = name
    dir = "\(Self.root)/\(name)"
    let listed = try FixtureIndex.case("trees/" + name)
    if !listed.missingFiles.isEmpty {
      throw TestFileError("\(listed.path): index.json lists \(listed.missingFiles.joined(separator: ", ")), not on disk")
    }
    listedFiles = listed.files
    let doc = try JSONParser.parse(try ByteSource.contents(of: "\(dir)/expected.json"), path: "expected.json")
    expected = try #require(doc.object, "\(name)/expected.json is not an object")
    featureCount = Int(try #require(expected["num_features"]?.number, "\(name): num_features"))
    outputCount = Int(try #require(expected["num_outputs"]?.number, "\(name): num_outputs"))
    (rows, rowCount) = try Self.readCSV("\(dir)/X.csv")
  }

  /// A headed CSV of numbers; empty cells are NaN.
  public static func readCSV(_ path: String) throws -> ([Double], Int) {
    let text = String(decoding: try ByteSource.contents(of: path), as: UTF8.self)
    var values: [Double] = []
    var count = 0
    for line in text.split(separator: "\n").dropFirst() where !line.isEmpty {
      for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
        guard let value = cell.isEmpty ? .nan : Double(cell) else {
          throw TestFileError("\(path): '\(cell)' is not a number")
        }
        values.append(value)
      }
      count += 1
    }
    return (values, count)
  }

  /// The model files the index lists for the case (LightGBM cases have two forms of one model).
  public var modelPaths: [String] {
    ["model.json", "model.txt", "model.dump.json"].filter(listedFiles.contains).map { "\(dir)/\($0)" }
  }

  /// `expected[key]` as nested arrays flattened row-major.
  public func flat(_ key: String, in object: JSONObject? = nil) throws -> [Double] {
    var out: [Double] = []
    func walk(_ v: JSONValue) {
      if let a = v.array { a.forEach(walk) } else if let d = v.number { out.append(d) }
    }
    walk(try #require((object ?? expected)[key], "\(name)/expected.json has no \"\(key)\""))
    return out
  }

  public func load(_ path: String) throws -> TreeEnsemble {
    let loaded = try ModelLoader.load(path: path)
    return try #require(loaded.model as? TreeEnsemble)
  }
}
