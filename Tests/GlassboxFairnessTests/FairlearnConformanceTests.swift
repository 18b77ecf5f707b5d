import Foundation
import GlassboxData
import GlassboxFairness
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Every group rate and disparity against fairlearn 0.15 (Tests/Fixtures/bias, made by
/// tools/make_bias_fixtures.py), to 1e-12.
@Suite("fairness metrics match fairlearn")
struct FairlearnConformanceTests {
  static let repositoryRoot = fixturesDirectory + "/../.."

  struct Loaded {
    var scores: [Double]
    var labels: [Bool]
    var columns: [String: [String]]
    var expected: [String: Any]
  }

  /// Scores the fixture's data with glassbox (model, card, encoder) and reads its columns.
  static func load(fixture: String, base: String) throws -> Loaded {
    let expected = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture))) as? [String: Any])
    let loaded = try ModelLoader.load(path: base + "/" + (try #require(expected["model"] as? String)))
    let reader = try CSVReader(path: base + "/" + (try #require(expected["data"] as? String)))
    let encoder = try FeatureEncoder(schema: loaded.schema, columns: reader.columns, source: reader.sourceName)
    var rows: [Double] = [], encoded: [Double] = []
    var columns: [String: [String]] = [:]
    while let block = try reader.nextBlock(maxRecords: 4096) {
      try encoder.encode(block, into: &encoded)
      rows += encoded
      for (c, name) in reader.columns.enumerated() {
        for r in 0..<block.count {
          columns[name, default: []].append(
            SensitiveValues.value(of: block.string(r, c), feature: loaded.schema.card?.feature(named: name)))
        }
      }
    }
    let margins = loaded.model.predictMargins(rows)
    let scores = margins.map { 1 / (1 + exp(-$0)) }
    let label = try #require(expected["label"] as? String)
    let coded = try LabelCoding.binary(try #require(columns[label]), positive: expected["positive"] as? String, column: label, source: "fixture")
    return Loaded(scores: scores, labels: coded.labels, columns: columns, expected: expected)
  }

  static func maxError(_ loaded: Loaded) throws -> Double {
    var worst = 0.0
    func check(_ a: Double, _ b: Any?, _ what: String) {
      let e = (b as? Double) ?? .nan
      expectClose(a, e, rel: 1e-12, abs: 1e-15, Comment(rawValue: what))
      if !(a.isNaN && e.isNaN) { worst = max(worst, Swift.abs(a - e)) }
    }
    let head = try #require(loaded.expected["scores_head"] as? [Double])
    #expect(!head.isEmpty && head.count <= loaded.scores.count)
    for (k, s) in head.enumerated() where k < loaded.scores.count { check(loaded.scores[k], s, "score \(k)") }
    let threshold = try #require(loaded.expected["threshold"] as? Double)
    let outcomes = Outcomes(scores: loaded.scores, labels: loaded.labels, threshold: threshold)
    let cases = try #require(loaded.expected["cases"] as? [[String: Any]])
    // Every fixture compares three groupings: each attribute alone, then both.
    #expect(cases.count == 3, "the fixture lists \(cases.count) groupings")
    for c in cases {
      let name = c["name"] as? String ?? "?"
      let attributes = try #require(c["sensitive"] as? [String])
      let grouping = Grouping(attributes: attributes, values: try attributes.map { try #require(loaded.columns[$0]) })
      let reference = try #require(c["reference"] as? [String: String])
      let spec = try attributes.map { "\($0)=\(try #require(reference[$0]))" }.joined(separator: ",")
      let ref = try grouping.reference(spec)
      let tallies = outcomes.tally(grouping)
      let groups = try #require(c["groups"] as? [[String: Any]])
      try #require(groups.count == grouping.count, "\(name): group count")
      for (g, expected) in groups.enumerated() {
        let key = try #require(expected["group"] as? [String: String])
        let values = try attributes.map { try #require(key[$0]) }
        #expect(grouping.groups[g] == values, "group order")
        #expect(tallies[g].n == expected["n"] as? Int)
        for rate in Rate.allCases {
          check(tallies[g].value(rate), expected[rate.rawValue], "\(name) \(key) \(rate.rawValue)")
        }
      }
      let d = Disparities(tallies, reference: ref, hasLabels: true)
      let metrics = try #require(c["metrics"] as? [String: Any])
      #expect(!metrics.isEmpty)
      for (metric, value) in metrics {
        let computed = try #require(DisparityMetric(rawValue: metric).flatMap { d.values[$0] }, "\(name): no \(metric)")
        check(computed, value, "\(name) \(metric)")
      }
    }
    return worst
  }

  @Test("adult-logistic on adult-test: sex, race, sex×race")
  func adult() throws {
    let loaded = try Self.load(fixture: fixturesDirectory + "/bias/adult-logistic.json", base: Self.repositoryRoot)
    #expect(loaded.scores.count == 16281)
    let worst = try Self.maxError(loaded)
    print("fairlearn conformance (adult): max abs error \(worst)")
  }

  @Test("German credit: sex, age group (not a model feature), both")
  func german() throws {
    let folder = fixturesDirectory + "/bias/german"
    let loaded = try Self.load(fixture: folder + "/expected.json", base: folder)
    #expect(loaded.scores.count == 1000)
    let worst = try Self.maxError(loaded)
    print("fairlearn conformance (german): max abs error \(worst)")
  }
}
