import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport

/// Reads the LIME fixtures under Tests/Fixtures/lime (written by tools/make_lime_fixtures.py
/// with lime 0.2.0.1).
enum LIMEFixture {
  static let directory = fixturesDirectory + "/lime"

  static func load(_ name: String) throws -> JSONObject {
    let doc = try JSONParser.parse(try ByteSource.contents(of: "\(directory)/\(name)"), path: name)
    guard let o = doc.object else { throw TestFileError("\(name): not an object") }
    return o
  }

  /// A fixture array; a missing key or another type fails the test (it never reads as empty).
  static func array(_ v: JSONValue?) throws -> [JSONValue] {
    guard let a = v?.array else { throw TestFileError("a LIME fixture misses an array (found \(v?.typeName ?? "nothing"))") }
    return a
  }

  static func numbers(_ v: JSONValue?) throws -> [Double] { try array(v).map { $0.number ?? .nan } }
  static func ints(_ v: JSONValue?) throws -> [Int] { try numbers(v).map { Int($0) } }
  static func strings(_ v: JSONValue?) throws -> [String] { try array(v).compactMap { $0.string } }
  static func matrixRows(_ v: JSONValue?) throws -> [[Double]] { try array(v).map { try numbers($0) } }

  /// The fixtures' schema: age, gain, ratio numeric; color and member categorical.
  static let schema: FeatureSchema = {
    let names = ["age", "gain", "color", "ratio", "member"]
    var color = ModelCard.Feature(name: "color")
    color.kind = .categorical(labels: [("red", 0), ("green", 1), ("blue", 2), ("black", 3)])
    var member = ModelCard.Feature(name: "member")
    member.kind = .categorical(labels: [("no", 0), ("yes", 1)])
    let card = ModelCard(features: [color, member])
    return FeatureSchema(names: names, card: card)
  }()

  /// The training rows and labels of statistics.json.
  static func training() throws -> (background: Background, labels: [Double]) {
    let o = try load("statistics.json")
    let rows = try matrixRows(o["rows"])
    return (Background(rows: rows.flatMap { $0 }, featureCount: 5, source: "statistics.json"), try numbers(o["labels"]))
  }

  /// The fixture's logistic model (end_to_end.json).
  static func model() throws -> LinearModel {
    let o = try load("end_to_end.json")
    return LinearModel(
      featureNames: schema.names, coefficients: [try numbers(o["coefficients"])],
      intercepts: [o["intercept"]?.number ?? 0], transform: .logistic)
  }
}

/// |A∩B| / |A∪B| (1 for two empty sets).
func jaccard(_ a: [Int], _ b: [Int]) -> Double {
  let x = Set(a), y = Set(b)
  let union = x.union(y).count
  return union == 0 ? 1 : Double(x.intersection(y).count) / Double(union)
}
