import GlassboxData
@testable import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// `--tree-algorithm xgboost-3.3` (Quadrature-TreeSHAP) against xgboost 3.4.1's
/// `pred_contribs` (Tests/Fixtures/treeshap-xgb33, tools/make_fixtures_treeshap_xgb34.py)
/// and against the exact classic algorithm.
@Suite("Quadrature-TreeSHAP equals xgboost 3.3+'s pred_contribs")
struct TreeSHAPQuadratureTests {
  static let root = TreeFixture.root.replacingOccurrences(of: "/Fixtures/trees", with: "/Fixtures/treeshap-xgb33")

  /// The xgboost 3.4.1 values of one case, `[row][output][F+1]` flattened, bias last.
  func reference(_ name: String) throws -> (values: [Double], features: Int, outputs: Int) {
    let doc = try JSONParser.parse(try ByteSource.contents(of: "\(Self.root)/\(name).json"), path: "\(name).json")
    let object = try #require(doc.object)
    #expect(object["xgboost_version"]?.string == "3.4.1")
    var values: [Double] = []
    func walk(_ v: JSONValue) {
      if let a = v.array { a.forEach(walk) } else if let d = v.number { values.append(d) }
    }
    walk(try #require(object["contribs"]))
    let features = Int(try #require(object["num_features"]?.number))
    let outputs = Int(try #require(object["num_outputs"]?.number))
    return (values, features, outputs)
  }

  /// Counts the attributions and base values that differ from the reference, and the
  /// largest difference relative to the row's largest |value|.
  func compare(_ explanations: [Explanation], _ expected: [Double], features m: Int) -> (differing: Int, worst: Double) {
    var differing = 0
    var worst = 0.0
    for (i, e) in explanations.enumerated() {
      let row = Array(expected[(i * (m + 1))..<((i + 1) * (m + 1))])
      let scale = max(1e-300, row.map(abs).max() ?? 0)
      for j in 0..<m where e.attributions[j] != row[j] {
        differing += 1
        worst = max(worst, abs(e.attributions[j] - row[j]) / scale)
      }
      if e.baseValue != row[m] {
        differing += 1
        worst = max(worst, abs(e.baseValue - row[m]) / scale)
      }
    }
    return (differing, worst)
  }

  @Test("bit for bit with xgboost 3.4.1 on every xgboost fixture", arguments: TreeFixture.cases(prefix: "xgb-"))
  func fixtures(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = try reference(name)
    #expect(expected.features == fixture.featureCount && expected.outputs == fixture.outputCount)
    let model = try fixture.load("\(fixture.dir)/model.json")
    let explanations = try TreeSHAP(ensemble: model, algorithm: .quadrature).explain(fixture.rows, featureCount: fixture.featureCount)
    #expect(explanations.count * (fixture.featureCount + 1) == expected.values.count)
    let (differing, worst) = compare(explanations, expected.values, features: fixture.featureCount)
    #expect(differing == 0, "\(name): \(differing) values differ from xgboost 3.4.1, worst relative \(worst)")
    // The classic mode (xgboost 3.2) must not match 3.4.1 everywhere: the fixtures tell the two apart.
    let classic = try TreeSHAP(ensemble: model, algorithm: .classic).explain(fixture.rows, featureCount: fixture.featureCount)
    #expect(compare(classic, expected.values, features: fixture.featureCount).differing > 0)
  }

  @Test("bit for bit with xgboost 3.4.1 on the Adult model (120 trees, depth 6)")
  func adult() throws {
    let (rows, count) = try TreeFixture.readCSV("\(Self.root)/adult-xgboost.X.csv")
    let expected = try reference("adult-xgboost")
    let loaded = try ModelLoader.load(path: TreeFixture.root + "/../../../models/adult-xgboost.json")
    let model = try #require(loaded.model as? TreeEnsemble)
    let explanations = try TreeSHAP(ensemble: model, algorithm: .quadrature).explain(rows, featureCount: expected.features)
    #expect(explanations.count == count)
    let (differing, worst) = compare(explanations, expected.values, features: expected.features)
    #expect(differing == 0, "adult-xgboost: \(differing) values differ, worst relative \(worst)")
  }

  @Test("the rule integrates t^d exactly for d ≤ 7 (double) and its float points are xgboost's")
  func rule() {
    let rule = QuadratureRule<Double>()
    for d in 0...7 {
      var integral = 0.0
      var power = [Double](repeating: 1, count: 8)
      for _ in 0..<d { for i in 0..<8 { power[i] *= rule.points[i] } }
      for i in 0..<8 { integral += rule.weights[i] * power[i] }
      #expect(abs(integral - 1 / Double(d + 1)) < 1e-14, "∫t^\(d) = \(integral)")
    }
    let single = QuadratureRule<Float>()
    for i in 0..<8 {
      #expect(single.points[i] == Float(rule.points[i]) && single.weights[i] == Float(rule.weights[i]))
      #expect(rule.points[i] > 0 && rule.points[i] < 1)
    }
  }

  /// In double, for trees whose paths have at most 8 distinct features, the quadrature is
  /// the exact Shapley value: equal to the classic algorithm in double to 1e-12.
  @Test("double quadrature equals classic double on LightGBM and scikit-learn", arguments: TreeFixture.cases(prefix: "lgb-") + TreeFixture.cases(prefix: "sk-"))
  func exactInDouble(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let model = try fixture.load(fixture.modelPaths[0])
    let m = fixture.featureCount
    let quadrature = try TreeSHAP(ensemble: model, algorithm: .quadrature).explain(fixture.rows, featureCount: m)
    let classic = try TreeSHAP(ensemble: model, algorithm: .classic).explain(fixture.rows, featureCount: m)
    var worst = 0.0
    for (q, c) in zip(quadrature, classic) {
      let scale = max(1e-300, c.attributions.map(abs).max() ?? 0)
      for j in 0..<m { worst = max(worst, abs(q.attributions[j] - c.attributions[j]) / scale) }
      #expect(q.baseValue == c.baseValue)
    }
    print("\(name) quadrature vs classic double: \(worst)")
    #expect(worst <= 1e-12, "\(name): \(worst)")
  }
}
