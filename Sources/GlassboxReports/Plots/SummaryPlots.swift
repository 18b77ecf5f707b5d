/// SVG plots of a `SummaryReport`, as shap draws them: the bar plot of mean |attribution|
/// with its bootstrap interval, the beeswarm coloured by feature value, and dependence plots.
///
/// Every plot is a self-contained `<svg>` element (no scripts, fonts or links) with a title
/// and a description for screen readers; equal reports give equal bytes.
/// - Complexity: O(features · log features) for the bars; O(shown features · points) for the
///   beeswarm; O(sample · log sample) per dependence plot.
public struct SummaryPlots: Sendable {
  public let report: SummaryReport
  /// Features shown in the bar plot and the beeswarm.
  public let top: Int
  /// Points drawn per feature in the beeswarm and per dependence plot (a prefix of the
  /// report's sample, itself a seeded uniform sample, so still uniform).
  public let maximumPoints: Int

  public static let width = 720.0
  static let labelWidth = 190.0
  static let rowHeight = 24.0

  public init(report: SummaryReport, top: Int = 10, maximumPoints: Int = 500) {
    self.report = report
    self.top = top
    self.maximumPoints = maximumPoints
  }

  private var shown: [Int] { Array(report.order.prefix(max(1, top))) }

  /// Horizontal bars of mean |attribution|, longest first, each with its bootstrap interval
  /// as a whisker. A bar's length is proportional to its mean (0 at the left edge).
  public func bar() -> String {
    let features = shown
    let plotLeft = Self.labelWidth, plotRight = Self.width - 90
    let top = 30.0
    let height = top + Double(features.count) * Self.rowHeight + 40
    let highest = features.map { j in max(report.importance[j].meanAbsolute, report.importance[j].interval?.1 ?? 0) }.max() ?? 0
    let scale = PlotScale([0, highest > 0 ? highest : 1], from: plotLeft, to: plotRight)
    var canvas = SVGCanvas(width: Self.width, height: height)
    canvas.text("mean |attribution|" + intervalNote, x: plotLeft, y: 18, size: 12, fill: PlotPalette.muted)
    axis(&canvas, scale, y: top + Double(features.count) * Self.rowHeight + 4)
    canvas.open("bars", label: "mean absolute attribution per feature")
    for (k, j) in features.enumerated() {
      let item = report.importance[j]
      let y = top + Double(k) * Self.rowHeight
      canvas.text(item.feature, x: plotLeft - 8, y: y + 16, anchor: .end)
      var title = item.feature + ": " + NumberFormatting.readable(item.meanAbsolute)
      if let (lo, hi) = item.interval { title += " [" + NumberFormatting.readable(lo) + ", " + NumberFormatting.readable(hi) + "]" }
      canvas.rect(x: plotLeft, y: y + 4, width: scale(item.meanAbsolute) - plotLeft, height: Self.rowHeight - 8, fill: PlotPalette.neutral, className: "bar", title: title)
      if let (lo, hi) = item.interval {
        canvas.line(x1: scale(lo), y1: y + Self.rowHeight / 2, x2: scale(hi), y2: y + Self.rowHeight / 2, stroke: PlotPalette.ink, width: 1.5)
        for end in [lo, hi] { canvas.line(x1: scale(end), y1: y + 7, x2: scale(end), y2: y + Self.rowHeight - 7, stroke: PlotPalette.ink, width: 1.5) }
      }
      canvas.text(NumberFormatting.readable(item.meanAbsolute, significant: 3), x: max(scale(item.meanAbsolute), scale(item.interval?.1 ?? 0)) + 6, y: y + 16, size: 11, fill: PlotPalette.muted)
    }
    canvas.close()
    return canvas.document(
      title: "Global importance: mean |attribution| of the top \(features.count) features over \(report.rows) rows",
      summary: features.map { report.importance[$0].feature + " " + NumberFormatting.readable(report.importance[$0].meanAbsolute) }.joined(separator: "; "))
  }

  private var intervalNote: String {
    let c = report.configuration
    return c.replicates > 1 ? " with its \(Int((c.confidence * 100).rounded()))% bootstrap interval (\(c.replicates) replicates)" : ""
  }

  /// An axis with round ticks along `y`.
  private func axis(_ canvas: inout SVGCanvas, _ scale: PlotScale, y: Double, label: String? = nil) {
    canvas.line(x1: scale.from, y1: y, x2: scale.to, y2: y, stroke: PlotPalette.ink)
    for t in scale.ticks() {
      canvas.line(x1: scale(t), y1: y, x2: scale(t), y2: y + 4, stroke: PlotPalette.ink)
      canvas.text(NumberFormatting.readable(t, significant: 3), x: scale(t), y: y + 16, anchor: .middle, size: 10, fill: PlotPalette.muted)
    }
    if let label { canvas.text(label, x: (scale.from + scale.to) / 2, y: y + 32, anchor: .middle, size: 11, fill: PlotPalette.muted) }
  }

  private var points: [SummaryRow] { Array(report.sample.prefix(maximumPoints)) }

  /// The quantile of each row's value of feature `j` among the numeric values of `rows`
  /// (nil for a label or a missing value).
  static func valueQuantiles(_ rows: [SummaryRow], feature j: Int) -> [Double?] {
    let numbers = rows.compactMap { row -> Double? in
      if j < row.values.count, case .number(let x) = row.values[j] { return x }
      return nil
    }.sorted()
    return rows.map { row in
      guard j < row.values.count, case .number(let x) = row.values[j], numbers.count > 1 else { return nil }
      // The mid-rank of x, so that equal values share a colour.
      let below = SummaryRenderer.lowerBound(numbers, x), through = SummaryRenderer.lowerBound(numbers, x.nextUp)
      return (Double(below + through - 1) / 2) / Double(numbers.count - 1)
    }
  }

  /// One row per feature: a dot per sampled row at its attribution, stacked where dots
  /// meet, coloured by the feature's value (blue low, orange high, grey a label or missing).
  public func beeswarm() -> String {
    let features = shown
    let rows = points
    let plotLeft = Self.labelWidth, plotRight = Self.width - 30
    let band = 36.0, top = 30.0
    let height = top + Double(features.count) * band + 70
    let values = features.flatMap { j in rows.map { $0.attributions[j] } }
    let scale = PlotScale(values, from: plotLeft, to: plotRight, includingZero: true)
    var canvas = SVGCanvas(width: Self.width, height: height)
    canvas.text("attribution of each of \(rows.count) sampled rows; colour: the feature's value", x: plotLeft, y: 18, size: 12, fill: PlotPalette.muted)
    canvas.line(x1: scale(0), y1: top, x2: scale(0), y2: top + Double(features.count) * band, stroke: PlotPalette.grid)
    for (k, j) in features.enumerated() {
      let middle = top + Double(k) * band + band / 2
      canvas.text(report.features[j], x: plotLeft - 8, y: middle + 4, anchor: .end)
      canvas.open("swarm", label: report.features[j])
      let quantiles = Self.valueQuantiles(rows, feature: j)
      // Dots in the same 3-pixel column stack outward from the middle line.
      var occupied: [Int: Int] = [:]
      for (i, row) in rows.enumerated() {
        let x = scale(row.attributions[j])
        let column = Int((x / 3).rounded())
        let n = occupied[column, default: 0]
        occupied[column] = n + 1
        let offset = Double((n + 1) / 2) * 2.2 * (n % 2 == 0 ? 1 : -1)
        let colour = quantiles[i].map(PlotPalette.value(atQuantile:)) ?? PlotPalette.unordered
        canvas.circle(x: x, y: middle + max(-band / 2 + 3, min(band / 2 - 3, offset)), radius: 2, fill: colour)
      }
      canvas.close()
    }
    let axisY = top + Double(features.count) * band + 4
    axis(&canvas, scale, y: axisY, label: "attribution")
    legend(&canvas, x: plotLeft, y: axisY + 44)
    return canvas.document(
      title: "Beeswarm: attributions of the top \(features.count) features across \(rows.count) sampled rows, coloured by feature value",
      summary: "Each dot is one row; blue is a low value of the feature, orange a high one, grey a label or a missing value.")
  }

  private func legend(_ canvas: inout SVGCanvas, x: Double, y: Double) {
    canvas.text("feature value: low", x: x, y: y + 9, size: 11, fill: PlotPalette.muted)
    for (k, colour) in PlotPalette.valueScale.enumerated() {
      canvas.rect(x: x + 110 + Double(k) * 16, y: y, width: 16, height: 10, fill: colour)
    }
    let end = x + 110 + Double(PlotPalette.valueScale.count) * 16
    canvas.text("high", x: end + 6, y: y + 9, size: 11, fill: PlotPalette.muted)
    canvas.rect(x: end + 46, y: y, width: 10, height: 10, fill: PlotPalette.unordered)
    canvas.text("label or missing", x: end + 60, y: y + 9, size: 11, fill: PlotPalette.muted)
  }

  /// Attribution against the value of feature `j`: a dot per sampled row and the mean per
  /// bin as a line (numeric), or the mean attribution per label as bars (categorical).
  public func dependence(feature j: Int) -> String {
    let renderer = SummaryRenderer(report: report, sourceName: "", style: TerminalStyle())
    let bins = renderer.dependence(j)
    let name = report.features[j]
    let plotLeft = 70.0, plotRight = Self.width - 30, top = 30.0, bottom = 290.0
    var canvas = SVGCanvas(width: Self.width, height: bottom + 50)
    let numeric = bins.contains { $0.from != nil }
    canvas.text("attribution of \(name) against its value" + (numeric ? "; line: mean per bin" : "; bars: mean per label"), x: plotLeft, y: 18, size: 12, fill: PlotPalette.muted)
    let pairs = points.compactMap { row -> (Double, Double)? in
      if j < row.values.count, case .number(let x) = row.values[j] { return (x, row.attributions[j]) }
      return nil
    }
    let yValues = (numeric ? pairs.map(\.1) : bins.map(\.meanAttribution)) + [0]
    let yScale = PlotScale(yValues, from: bottom, to: top)
    canvas.line(x1: plotLeft, y1: yScale(0), x2: plotRight, y2: yScale(0), stroke: PlotPalette.grid)
    for t in yScale.ticks() {
      canvas.text(NumberFormatting.readable(t, significant: 3), x: plotLeft - 6, y: yScale(t) + 4, anchor: .end, size: 10, fill: PlotPalette.muted)
    }
    if numeric {
      let xScale = PlotScale(pairs.map(\.0), from: plotLeft, to: plotRight)
      canvas.open("points", label: "one dot per sampled row")
      for (x, phi) in pairs { canvas.circle(x: xScale(x), y: yScale(phi), radius: 2, fill: PlotPalette.neutral) }
      canvas.close()
      let means = bins.compactMap { bin -> (Double, Double)? in
        guard let from = bin.from, let to = bin.to else { return nil }
        return (xScale((from + to) / 2), yScale(bin.meanAttribution))
      }
      if !means.isEmpty { canvas.polyline(means, stroke: PlotPalette.accent, width: 2.5) }
      axis(&canvas, xScale, y: bottom + 4, label: name)
    } else {
      let slot = (plotRight - plotLeft) / Double(max(1, bins.count))
      canvas.open("labels", label: "mean attribution per label")
      for (k, bin) in bins.enumerated() {
        let x = plotLeft + Double(k) * slot
        let y0 = yScale(0), y1 = yScale(bin.meanAttribution)
        canvas.rect(
          x: x + slot * 0.15, y: min(y0, y1), width: slot * 0.7, height: abs(y1 - y0),
          fill: bin.meanAttribution >= 0 ? PlotPalette.raises : PlotPalette.lowers, className: "bar",
          title: bin.label + ": mean " + NumberFormatting.readable(bin.meanAttribution) + " over \(bin.rows) rows")
        // About 6 px per character at size 10: a longer label is cut (its bar's title keeps it whole).
        let room = max(3, Int(slot / 6))
        let shown = bin.label.count <= room ? bin.label : String(bin.label.prefix(room - 1)) + "…"
        canvas.text(shown, x: x + slot / 2, y: bottom + 16, anchor: .middle, size: 10)
      }
      canvas.close()
    }
    return canvas.document(
      title: "Dependence of \(name): its attribution against its value over \(points.count) sampled rows",
      summary: bins.map { $0.label + ": " + NumberFormatting.readable($0.meanAttribution) }.joined(separator: "; "))
  }

  /// The features with a dependence plot: the `count` most important.
  public func dependenceFeatures(_ count: Int) -> [Int] { Array(report.order.prefix(count)) }
}
