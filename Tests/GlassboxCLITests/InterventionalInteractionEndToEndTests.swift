import Foundation
import GlassboxTestSupport
import Testing

/// `explain --interactions --method tree-interventional --background F`, end to end on the
/// shipped Adult XGBoost model: the matrix's rows add up to the SHAP values of the same run
/// without `--interactions`, the whole matrix to the prediction minus the base value.
@Suite("glassbox explain: interventional interaction values, end to end")
struct InterventionalInteractionEndToEndTests {
  let model = "models/adult-xgboost.json"
  /// 300 rows of adult-test.csv as background (seeded sample).
  let method = [
    "--method", "tree-interventional", "--background", "datasets/adult-test.csv", "--background-sample", "300",
    "--seed", "7",
  ]

  func explain(_ extra: [String]) throws -> GlassboxRun {
    try Glassbox.run(["explain", "--model", model, "--data", "datasets/adult.csv"] + method + extra)
  }

  @Test("JSON: main effects and pairs add up to the SHAP values and the prediction")
  func json() throws {
    let run = try explain(["--rows", "0-2", "--interactions", "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = try Glassbox.jsonLines(run.stdout)
    try #require(lines.count == 3)
    let plain = try Glassbox.jsonLines(try explain(["--rows", "0-2", "--format", "json"]).stdout)
    try #require(plain.count == 3)
    var pairsSeen = 0
    for (line, reference) in zip(lines, plain) {
      #expect((line["algorithm"] as? String)?.hasSuffix("; interaction values by decision patterns") == true)
      let attributions = try #require(line["attributions"] as? [[String: Any]])
      let expected = try #require(reference["attributions"] as? [[String: Any]])
      let names = try attributions.map { try $0.field("feature", String.self) }
      let phi = try attributions.map { try $0.number("attribution") }
      #expect(try phi == expected.map { try $0.number("attribution") })
      let block = try #require(line["interactions"] as? [String: Any])
      var sums = try #require(block["main_effects"] as? [[String: Any]]).map { try $0.number("value") }
      #expect(sums.count == names.count)
      let pairs = try #require(block["pairs"] as? [[String: Any]])
      pairsSeen += pairs.count
      for pair in pairs {
        let features = try pair.field("features", [String].self)
        let i = try #require(names.firstIndex(of: features[0]))
        let j = try #require(names.firstIndex(of: features[1]))
        let value = try pair.number("value")
        sums[i] += value
        sums[j] += value
      }
      let prediction = try line.number("prediction")
      let base = try line.number("base_value")
      for (s, p) in zip(sums, phi) { #expect(abs(s - p) <= 1e-9 * max(1, abs(prediction)), "row sum \(s), SHAP \(p)") }
      #expect(abs(sums.reduce(0, +) + base - prediction) <= 1e-9 * max(1, abs(prediction)))
    }
    #expect(pairsSeen > 0)
  }

  @Test("CSV: one line per row and feature pair, the diagonal the main effects")
  func csv() throws {
    let run = try explain(["--rows", "0-1", "--interactions", "--format", "csv"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "row,class,feature,other_feature,interaction")
    let m = 13
    #expect(lines.count == 1 + 2 * m * (m + 1) / 2)
    let json = try Glassbox.jsonLines(try explain(["--rows", "0", "--interactions", "--format", "json"]).stdout)
    let main = try #require((json.first?["interactions"] as? [String: Any])?["main_effects"] as? [[String: Any]])
    // Row 0's first line: the first feature with itself.
    let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(cells[0] == "0" && cells[2] == "age" && cells[3] == "age")
    let value = try #require(Double(cells[4]))
    #expect(abs(value - (try main[0].number("value"))) <= 1e-15 * abs(value))
  }

  @Test("table: the strongest pairs and the algorithm")
  func table() throws {
    let run = try explain(["--rows", "0", "--interactions", "--format", "table", "--no-color"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("strongest interactions"))
    #expect(run.stdout.contains("interaction values by decision"))
    #expect(run.stdout.contains(" × "))
  }

  @Test("--output probability is refused with a usage error: the link is not additive")
  func probabilityRefused() throws {
    let run = try explain(["--rows", "0", "--interactions", "--output", "probability"])
    #expect(run.status == 64)
    let lines = run.stderr.split(separator: "\n")
    #expect(lines.count == 1, "\(run.stderr)")
    #expect(run.stderr.contains("not additive") && run.stderr.contains("--output probability"))
    #expect(run.stdout.isEmpty)
  }
}
