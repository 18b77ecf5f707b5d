import Foundation
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import Testing

@testable import GlassboxReports

@Suite("Renderers")
struct RendererTests {
  let card = ModelCard(features: [
    ModelCard.Feature(name: "age", unit: "years"),
    ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)]), sensitive: true),
    ModelCard.Feature(name: "hours, weekly"),
  ])

  var context: ReportContext {
    ReportContext(
      schema: FeatureSchema(names: ["age", "sex", "hours, weekly"], card: card), modelName: "m.json",
      transform: .logistic, classNames: nil, method: "linear", top: 2)
  }

  let explanation = Explanation(
    row: 7, output: nil, space: .raw, prediction: 0.5, baseValue: -1, attributions: [1.25, -0.25, 0.5],
    inputs: [39, 1, .nan], notes: ["hours, weekly is missing"])

  @Test("JSON Lines: exact numbers, labels, null for missing; parses with Foundation")
  func jsonLines() throws {
    let text = JSONLinesRenderer(context: context).render([explanation, explanation])
    let lines = text.split(separator: "\n")
    #expect(lines.count == 2)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    #expect(object["row"] as? Int == 7)
    #expect(object["prediction"] as? Double == 0.5)
    #expect(object["base_value"] as? Double == -1)
    let attributions = try #require(object["attributions"] as? [[String: Any]])
    #expect(attributions.map { $0["feature"] as? String } == ["age", "sex", "hours, weekly"])
    #expect(attributions[0]["value"] as? Int == 39)
    #expect(attributions[1]["value"] as? String == "Male")
    #expect(attributions[2]["value"] is NSNull)
    #expect(attributions.map { $0["attribution"] as? Double } == [1.25, -0.25, 0.5])
    #expect((object["warnings"] as? [String]) == ["hours, weekly is missing"])
  }

  @Test("JSON numbers read back bit for bit")
  func roundTrip() throws {
    var state: UInt64 = 12345
    for _ in 0..<2000 {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let x = Double(bitPattern: state >> 2) // spread over many exponents; skip non-finite
      guard x.isFinite else { continue }
      let text = NumberFormatting.json(x)
      #expect(Double(text) == x, "\(x) → \(text)")
    }
    #expect(NumberFormatting.json(.nan) == "null")
    #expect(NumberFormatting.json(39) == "39")
    #expect(NumberFormatting.json(-0.0) == "-0")
  }

  @Test("CSV numbers written in place spell as the CSV cells do, and read back bit for bit")
  func csvInPlace() {
    var state: UInt64 = 16
    var values: [Double] = [0, -0.0, 39, -2.5, 1e300, -1e-300, .nan, .infinity, -.infinity, 9_007_199_254_740_992, 0.1]
    for _ in 0..<4000 {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      values.append(Double(bitPattern: state >> 1 | (state & 1) << 63))
    }
    var finite = 0
    for x in values {
      var out = "a,"
      NumberFormatting.appendCSV(x, to: &out)
      #expect(out == "a," + NumberFormatting.csv(x), "\(x)")
      if x.isFinite {
        finite += 1
        #expect(Double(out.dropFirst(2)) == x, "\(x) → \(out)")
      }
    }
    #expect(finite > 3900)
    #expect(values.count == 4011)
  }

  @Test("CSV: header quotes names with commas, empty class for single output")
  func csv() {
    let r = CSVRenderer(context: context)
    #expect(r.header() == "row,class,prediction,base_value,age,sex,\"hours, weekly\"\n")
    #expect(r.render([explanation]) == "7,,0.5,-1,1.25,-0.25,0.5\n")
  }

  @Test("fixed-point formatting rounds half away from zero")
  func fixed() {
    #expect(NumberFormatting.fixed(1.0005, places: 3) == "1.001" || NumberFormatting.fixed(1.0005, places: 3) == "1.000")
    #expect(NumberFormatting.fixed(-0.0004, places: 3) == "0.000")
    #expect(NumberFormatting.fixed(-2.5, places: 0) == "-3")
    #expect(NumberFormatting.fixed(12.3456, places: 2) == "12.35")
    #expect(NumberFormatting.signed(0.25, places: 2) == "+0.25")
    #expect(NumberFormatting.readable(38.581646) == "38.58")
    #expect(NumberFormatting.readable(0.000123456) == "0.0001235")
  }

  @Test("waterfall: top K with labels and units, the rest folded, bars ordered along the walk")
  func waterfall() {
    let text = WaterfallRenderer(context: context, style: TerminalStyle(width: 80, color: false)).render(explanation)
    #expect(text.contains("Row 7"))
    #expect(text.contains("prediction  0.500  (probability 0.622)"))
    #expect(text.contains("base value  -1.000  (probability 0.269)"))
    #expect(text.contains("age = 39 years"))
    #expect(text.contains("hours, weekly = missing"))
    #expect(text.contains("1 other feature "))
    #expect(!text.contains("sex = Male"))  // folded: the smallest |φ|
    #expect(!text.contains("\u{1B}["))
    // Lines are no wider than the terminal.
    for line in text.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
    let colored = WaterfallRenderer(context: context, style: TerminalStyle(width: 80, color: true)).render(explanation)
    #expect(colored.contains("\u{1B}[31m"))  // red: raises
    #expect(colored.contains("\u{1B}[34m"))  // blue: lowers ("1 other feature" is −0.25)
  }

  @Test("bar geometry: full cells, eighths at the right end, a stroke for tiny values")
  func bars() {
    #expect(WaterfallRenderer.bar(from: 0, to: 3, width: 5) == "███  ")
    #expect(WaterfallRenderer.bar(from: 1, to: 2.5, width: 4) == " █▌ ")
    #expect(WaterfallRenderer.bar(from: 2, to: 2.01, width: 4) == "  ▏ ")
    #expect(WaterfallRenderer.bar(from: 0, to: 4, width: 4) == "████")
  }

  @Test("markdown escapes pipes and shows the folded rest")
  func markdown() {
    var ctx = context
    ctx.top = 1
    let text = MarkdownRenderer(context: ctx).render(explanation)
    #expect(text.contains("| age | 39 years | +1.2500 |"))
    #expect(text.contains("| 2 other features | | +0.2500 |"))
    #expect(text.contains("probability 0.6225"))
  }
}
