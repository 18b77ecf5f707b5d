import Foundation
import GlassboxTestSupport
import Testing

/// `--tree-algorithm` named by xgboost versions, end to end on the shipped Adult model.
@Suite("glassbox explain --tree-algorithm xgboost-3.2 / xgboost-3.3, end to end")
struct TreeAlgorithmEndToEndTests {
  let model = "models/adult-xgboost.json"

  /// xgboost 3.4.1's pred_contribs of the first 200 rows of adult-test.csv
  /// (tools/make_fixtures_treeshap_xgb34.py): `[row][0][F+1]`, bias last.
  func reference() throws -> [[Double]] {
    let path = Glassbox.root + "/Tests/Fixtures/treeshap-xgb33/adult-xgboost.json"
    let object = try jsonObject(try Data(contentsOf: URL(fileURLWithPath: path)))
    let raw = try #require(object["contribs"] as? [[[NSNumber]]])
    return raw.map { $0[0].map(\.doubleValue) }
  }

  func explain(_ algorithm: String, rows: Int) throws -> [[String: Any]] {
    let run = try Glassbox.run([
      "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0-\(rows - 1)",
      "--tree-algorithm", algorithm, "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    return try Glassbox.jsonLines(run.stdout)
  }

  /// How many attributions and base values differ from xgboost 3.4.1's.
  func differences(_ lines: [[String: Any]], _ expected: [[Double]]) throws -> Int {
    var differing = 0
    for (r, line) in lines.enumerated() {
      let attributions = try #require(line["attributions"] as? [[String: Any]])
      for (j, item) in attributions.enumerated() where try item.number("attribution") != expected[r][j] { differing += 1 }
      if try line.number("base_value") != expected[r][attributions.count] { differing += 1 }
    }
    return differing
  }

  @Test("xgboost-3.3 is bit for bit with xgboost 3.4.1; xgboost-3.2 (classic) is not")
  func versions() throws {
    let expected = try reference()
    let quadrature = try explain("xgboost-3.3", rows: expected.count)
    try #require(quadrature.count == expected.count)
    #expect(try differences(quadrature, expected) == 0)
    let classic = try explain("xgboost-3.2", rows: expected.count)
    #expect(try differences(classic, expected) > 0)
    let arguments = ["explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0-19", "--tree-algorithm"]
    let named = try Glassbox.run(arguments + ["xgboost-3.2"])
    let classicNamed = try Glassbox.run(arguments + ["classic"])
    #expect(named.status == 0 && named.stdout == classicNamed.stdout)
  }

  @Test("--interactions refuses xgboost-3.3 with a usage error")
  func interactions() throws {
    let run = try Glassbox.run([
      "explain", "--model", model, "--data", "datasets/adult-test.csv", "--rows", "0", "--interactions",
      "--tree-algorithm", "xgboost-3.3",
    ])
    #expect(run.status == 64)
    #expect(run.stderr.contains("--tree-algorithm"))
  }
}
