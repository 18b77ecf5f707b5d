import GlassboxExplainers

/// The waterfall of one explanation as SVG, as shap's waterfall plot: from the base value
/// at the bottom, each of the `context.top` largest contributions (the rest folded into one
/// bar) walks the output to the prediction; orange raises it, blue lowers it.
/// - Complexity: O(features · log features).
public struct WaterfallPlot: Sendable {
  public let context: ReportContext

  public init(context: ReportContext) { self.context = context }

  public func render(_ e: Explanation) -> String {
    let ranked = RankedContributions(e, context: context)
    var rows = ranked.items.map { ($0.label, $0.value) }
    if let folded = ranked.folded {
      rows.append(("\(folded.count) other feature\(folded.count == 1 ? "" : "s")", folded.value))
    }
    // The largest contribution on top, as in shap: the walk starts at the bottom row.
    var points = [e.baseValue]
    var running = e.baseValue
    for row in rows.reversed() {
      running += row.1
      points.append(running)
    }
    let labelWidth = 250.0, width = SummaryPlots.width, rowHeight = 24.0, top = 40.0
    let height = top + Double(rows.count) * rowHeight + 60
    let scale = PlotScale(points + [e.prediction], from: labelWidth, to: width - 80)
    var canvas = SVGCanvas(width: width, height: height)
    var heading = context.heading(e)
    if let id = e.id { heading += " (id \(id))" }
    if let name = context.outputName(e.output) { heading += " · " + name }
    let unit = e.space == .raw ? context.transform.marginUnit : "probability"
    canvas.text(heading + " · " + context.method + " SHAP in " + unit, x: 10, y: 18, size: 13, bold: true)
    let bottom = top + Double(rows.count) * rowHeight
    canvas.line(x1: scale(e.prediction), y1: top - 8, x2: scale(e.prediction), y2: bottom, stroke: PlotPalette.ink, dashed: true)
    canvas.text("prediction " + NumberFormatting.fixed(e.prediction, places: 3), x: scale(e.prediction), y: top - 12, anchor: .middle, size: 11)
    canvas.line(x1: scale(e.baseValue), y1: top, x2: scale(e.baseValue), y2: bottom + 8, stroke: PlotPalette.muted, dashed: true)
    canvas.open("contributions", label: "contribution of each feature")
    var end = e.prediction
    for (k, (label, value)) in rows.enumerated() {
      let start = end - value
      let y = top + Double(k) * rowHeight
      canvas.text(label, x: labelWidth - 8, y: y + 16, anchor: .end, size: 11)
      let colour = value >= 0 ? PlotPalette.raises : PlotPalette.lowers
      canvas.rect(
        x: scale(min(start, end)), y: y + 4, width: abs(scale(end) - scale(start)), height: rowHeight - 8, fill: colour,
        className: "bar", title: label + ": " + NumberFormatting.signed(value, places: 4))
      canvas.text(NumberFormatting.signed(value, places: 3), x: scale(max(start, end)) + 4, y: y + 16, size: 10, fill: colour)
      end = start
    }
    canvas.close()
    canvas.line(x1: labelWidth, y1: bottom + 4, x2: width - 80, y2: bottom + 4, stroke: PlotPalette.ink)
    for t in scale.ticks() {
      canvas.text(NumberFormatting.readable(t, significant: 3), x: scale(t), y: bottom + 18, anchor: .middle, size: 10, fill: PlotPalette.muted)
    }
    canvas.text("base value " + NumberFormatting.fixed(e.baseValue, places: 3), x: scale(e.baseValue), y: bottom + 34, anchor: .middle, size: 11)
    let summary = rows.map { $0.0 + " " + NumberFormatting.signed($0.1, places: 4) }.joined(separator: "; ")
    return canvas.document(
      title: "Waterfall of \(context.heading(e).lowercased()): from the base value \(NumberFormatting.fixed(e.baseValue, places: 3)) to the prediction \(NumberFormatting.fixed(e.prediction, places: 3))",
      summary: summary)
  }
}

/// `explain --plot waterfall`: the SVG waterfall of each explanation (the predicted class
/// of a multi-output model unless one class was chosen); one row gives one SVG document.
public struct WaterfallPlotRenderer: ExplanationRenderer {
  public let plot: WaterfallPlot

  public init(context: ReportContext) { plot = WaterfallPlot(context: context) }

  public func header() -> String { "" }

  public func render(_ explanations: [Explanation]) -> String {
    predictedClassOnly(explanations).map(plot.render).joined()
  }
}
