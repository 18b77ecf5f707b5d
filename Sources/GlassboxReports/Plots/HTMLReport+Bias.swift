import GlassboxFairness

extension HTMLReport {
  /// The bias summary as `glassbox bias` computes it: per grouping, the groups' rates with
  /// their bootstrap intervals, the disparity metrics with intervals, and the largest gap in
  /// mean output decomposed over features (a diverging bar chart and its table).
  func biasSection(_ bias: BiasRenderer) -> Section {
    let report = bias.report
    var body = Self.paragraph(
      "\(report.rowCount) rows; a row is selected when its score is at least \(NumberFormatting.readable(report.configuration.threshold))"
        + (bias.context.label.map { "; label \($0) (positive: \(bias.context.positiveLabel ?? "1"))" } ?? "")
        + (report.configuration.bootstrap.map { "; intervals: \(Int(($0.confidence * 100).rounded()))% bootstrap, \($0.replicates) replicates, seed \($0.seed)" } ?? "")
        + ".")
    for s in report.groupings {
      let rates = bias.shownRates
      let rows = s.tallies.indices.map { g -> [String] in
        [s.grouping.name(g), String(s.tallies[g].n), bias.percent(Double(s.tallies[g].n) / Double(max(1, s.grouping.rowCount)))]
          + rates.map { bias.rateCell(s, $0, g) }
          + [bias.ratioText(s.disparities.comparisons[g].impactRatio), bias.flags(s, g).joined(separator: " ")]
      }
      body += Self.table(
        ["group", "n", "share"] + rates.map(\.rawValue) + ["DI", "flags"], rows, numeric: Set(1..<(3 + rates.count + 1)),
        caption: "Groups by \(s.name) (reference: \(s.grouping.name(s.reference)))")
      body += Self.table(
        ["metric", "value [interval]", "groups"], bias.shownMetrics.map { [$0.rawValue, bias.metricValue(s, $0), bias.metricGroups(s, $0)] },
        numeric: [1], caption: "Disparities by \(s.name)")
      if let d = s.largestGap {
        let features = bias.topFeatures(d, 10)
        let caption = "Gap in mean \(bias.context.attributionUnit), \(s.grouping.name(d.group)) − \(s.grouping.name(d.reference)): "
          + NumberFormatting.signed(d.gap, places: 4) + " (residual " + NumberFormatting.readable(d.residual, significant: 2) + ")"
        body += Self.figure(gapPlot(d, features: features, names: bias.context.featureNames, title: caption), caption: caption)
        body += Self.table(
          ["feature", "contribution", "share", "proxy"],
          features.map { [bias.context.featureNames[$0], NumberFormatting.signed(d.contributions[$0], places: 4), bias.percent(d.share($0)), bias.proxyNote(s, $0)] },
          numeric: [1, 2], caption: "Where the gap comes from")
      }
      for w in bias.warningLines(s) { body += Self.paragraph("⚠ " + w) }
    }
    return Section(id: "bias", heading: "Bias", body: body)
  }

  /// Bars from 0: each feature's part of the gap, orange where it widens the gap in the
  /// positive direction, blue where it narrows it.
  private func gapPlot(_ d: GapDecomposition, features: [Int], names: [String], title: String) -> String {
    let rowHeight = 22.0, top = 10.0, labelWidth = 190.0
    let height = top + Double(features.count) * rowHeight + 30
    let scale = PlotScale(features.map { d.contributions[$0] }, from: labelWidth, to: SummaryPlots.width - 70, includingZero: true)
    var canvas = SVGCanvas(width: SummaryPlots.width, height: height)
    canvas.open("gap", label: "contribution of each feature to the gap")
    for (k, j) in features.enumerated() {
      let y = top + Double(k) * rowHeight, value = d.contributions[j]
      canvas.text(names[j], x: labelWidth - 8, y: y + 15, anchor: .end, size: 11)
      canvas.rect(
        x: min(scale(0), scale(value)), y: y + 4, width: abs(scale(value) - scale(0)), height: rowHeight - 8,
        fill: value >= 0 ? PlotPalette.raises : PlotPalette.lowers, className: "bar",
        title: names[j] + ": " + NumberFormatting.signed(value, places: 4))
    }
    canvas.close()
    let bottom = top + Double(features.count) * rowHeight
    canvas.line(x1: scale(0), y1: top, x2: scale(0), y2: bottom, stroke: PlotPalette.ink)
    canvas.line(x1: labelWidth, y1: bottom + 2, x2: SummaryPlots.width - 70, y2: bottom + 2, stroke: PlotPalette.ink)
    for t in scale.ticks() {
      canvas.text(NumberFormatting.readable(t, significant: 3), x: scale(t), y: bottom + 16, anchor: .middle, size: 10, fill: PlotPalette.muted)
    }
    return canvas.document(title: title, summary: features.map { names[$0] + " " + NumberFormatting.signed(d.contributions[$0], places: 4) }.joined(separator: "; "))
  }
}
