import Foundation
import GlassboxTestSupport
import Testing

/// XGBoost 3.x files through the built binary: a UBJSON model with string categories
/// explained from a CSV of labels, inspect, and the refusal of path-dependent TreeSHAP for
/// a file without covers.
@Suite("XGBoost 3.x files, end to end")
struct XGBoost3EndToEndTests {
  let root = "Tests/Fixtures/xgboost3"

  /// `expected[key]` of a case, flattened.
  func expected(_ name: String, _ key: String) throws -> [Double] {
    let data = try Data(contentsOf: URL(fileURLWithPath: Glassbox.root + "/\(root)/\(name)/expected.json"))
    var out: [Double] = []
    func walk(_ v: Any) {
      if let a = v as? [Any] { a.forEach(walk) } else if let d = v as? Double { out.append(d) }
    }
    walk(try #require(try jsonObject(data)[key]))
    return out
  }

  @Test("explain reads the UBJSON model and maps CSV labels by the model's own recoding")
  func categoricalLabels() throws {
    let run = try Glassbox.run([
      "explain", "--model", "\(root)/categorical-34/model.ubj", "--data", "\(root)/categorical-34/X.csv", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = try Glassbox.jsonLines(run.stdout)
    let contribs = try expected("categorical-34", "contribs")  // [row][1][7]
    #expect(lines.count == contribs.count / 7)
    var worst = 0.0
    for (r, line) in lines.enumerated() {
      let attributions = try #require(line["attributions"] as? [[String: Any]])
      for (j, a) in attributions.enumerated() { worst = max(worst, abs(try a.number("attribution") - contribs[r * 7 + j])) }
      worst = max(worst, abs(try line.number("base_value") - contribs[r * 7 + 6]))
      if r == 0 {
        let colorCell = try #require(attributions[1]["value"] as? String)
        #expect(["red", "green", "blue", "violet", "amber", "teal"].contains(colorCell))
      }
    }
    #expect(worst <= 1e-6, "max |φ − pred_contribs| \(worst)")
  }

  @Test("inspect shows library and version, boosting, trees, leaves and the categorical features")
  func inspect() throws {
    let run = try Glassbox.run(["inspect", "--model", "\(root)/categorical-34/model.ubj"])
    #expect(run.status == 0, "\(run.stderr)")
    for fragment in [
      "format", "xgboost-ubjson", "library", "XGBoost 3.4.1", "boosting", "gbtree", "leaves",
      "categorical features", "color (6 categories), city (5 categories)", "categorical (6)",
    ] {
      #expect(run.stdout.contains(fragment), "inspect lacks '\(fragment)'")
    }
  }

  @Test("a vector-leaf file without covers: path-dependent TreeSHAP is refused, interventional works")
  func noCovers() throws {
    let dir = "\(root)/vector-leaf-31"
    let refused = try Glassbox.run(["explain", "--model", "\(dir)/model.json", "--data", "\(dir)/X.csv"])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("stores no covers") && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    let run = try Glassbox.run([
      "explain", "--model", "\(dir)/model.json", "--data", "\(dir)/X.csv", "--method", "tree-interventional",
      "--background", "\(dir)/background.csv", "--rows", "0-2", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try Glassbox.jsonLines(run.stdout).count == 9)  // 3 rows × 3 outputs
  }
}
