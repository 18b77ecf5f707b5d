import Foundation
import GlassboxTestSupport
import Testing

/// `glassbox report` and `--plot`: the page and the SVGs parsed as XML by Foundation's
/// parser, checked against explain's own numbers, the files' hashes by sha256sum, and
/// the audit log's last line.
@Suite("glassbox report and --plot")
struct ReportEndToEndTests {
  static let model = Glassbox.root + "/models/adult-xgboost.json"
  static let data = Glassbox.root + "/datasets/adult-test.csv"
  /// Okabe–Ito colours and the greys of the plots: nothing else may colour the page.
  static let palette: Set<String> = [
    "#d55e00", "#0072b2", "#e69f00", "#222222", "#767676", "#d9d9d9", "#aaaaaa", "#ffffff",
    "#3f8fc0", "#86b5d6", "#c8c8c8", "#f0c27a", "#e8a33d",
  ]

  /// The first `rows` data rows of the Adult test set.
  static func subset(_ scratch: ScratchFolder, rows: Int) throws -> String {
    scratch.write(
      "subset.csv",
      try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").prefix(rows + 1).joined(separator: "\n") + "\n")
  }

  static func explanations(_ path: String) throws -> [[String: Any]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
  }

  static func attributions(_ object: [String: Any]) -> [(feature: String, value: Double)] {
    (object["attributions"] as! [[String: Any]]).map { ($0["feature"] as! String, $0["attribution"] as! Double) }
  }

  /// No link, script, font or image leaves the document; colours only from the palette.
  static func expectSelfContained(_ text: String, _ outline: MarkupOutline) {
    for element in outline.elements {
      #expect(!["script", "img", "link", "iframe", "object", "embed", "image", "use"].contains(element.name), "\(element.name)")
      for (name, value) in element.attributes where name != "xmlns" {
        #expect(!value.contains("://"), "\(element.name) \(name)=\(value)")
        if name == "href" || name == "src" { #expect(value.hasPrefix("#"), "\(value)") }
        if name == "fill" || name == "stroke" { #expect(Self.palette.contains(value) || value == "none", "\(value)") }
      }
    }
    for banned in ["url(", "@import", "@font-face", "<script"] { #expect(!text.contains(banned), "\(banned)") }
    let style = outline.all("style").map(\.text).joined()
    var rest = Substring(style)
    while let hash = rest.firstIndex(of: "#") {
      let digits = rest[rest.index(after: hash)...].prefix { $0.isHexDigit }
      #expect(Self.palette.contains("#" + digits.lowercased()), "CSS colour #\(digits)")
      rest = rest[rest.index(after: hash)...]
    }
  }

  @Test("the report: every section, bars proportional to explain's means, waterfalls of the chosen rows, hashes, same bytes")
  func report() throws {
    let scratch = ScratchFolder()
    let subset = try Self.subset(scratch, rows: 200)
    let phi = scratch.path + "/phi.jsonl", log = scratch.path + "/audit.log", page = scratch.path + "/report.html"
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", subset, "--format", "json", "--out", phi, "--audit", log, "--quiet"]).status == 0)
    let arguments = [
      "report", "--model", Self.model, "--data", subset, "--rows", "0,3", "--protected", "sex", "--label", "income",
      "--audit", log, "--out", page, "--quiet",
    ]
    let run = try Glassbox.run(arguments + ["--threads", "2"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty)
    let text = try String(contentsOfFile: page, encoding: .utf8)
    #expect(text.hasPrefix("<!DOCTYPE html>"))
    let outline = try MarkupOutline(text)
    Self.expectSelfContained(text, outline)
    let sections = outline.all("section").compactMap { $0.attributes["id"] }
    #expect(sections == ["model-card", "data-checks", "importance", "beeswarm", "dependence", "waterfalls", "bias", "provenance"])
    for svg in outline.all("svg") {
      #expect(svg.attributes["role"] == "img" && svg.attributes["aria-label"]?.isEmpty == false)
    }
    #expect(outline.all("style").first?.text.contains("@media print") == true)

    // Importance: bar widths in proportion to the mean |attribution| of explain's output.
    let rows = try Self.explanations(phi)
    var sums: [String: Double] = [:]
    for row in rows { for (feature, value) in Self.attributions(row) { sums[feature, default: 0] += abs(value) } }
    let bars = outline.all("rect", inID: "importance").filter { $0.attributes["class"] == "bar" }
    #expect(bars.count == 10)
    let ranked = sums.sorted { $0.value > $1.value }.prefix(10)
    let widths = try bars.map { try #require(Double($0.attributes["width"] ?? "")) }
    for (k, item) in ranked.enumerated() {
      #expect(abs(widths[k] - widths[0] * item.value / ranked.first!.value) <= 0.02, "\(item.key)")
    }
    // The table beside the plot states the same means.
    let cells = outline.all("td", inID: "importance").map(\.text)
    let top = try #require(ranked.first)
    let index = try #require(cells.firstIndex(of: top.key))
    #expect(abs(Double(cells[index + 1])! - top.value / 200) <= 5e-5)

    // Waterfalls of rows 0 and 3: bars proportional to their |φ| (top 10 and the folded rest).
    let figures = outline.elements.filter { $0.name == "svg" && $0.enclosingIDs.contains("waterfalls") }
    #expect(figures.count == 2)
    let waterfallBars = outline.all("rect", inID: "waterfalls").filter { $0.attributes["class"] == "bar" }
    #expect(waterfallBars.count == 2 * 11)
    for (n, row) in [0, 3].enumerated() {
      let values = Self.attributions(rows[row]).map(\.value).sorted { abs($0) > abs($1) }
      let shown = Array(values.prefix(10)) + [values.dropFirst(10).reduce(0, +)]
      let drawn = try waterfallBars[(n * 11)..<(n * 11 + 11)].map { try #require(Double($0.attributes["width"]!)) }
      let largest = drawn[0] / abs(shown[0])
      for k in 0..<11 { #expect(abs(drawn[k] - abs(shown[k]) * largest) <= 0.03, "row \(row) bar \(k)") }
    }

    // Bias: the groups of sex with intervals, and the gap decomposition.
    let biasCells = outline.all("td", inID: "bias").map(\.text)
    #expect(biasCells.contains("Female") && biasCells.contains("Male"))
    #expect(biasCells.contains { $0.contains("[") && $0.contains("]") })
    #expect(outline.all("figcaption", inID: "bias").contains { $0.text.hasPrefix("Gap in mean log-odds, Female − Male") })

    // Provenance: the files' hashes by sha256sum and the audit log's head (its last line).
    let provenance = outline.all("td", inID: "provenance").map(\.text)
    #expect(provenance.contains("sha256:" + (try systemSHA256(Self.model))))
    #expect(provenance.contains("sha256:" + (try systemSHA256(subset))))
    let lastLine = try #require(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").last)
    // The head is the SHA-256 of the last line without its line end, as audit witness states it.
    let lineFile = scratch.write("last-line", String(lastLine))
    #expect(provenance.contains("sha256:" + (try systemSHA256(lineFile))), "\(provenance)")
    #expect(provenance.contains { $0.hasPrefix("200 records") })
    // The audit log's records name the same model hash.
    #expect(try String(contentsOfFile: log, encoding: .utf8).contains(try systemSHA256(Self.model)))

    // Same bytes on one thread.
    let again = scratch.path + "/again.html"
    var single = arguments
    single[single.firstIndex(of: page)!] = again
    #expect(try Glassbox.run(single + ["--threads", "1"]).status == 0)
    #expect(try String(contentsOfFile: again, encoding: .utf8) == text)
  }

  @Test("a failed report leaves no file behind")
  func atomic() throws {
    let scratch = ScratchFolder()
    let subset = try Self.subset(scratch, rows: 50)
    let page = scratch.path + "/report.html"
    let run = try Glassbox.run(["report", "--model", Self.model, "--data", subset, "--protected", "no-such-column", "--out", page, "--quiet"])
    #expect(run.status != 0)
    #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: page))
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["subset.csv"])
    let rows = try Glassbox.run(["report", "--model", Self.model, "--data", subset, "--rows", "60", "--out", page, "--quiet"])
    #expect(rows.status == 64 && rows.stderr.contains("only 0 of the 1 chosen rows exist"), "\(rows.stderr)")
    #expect(!FileManager.default.fileExists(atPath: page))
  }

  @Test("explain --plot waterfall writes one SVG whose bars follow explain's attributions")
  func waterfallPlot() throws {
    let scratch = ScratchFolder()
    let svg = scratch.path + "/row7.svg", phi = scratch.path + "/row7.jsonl"
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "7", "--plot", "waterfall", "--out", svg]).status == 0)
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "7", "--format", "json", "--out", phi]).status == 0)
    let text = try String(contentsOfFile: svg, encoding: .utf8)
    let outline = try MarkupOutline(text)
    Self.expectSelfContained(text, outline)
    #expect(outline.elements.first?.name == "svg")
    let values = Self.attributions(try Self.explanations(phi)[0]).map(\.value).sorted { abs($0) > abs($1) }
    let shown = Array(values.prefix(10)) + [values.dropFirst(10).reduce(0, +)]
    let bars = outline.elements.filter { $0.attributes["class"] == "bar" }
    #expect(bars.count == 11)
    let widths = try bars.map { try #require(Double($0.attributes["width"]!)) }
    for k in 0..<11 { #expect(abs(widths[k] - abs(shown[k]) * widths[0] / abs(shown[0])) <= 0.03) }
    #expect(bars.map { $0.attributes["fill"]! } == shown.map { $0 >= 0 ? "#d55e00" : "#0072b2" })
    let many = try Glassbox.run(["explain", "--model", Self.model, "--data", Self.data, "--rows", "1-2", "--plot", "waterfall"])
    #expect(many.status == 64 && many.stderr.contains("one row"), "\(many.stderr)")
  }

  @Test("summary --plot bar, beeswarm and dependence, and the top interaction pairs")
  func summaryPlots() throws {
    let scratch = ScratchFolder()
    let subset = try Self.subset(scratch, rows: 20)
    let phi = scratch.path + "/phi.jsonl"
    #expect(try Glassbox.run(["explain", "--model", Self.model, "--data", subset, "--format", "json", "--interactions", "--out", phi, "--quiet"]).status == 0)
    for kind in ["bar", "beeswarm", "dependence"] {
      let svg = scratch.path + "/\(kind).svg"
      let run = try Glassbox.run(["summary", phi, "--plot", kind, "--out", svg] + (kind == "dependence" ? ["--feature", "age"] : []))
      #expect(run.status == 0, "\(kind): \(run.stderr)")
      let text = try String(contentsOfFile: svg, encoding: .utf8)
      let outline = try MarkupOutline(text)
      Self.expectSelfContained(text, outline)
      switch kind {
      case "bar": #expect(outline.elements.filter { $0.attributes["class"] == "bar" }.count == 10)
      case "beeswarm": #expect(outline.all("circle").count == 10 * 20)
      default: #expect(outline.all("circle").count == 20 && outline.elements.first?.attributes["aria-label"]?.contains("age") == true)
      }
    }
    // The interaction pairs, against the means computed here from explain's lines.
    var sums: [String: Double] = [:]
    for row in try Self.explanations(phi) {
      for pair in ((row["interactions"] as! [String: Any])["pairs"] as! [[String: Any]]) {
        let names = pair["features"] as! [String]
        sums[names.joined(separator: " × "), default: 0] += abs(pair["value"] as! Double)
      }
    }
    let summary = try Glassbox.run(["summary", phi, "--format", "json"])
    let object = try #require(JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
    let pairs = try #require(object["interactions"] as? [[String: Any]])
    #expect(pairs.count == sums.count)
    let strongest = try #require(sums.max { $0.value < $1.value })
    #expect((pairs[0]["features"] as! [String]).joined(separator: " × ") == strongest.key)
    for pair in pairs {
      let key = (pair["features"] as! [String]).joined(separator: " × ")
      #expect(abs((pair["mean_abs"] as! Double) - sums[key]! / 20) <= 1e-12)
    }
    let table = try Glassbox.run(["summary", phi, "--format", "table"], environment: ["NO_COLOR": "1"])
    #expect(table.stdout.contains("Interactions\n"))
    #expect(table.stdout.contains(strongest.key))
  }
}
