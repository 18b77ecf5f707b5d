/// The colours of every plot and of the HTML report: the Okabe–Ito palette, which stays
/// distinguishable under the common colour-vision deficiencies. Effects that raise the
/// output are orange, effects that lower it blue (never red against green); feature values
/// run from blue (low) through grey to orange (high).
public enum PlotPalette {
  /// Effects that raise the output (Okabe–Ito vermillion-orange).
  public static let raises = "#d55e00"
  /// Effects that lower the output (Okabe–Ito blue).
  public static let lowers = "#0072b2"
  /// Bars without a sign (importance) and points without a value colour.
  public static let neutral = "#0072b2"
  /// Means drawn over points (dependence).
  public static let accent = "#e69f00"
  /// Intervals, axes and grid lines.
  public static let ink = "#222222"
  public static let muted = "#767676"
  public static let grid = "#d9d9d9"
  /// Categorical or missing values in the beeswarm.
  public static let unordered = "#aaaaaa"
  public static let paper = "#ffffff"
  /// Feature value from low (first) to high (last): blue to orange through grey.
  public static let valueScale = ["#0072b2", "#3f8fc0", "#86b5d6", "#c8c8c8", "#f0c27a", "#e8a33d", "#e69f00"]

  /// Every colour a plot may use.
  public static var all: Set<String> {
    Set([raises, lowers, neutral, accent, ink, muted, grid, unordered, paper] + valueScale)
  }

  /// The colour of a value at quantile `q` in [0, 1].
  public static func value(atQuantile q: Double) -> String {
    let k = Int((min(1, max(0, q)) * Double(valueScale.count - 1)).rounded())
    return valueScale[k]
  }
}

/// Builds one SVG document as text: numbers with at most two decimals (so equal inputs give
/// equal bytes), text escaped for XML, a `<title>` and `aria-label` for screen readers.
/// - Complexity: O(total text); elements are appended, never reparsed.
struct SVGCanvas {
  let width: Double
  let height: Double
  private(set) var body = ""

  init(width: Double, height: Double) {
    self.width = width
    self.height = height
  }

  /// A coordinate or length: two decimals at most, no trailing zeros, no "-0".
  static func number(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    var text = NumberFormatting.fixed((x * 100).rounded() / 100, places: 2)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
  }

  /// `text` escaped for XML character data and attribute values.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default:
        // Control characters are not allowed in XML 1.0.
        if c.value < 0x20 && c != "\n" && c != "\t" { out += " " } else { out.unicodeScalars.append(c) }
      }
    }
    return out
  }

  private static func attributes(_ pairs: [(String, String)]) -> String {
    pairs.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
  }

  mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, className: String? = nil, title: String? = nil) {
    var pairs = [("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(max(0, width))), ("height", Self.number(max(0, height))), ("fill", fill)]
    if let className { pairs.insert(("class", className), at: 0) }
    body += "<rect" + Self.attributes(pairs)
    body += title.map { "><title>" + Self.escape($0) + "</title></rect>\n" } ?? "/>\n"
  }

  mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) {
    var pairs = [("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)), ("stroke", stroke), ("stroke-width", Self.number(width))]
    if dashed { pairs.append(("stroke-dasharray", "4 3")) }
    body += "<line" + Self.attributes(pairs) + "/>\n"
  }

  mutating func circle(x: Double, y: Double, radius: Double, fill: String) {
    body += "<circle" + Self.attributes([("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)), ("fill", fill)]) + "/>\n"
  }

  mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
    let list = points.map { Self.number($0.0) + "," + Self.number($0.1) }.joined(separator: " ")
    body += "<polyline" + Self.attributes([("points", list), ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width))]) + "/>\n"
  }

  enum Anchor: String { case start, middle, end }

  mutating func text(_ content: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12, fill: String = PlotPalette.ink, bold: Bool = false) {
    var pairs = [("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)), ("fill", fill)]
    if anchor != .start { pairs.append(("text-anchor", anchor.rawValue)) }
    if bold { pairs.append(("font-weight", "bold")) }
    body += "<text" + Self.attributes(pairs) + ">" + Self.escape(content) + "</text>\n"
  }

  /// Opens a group (`className` lets a test or a style sheet find its parts).
  mutating func open(_ className: String, label: String? = nil) {
    body += "<g" + Self.attributes([("class", className)] + (label.map { [("aria-label", $0)] } ?? [])) + ">\n"
  }

  mutating func close() { body += "</g>\n" }

  /// The document: `title` is read by screen readers (and shown as a tooltip), `summary`
  /// describes what the plot shows in words.
  func document(title: String, summary: String) -> String {
    var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""
    out += Self.attributes([
      ("width", Self.number(width)), ("height", Self.number(height)),
      ("viewBox", "0 0 " + Self.number(width) + " " + Self.number(height)), ("aria-label", title),
      ("font-family", "sans-serif"),
    ])
    out += ">\n<title>" + Self.escape(title) + "</title>\n<desc>" + Self.escape(summary) + "</desc>\n"
    out += "<rect" + Self.attributes([("width", "100%"), ("height", "100%"), ("fill", PlotPalette.paper)]) + "/>\n"
    return out + body + "</svg>\n"
  }
}

/// A linear map from data values onto pixels.
struct PlotScale {
  let low: Double
  let high: Double
  let from: Double
  let to: Double

  /// Spans `values` (and 0 when `includingZero`), widened a little when they are all equal.
  init(_ values: [Double], from: Double, to: Double, includingZero: Bool = false) {
    var lo = values.min() ?? 0, hi = values.max() ?? 1
    if includingZero {
      lo = min(lo, 0)
      hi = max(hi, 0)
    }
    if !(hi > lo) {
      lo -= 0.5
      hi += 0.5
    }
    low = lo
    high = hi
    self.from = from
    self.to = to
  }

  func callAsFunction(_ x: Double) -> Double { from + (x - low) / (high - low) * (to - from) }

  /// Up to `count` round tick values inside the span.
  func ticks(_ count: Int = 5) -> [Double] {
    let raw = (high - low) / Double(max(1, count))
    var step = 1.0
    while step > raw { step /= 10 }
    while step * 10 <= raw { step *= 10 }
    for factor in [1.0, 2, 5, 10] where step * factor >= raw {
      step *= factor
      break
    }
    var values: [Double] = []
    var v = (low / step).rounded(.up) * step
    while v <= high + step * 1e-9 {
      values.append(abs(v) < step * 1e-9 ? 0 : v)
      v += step
    }
    return values
  }
}

#if canImport(Glibc)
  import Glibc
#endif
