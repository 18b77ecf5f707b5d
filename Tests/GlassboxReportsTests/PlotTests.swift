import Foundation
import GlassboxData
import GlassboxExplainers
import GlassboxTestSupport
import Testing

@testable import GlassboxReports

/// The SVG plots and the HTML report, parsed as XML by Foundation's parser and checked
/// against figures computed here.
@Suite("SVG plots and the HTML report")
struct PlotTests {
  static let features = ["age", "hours", "sex", "capital"]

  /// Rows with known attribution sizes: |φ_age| ≈ 2.5, |φ_hours| ≈ 1, |φ_sex| = 0.3, capital
  /// mostly 0; values follow the attributions so the beeswarm has an order to show.
  static func rows(_ n: Int) -> [SummaryRow] {
    var state: UInt64 = 99
    func uniform() -> Double {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Double(state >> 11) / Double(1 << 53)
    }
    return (0..<n).map { i in
      let age = uniform() * 60 + 20, hours = uniform() * 60
      var row = SummaryRow(
        attributions: [(age - 45) / 5, (hours - 30) / 15, i % 2 == 0 ? 0.3 : -0.3, i % 10 == 0 ? 1 : 0],
        values: [.number(age), .number(hours), .label(i % 2 == 0 ? "Male" : "Female"), .number(i % 10 == 0 ? 5000 : 0)])
      row.interactionPairs = [(0, 1, 0.01 * Double(i % 7)), (1, 2, -0.002)]
      return row
    }
  }

  static func report(_ rows: [SummaryRow]) -> SummaryReport {
    var configuration = ExplanationSummary.Configuration()
    configuration.replicates = 50
    configuration.sampleSize = 300
    var summary = ExplanationSummary(features: features, configuration: configuration)
    rows.forEach { summary.add($0) }
    return summary.report()
  }

  /// Every colour named in the markup (fill, stroke, CSS) comes from the palette.
  static func colours(_ text: String) -> Set<String> {
    var found: Set<String> = []
    var rest = Substring(text)
    while let hash = rest.firstIndex(of: "#") {
      let digits = rest[rest.index(after: hash)...].prefix { $0.isHexDigit }
      if digits.count == 6 || digits.count == 3 { found.insert("#" + digits.lowercased()) }
      rest = rest[rest.index(after: hash)...]
    }
    return found
  }

  static func expectSelfContained(_ text: String) {
    let outline = try? MarkupOutline(text)
    #expect(outline != nil, "well-formed XML")
    for element in outline?.elements ?? [] {
      for (name, value) in element.attributes {
        if name == "xmlns" { continue }
        #expect(!value.contains("://"), "\(element.name) \(name)=\(value) points outside the document")
        if name == "href" { #expect(value.hasPrefix("#"), "a link outside the page: \(value)") }
      }
      #expect(!["script", "img", "link", "iframe", "object", "embed", "image", "use"].contains(element.name), "\(element.name)")
      if ["fill", "stroke"].contains(where: { element.attributes[$0] != nil }) {
        for key in ["fill", "stroke"] {
          if let colour = element.attributes[key] { #expect(PlotPalette.all.contains(colour) || colour == "none", "\(colour)") }
        }
      }
    }
    #expect(!text.contains("url("))
    #expect(!text.contains("@import"))
    #expect(!text.contains("@font-face"))
    #expect(colours(text).isSubset(of: PlotPalette.all), "\(colours(text).subtracting(PlotPalette.all))")
  }

  @Test("the bar plot is well-formed, self-contained, and its bars are proportional to the means computed here")
  func bars() throws {
    let rows = Self.rows(1000)
    let report = Self.report(rows)
    let svg = SummaryPlots(report: report, top: 4).bar()
    Self.expectSelfContained(svg)
    let outline = try MarkupOutline(svg)
    let root = try #require(outline.elements.first)
    #expect(root.name == "svg" && root.attributes["role"] == "img")
    #expect(root.attributes["aria-label"]?.contains("Global importance") == true)
    #expect(!outline.all("title").isEmpty && !outline.all("desc").isEmpty)
    let bars = outline.elements.filter { $0.attributes["class"] == "bar" }
    #expect(bars.count == 4)
    let means = (0..<4).map { j in rows.reduce(0) { $0 + abs($1.attributions[j]) } / Double(rows.count) }
    let order = means.indices.sorted { means[$0] > means[$1] }
    let widths = try bars.map { try #require(Double($0.attributes["width"] ?? "")) }
    // Widths are rounded to 0.01 px.
    for (k, j) in order.enumerated() {
      let expected = widths[0] * means[j] / means[order[0]]
      #expect(abs(widths[k] - expected) <= 0.02, "\(Self.features[j]): \(widths[k]) vs \(expected)")
    }
    // Each bar's title names its feature in the order of the means.
    let titles = outline.all("title").dropFirst().map(\.text)
    #expect(titles.map { String($0.prefix { $0 != ":" }) } == order.map { Self.features[$0] })
  }

  @Test("the beeswarm draws a dot per sampled row and feature, coloured low to high by value")
  func beeswarm() throws {
    let report = Self.report(Self.rows(1000))
    let svg = SummaryPlots(report: report, top: 3, maximumPoints: 200).beeswarm()
    Self.expectSelfContained(svg)
    let outline = try MarkupOutline(svg)
    let dots = outline.all("circle")
    #expect(dots.count == 3 * 200)
    // age: its attribution rises with its value, so the rightmost dots are the highest colour.
    let groups = outline.elements.filter { $0.attributes["class"] == "swarm" }
    #expect(groups.map { $0.attributes["aria-label"] } == ["age", "hours", "sex"])
    let age = outline.elements.enumerated().filter { $0.element.name == "circle" && $0.element.enclosingClasses.last == "swarm" }.prefix(200)
    let sorted = age.map { (x: Double($0.element.attributes["cx"]!)!, colour: $0.element.attributes["fill"]!) }.sorted { $0.x < $1.x }
    #expect(sorted.first?.colour == PlotPalette.valueScale.first)
    #expect(sorted.last?.colour == PlotPalette.valueScale.last)
    // sex is a label: grey.
    #expect(dots.suffix(200).allSatisfy { $0.attributes["fill"] == PlotPalette.unordered })
  }

  @Test("dependence: points and bin means for a number, bars per label for a category")
  func dependence() throws {
    let report = Self.report(Self.rows(1000))
    let plots = SummaryPlots(report: report)
    let numeric = plots.dependence(feature: 0)
    Self.expectSelfContained(numeric)
    let outline = try MarkupOutline(numeric)
    #expect(outline.all("circle").count == report.sample.count)
    #expect(outline.all("polyline").count == 1)
    let labels = try MarkupOutline(plots.dependence(feature: 2))
    let bars = labels.elements.filter { $0.attributes["class"] == "bar" }
    #expect(bars.count == 2)
    // Male rows carry +0.3, Female −0.3: orange up, blue down, equal heights.
    #expect(Set(bars.map { $0.attributes["fill"]! }) == [PlotPalette.raises, PlotPalette.lowers])
    #expect(bars[0].attributes["height"] == bars[1].attributes["height"])
  }

  @Test("the waterfall walks from the base value to the prediction with bars proportional to |φ|")
  func waterfall() throws {
    let card = ModelCard(features: [
      ModelCard.Feature(name: "age"), ModelCard.Feature(name: "hours"),
      ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)])), ModelCard.Feature(name: "capital"),
    ])
    let context = ReportContext(
      schema: FeatureSchema(names: Self.features, card: card), modelName: "m.json", transform: .logistic, classNames: nil,
      method: "tree", top: 3)
    let e = Explanation(
      row: 4, output: nil, space: .raw, prediction: -0.75, baseValue: -1, attributions: [0.8, -0.4, 0.1, -0.25], inputs: [39, 40, 1, 0])
    let svg = WaterfallPlot(context: context).render(e)
    Self.expectSelfContained(svg)
    let outline = try MarkupOutline(svg)
    let bars = outline.elements.filter { $0.attributes["class"] == "bar" }
    // Three features and "1 other feature" (sex, 0.1).
    #expect(bars.count == 4)
    let widths = try bars.map { try #require(Double($0.attributes["width"]!)) }
    let sizes = [0.8, 0.4, 0.25, 0.1]
    for k in 1..<4 { #expect(abs(widths[k] - widths[0] * sizes[k] / sizes[0]) <= 0.03) }
    #expect(bars.map { $0.attributes["fill"]! } == [PlotPalette.raises, PlotPalette.lowers, PlotPalette.lowers, PlotPalette.raises])
    // Consecutive bars touch: each starts where the one above ends (the walk).
    let xs = try bars.map { try #require(Double($0.attributes["x"]!)) }
    #expect(abs(xs[0] - xs[1]) <= 0.02 || abs(xs[0] - (xs[1] + widths[1])) <= 0.02)
    #expect(outline.all("text").contains { $0.text == "base value -1.000" })
    #expect(outline.all("text").contains { $0.text == "prediction -0.750" })
    #expect(outline.elements.first?.attributes["aria-label"]?.contains("row 4") == true)
  }

  @Test("plots are the same bytes for the same input")
  func deterministic() {
    let a = SummaryPlots(report: Self.report(Self.rows(500)))
    let b = SummaryPlots(report: Self.report(Self.rows(500)))
    #expect(a.bar() == b.bar())
    #expect(a.beeswarm() == b.beeswarm())
    #expect(a.dependence(feature: 1) == b.dependence(feature: 1))
  }

  @Test("interaction pairs: exact mean |φ_ij| per pair, strongest first")
  func interactions() {
    let rows = Self.rows(700)
    let report = Self.report(rows)
    #expect(report.interactions.count == 2)
    let ageHours = rows.reduce(0) { $0 + abs($1.interactionPairs[0].value) } / 700
    #expect(report.interactions[0].first == "age" && report.interactions[0].second == "hours")
    #expect(abs(report.interactions[0].meanAbsolute - ageHours) <= 1e-12)
    #expect(abs(report.interactions[1].meanAbsolute - 0.002) <= 1e-12)
    let json = SummaryRenderer(report: report, sourceName: "x", style: TerminalStyle()).json()
    #expect(json.contains("\"interactions\":[{\"features\":[\"age\",\"hours\"]"))
  }

  @Test("SVG text escapes markup characters and keeps coordinates short")
  func escaping() throws {
    #expect(SVGCanvas.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    #expect(SVGCanvas.number(1.005) == "1.01" || SVGCanvas.number(1.005) == "1")
    #expect(SVGCanvas.number(-0.001) == "0")
    #expect(SVGCanvas.number(12) == "12")
    var canvas = SVGCanvas(width: 10, height: 10)
    canvas.text("x < y & </svg>", x: 1, y: 2)
    let outline = try MarkupOutline(canvas.document(title: "t <", summary: "s"))
    #expect(outline.all("text").first?.text == "x < y & </svg>")
  }
}
