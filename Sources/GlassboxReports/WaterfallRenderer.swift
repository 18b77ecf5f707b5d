import GlassboxExplainers
import GlassboxSystem
import GlassboxModels

/// The terminal report: per prediction, the output (and probability for a logit link),
/// the base value, and a waterfall of the top contributions as horizontal bars that walk
/// from the base value to the prediction, red where a feature raises the output and blue
/// where it lowers it, as in shap's waterfall plot.
public struct WaterfallRenderer: Sendable {
  public let context: ReportContext
  public let style: TerminalStyle

  public init(context: ReportContext, style: TerminalStyle) {
    self.context = context
    self.style = style
  }

  /// The report for each explanation, separated by blank lines.
  /// - Complexity: O(explanations · features · log features).
  public func render(_ explanations: [Explanation]) -> String {
    explanations.map(render).joined(separator: "\n")
  }

  /// The report for one explanation.
  public func render(_ e: Explanation) -> String {
    if let special = PayloadRenderers.renderer(for: e) { return special.table(e, renderer: self) }
    var out = ""
    var title = context.heading(e)
    if let id = e.id { title += " (id \(TerminalSafe.quote(id)))" }
    if let name = context.outputName(e.output) { title += " · \(name)" }
    title += " · \(context.modelName) · \(context.method) SHAP"
    if e.space == .raw { title += " in \(context.transform.marginUnit)" } else { title += " in probability" }
    out += style.bold(title) + "\n"
    out += "  prediction  " + NumberFormatting.fixed(e.prediction, places: 3) + probabilityNote(e.prediction, e) + "\n"
    let baseLine = "  base value  " + NumberFormatting.fixed(e.baseValue, places: 3) + probabilityNote(e.baseValue, e)
    let hint = "   (mean output over the reference data)"
    out += baseLine + (baseLine.count + hint.count <= style.width ? style.dim(hint) : "") + "\n\n"

    let ranked = RankedContributions(e, context: context)
    var rows = ranked.items.map { ($0.label, $0.value, $0.standardError) }
    if let folded = ranked.folded {
      rows.append(("\(folded.count) other feature\(folded.count == 1 ? "" : "s")", folded.value, nil))
    }
    let valueWidth = rows.map { valueText($0.1, $0.2).count }.max() ?? 7
    // Labels keep their full text where the width allows; the bars shrink first, down to
    // `Self.minimumBar` columns, and never grow past `Self.maximumBar`, so that on a wide
    // terminal each number stays near its label.
    let longestLabel = max(rows.map { $0.0.count }.max() ?? 10, 12)
    let labelWidth = min(longestLabel, max(16, style.width - valueWidth - 6 - Self.minimumBar))
    let barWidth = min(Self.maximumBar, max(Self.minimumBar, style.width - labelWidth - valueWidth - 6))

    // The walk from base value to prediction decides the bars' positions.
    var points = [e.baseValue]
    var running = e.baseValue
    for row in rows {
      running += row.1
      points.append(running)
    }
    let lo = min(points.min() ?? 0, e.prediction)
    let hi = max(points.max() ?? 0, e.prediction)
    let span = hi - lo > 0 ? hi - lo : 1
    func column(_ v: Double) -> Double { (v - lo) / span * Double(barWidth) }

    var start = e.baseValue
    for (label, value, se) in rows {
      let end = start + value
      let bar = Self.bar(from: column(min(start, end)), to: column(max(start, end)), width: barWidth)
      let name = label.count > labelWidth ? String(label.prefix(labelWidth - 1)) + "…" : label
      out += "  " + pad(name, labelWidth) + " "
      out += style.paint(bar, raises: value >= 0) + " "
      out += style.paint(leftPad(valueText(value, se), valueWidth), raises: value >= 0) + "\n"
      start = end
    }
    // The axis under the bars: where the base value (●) and the prediction (◆) lie, then
    // the lowest and highest points of the walk with the legend between them.
    var axis = [Character](repeating: "─", count: barWidth)
    func cell(_ v: Double) -> Int { min(barWidth - 1, max(0, Int(column(v)))) }
    axis[cell(e.baseValue)] = "●"
    axis[cell(e.prediction)] = "◆"
    let indent = "  " + String(repeating: " ", count: labelWidth) + " "
    out += indent + style.dim(String(axis)) + "\n"
    let loText = NumberFormatting.fixed(lo, places: 3), hiText = NumberFormatting.fixed(hi, places: 3)
    let legend = "● base value  ◆ prediction"
    let room = barWidth - loText.count - hiText.count
    if room >= legend.count + 4 {
      let left = (room - legend.count) / 2
      out += indent + style.dim(
        loText + String(repeating: " ", count: left) + legend
          + String(repeating: " ", count: room - legend.count - left) + hiText) + "\n"
    } else {
      out += indent + style.dim(loText + String(repeating: " ", count: max(1, room)) + hiText) + "\n"
      out += indent + style.dim(legend) + "\n"
    }
    for note in e.notes { out += style.dimWrapped("  note: ", TerminalSafe.escaped(note)) }
    if let algorithm = context.algorithm { out += style.dimWrapped("  method: ", TerminalSafe.escaped(algorithm)) }
    return out
  }

  /// The narrowest and widest the bars get, in columns.
  static let minimumBar = 12
  static let maximumBar = 48

  private func valueText(_ v: Double, _ se: Double?) -> String {
    var text = NumberFormatting.signed(v, places: 3)
    if let se { text += " ± " + NumberFormatting.fixed(se, places: 3) }
    return text
  }

  private func probabilityNote(_ margin: Double, _ e: Explanation) -> String {
    guard e.space == .raw else { return "" }
    switch context.transform {
    case .logistic:
      return "  (probability " + NumberFormatting.fixed(1 / (1 + exp(-margin)), places: 3) + ")"
    case .exponential:
      return "  (response " + NumberFormatting.readable(exp(margin)) + ")"
    default:
      return ""
    }
  }

  /// A bar covering columns [a, b) of `width` cells, with eighth-cell resolution at the
  /// right end and a half cell at the left end. At least a thin stroke is always drawn.
  static func bar(from a: Double, to b: Double, width: Int) -> String {
    let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    var cells = [String](repeating: " ", count: width)
    let left = max(0, min(Double(width), a))
    let right = max(left, min(Double(width), b))
    var c = Int(left)
    if left - Double(c) >= 0.5, c < width, right - left >= 0.5 {
      cells[c] = "▐"
      c += 1
    } else if left - Double(c) > 0 {
      // Round the start down to the cell; sub-cell precision at the left is halves only.
    }
    let fullEnd = Int(right)
    while c < fullEnd && c < width {
      cells[c] = "█"
      c += 1
    }
    let remainder = Int(((right - Double(fullEnd)) * 8).rounded(.down))
    if c < width, remainder > 0, c == fullEnd { cells[c] = eighths[remainder] }
    if right - left < 0.125, Int(left) < width { cells[min(Int(left), width - 1)] = "▏" }
    return cells.joined()
  }
}

/// Markdown for reports: a heading and a table per explanation.
public struct MarkdownRenderer: Sendable {
  public let context: ReportContext

  public init(context: ReportContext) { self.context = context }

  public func render(_ explanations: [Explanation]) -> String {
    explanations.map(render).joined(separator: "\n")
  }

  public func render(_ e: Explanation) -> String {
    if let special = PayloadRenderers.renderer(for: e) { return special.markdown(e, renderer: self) }
    var title = "### " + context.heading(e)
    if let id = e.id { title += " (id \(escape(id)))" }
    if let name = context.outputName(e.output) { title += ", \(name)" }
    var out = title + "\n\n"
    let unit = e.space == .raw ? context.transform.marginUnit : "probability"
    out += "Prediction **\(NumberFormatting.fixed(e.prediction, places: 4))** (\(unit))"
    if e.space == .raw, context.transform == .logistic {
      out += ", probability \(NumberFormatting.fixed(1 / (1 + exp(-e.prediction)), places: 4))"
    }
    out += "; base value \(NumberFormatting.fixed(e.baseValue, places: 4)); method \(context.method) SHAP"
    if let algorithm = context.algorithm { out += ", " + escape(algorithm) }
    out += ".\n\n"
    out += "| feature | value | contribution |\n|---|---|---:|\n"
    let ranked = RankedContributions(e, context: context)
    for item in ranked.items {
      let parts = item.label.split(separator: " = ", maxSplits: 1).map(String.init)
      var value = NumberFormatting.signed(item.value, places: 4)
      if let se = item.standardError { value += " ± " + NumberFormatting.fixed(se, places: 4) }
      out += "| \(escape(parts[0])) | \(escape(parts.count > 1 ? parts[1] : "")) | \(value) |\n"
    }
    if let folded = ranked.folded {
      out += "| \(folded.count) other features | | \(NumberFormatting.signed(folded.value, places: 4)) |\n"
    }
    for note in e.notes { out += "\n> " + escape(note) + "\n" }
    return out
  }

  func escape(_ s: String) -> String {
    var out = ""
    for ch in TerminalSafe.escaped(s) { out += ch == "|" ? "\\|" : String(ch) }
    return out
  }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func leftPad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

#if canImport(Glibc)
  import Glibc
#endif
