import GlassboxFairness

extension BiasRenderer {
  /// The report as terminal text: per grouping a table of groups with selection-rate bars
  /// and flags, the disparities with their intervals and groups, and the decomposition of
  /// the largest attribution gap.
  /// - Complexity: O(groupings · groups · features).
  public func table(verdicts: [FailOnRule.Verdict] = []) -> String {
    var out = style.bold("Bias summary: \(context.modelName) on \(context.dataName)") + "\n"
    var facts = "\(report.rowCount) rows, selected when score ≥ \(NumberFormatting.readable(report.configuration.threshold))"
    if let label = context.label { facts += ", label \(label) (positive: \(context.positiveLabel ?? "1"))" }
    if let b = report.configuration.bootstrap, b.replicates > 0 {
      facts += "; \(Int((b.confidence * 100).rounded()))% bootstrap intervals (\(b.replicates) replicates, seed \(b.seed))"
    }
    out += wrapped(facts, prefix: "", indent: 2) + "\n"
    for s in report.groupings { out += "\n" + groupingTable(s) }
    out += verdictLines(verdicts, markdown: false)
    return out
  }

  /// `prefix` then `text`, wrapped at the terminal width with `indent` spaces before each
  /// continuation line; `prefixWidth` is the prefix's width on screen when it holds colour.
  private func wrapped(_ text: String, prefix: String, prefixWidth: Int? = nil, indent: Int) -> String {
    let first = style.width - (prefixWidth ?? prefix.count)
    return prefix + TextWrapping.wrap(text, firstWidth: first, width: style.width, indent: indent).joined(separator: "\n")
  }

  /// The report as Markdown: a heading and tables per grouping.
  public func markdown(verdicts: [FailOnRule.Verdict] = []) -> String {
    var out = "# Bias summary: \(context.modelName) on \(context.dataName)\n\n"
    out += "\(report.rowCount) rows; selected when score ≥ \(NumberFormatting.readable(report.configuration.threshold))"
    if let label = context.label { out += "; label `\(label)` (positive: `\(context.positiveLabel ?? "1")`)" }
    out += ".\n"
    for s in report.groupings {
      out += "\n## \(s.name) (reference: \(s.grouping.name(s.reference)))\n\n"
      let rates = shownRates
      out += "| group | n | share | " + rates.map { $0.rawValue }.joined(separator: " | ") + " | DI | flags |\n"
      out += "|---|---:|---:|" + rates.map { _ in "---:|" }.joined() + "---:|---|\n"
      for g in s.tallies.indices {
        let t = s.tallies[g]
        let cells = rates.map { rateCell(s, $0, g) }
        out += "| \(s.grouping.name(g)) | \(t.n) | \(percent(Double(t.n) / Double(s.grouping.rowCount))) | "
          + cells.joined(separator: " | ") + " | \(ratioText(s.disparities.comparisons[g].impactRatio)) | \(flags(s, g).joined(separator: " ")) |\n"
      }
      out += "\n| metric | value | groups |\n|---|---:|---|\n"
      for m in shownMetrics { out += "| \(m.rawValue) | \(metricValue(s, m)) | \(metricGroups(s, m)) |\n" }
      if let d = s.largestGap {
        out += "\n**Gap in mean \(context.attributionUnit)**, \(s.grouping.name(d.group)) − \(s.grouping.name(d.reference)): "
          + "\(NumberFormatting.signed(d.gap, places: 4)) (residual \(NumberFormatting.readable(d.residual, significant: 2)))\n\n"
        out += "| feature | contribution | share | proxy |\n|---|---:|---:|---|\n"
        for j in topFeatures(d, 10) {
          out += "| \(context.featureNames[j]) | \(NumberFormatting.signed(d.contributions[j], places: 4)) | \(percent(d.share(j))) | \(proxyNote(s, j)) |\n"
        }
      }
      let notes = warningLines(s)
      if !notes.isEmpty { out += "\n" + notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
    }
    out += verdictLines(verdicts, markdown: true)
    return out
  }

  var shownRates: [Rate] { Rate.allCases.filter { report.hasLabels || !$0.needsLabels } }
  var shownMetrics: [DisparityMetric] { DisparityMetric.allCases.filter { report.hasLabels || !$0.needsLabels } }

  private func groupingTable(_ s: GroupingSummary) -> String {
    var out = style.bold("Groups by \(s.name)") + " (reference: \(s.grouping.name(s.reference)))\n"
    let nameWidth = min(36, max(5, s.tallies.indices.map { s.grouping.name($0).count }.max() ?? 5))
    let labelled: [Rate] = report.hasLabels ? [.truePositiveRate, .falsePositiveRate, .precision, .accuracy] : []
    // One table when it fits; on a narrow terminal the label-based rates move to a second
    // table and the bars shrink (to 8 columns at least).
    let fixed = nameWidth + 2 + 7 + 2 + 6 + 2 + 22 + 2 + 5 + 2 + 6
    let ratesWidth = labelled.count * 8
    let together = fixed + 16 + ratesWidth <= style.width
    let inline: [Rate] = together ? labelled : []
    let barWidth = together ? 16 : max(8, min(16, style.width - fixed))
    var header = pad("group", nameWidth) + "  " + leftPad("n", 7) + "  " + leftPad("share", 6) + "  "
    header += pad("selection rate", 22) + pad("", barWidth) + "  " + leftPad("DI", 5)
    for r in inline { header += "  " + leftPad(r.rawValue, 6) }
    out += style.dim(header + "  flags") + "\n"
    let top = s.tallies.map { $0.value(.selectionRate) }.filter { !$0.isNaN }.max() ?? 0
    for (g, t) in s.tallies.enumerated() {
      let sr = t.value(.selectionRate)
      var line = pad(truncate(s.grouping.name(g), nameWidth), nameWidth) + "  " + leftPad(String(t.n), 7) + "  "
      line += leftPad(percent(Double(t.n) / Double(s.grouping.rowCount)), 6) + "  "
      line += pad(rateCell(s, .selectionRate, g), 22)
      let length = top > 0 && !sr.isNaN ? sr / top * Double(barWidth) : 0
      line += style.paint(WaterfallRenderer.bar(from: 0, to: length, width: barWidth), raises: !s.fourFifthsFlags[g])
      line += "  " + leftPad(ratioText(s.disparities.comparisons[g].impactRatio), 5)
      for r in inline { line += "  " + leftPad(valueText(t.value(r)), 6) }
      out += line + "  " + flags(s, g).joined(separator: " ") + "\n"
    }
    var legend = "bars: selection rate against the highest group's"
    if style.color { legend += "; blue where it is below 4/5 of the reference's" }
    legend += "; ✗4/5: disparate impact below 0.8; ⚠: see the notes below"
    out += style.dimWrapped("", legend, indent: 2)
    if !together && !labelled.isEmpty {
      out += style.dim(pad("group", nameWidth) + labelled.map { "  " + leftPad($0.rawValue, 9) }.joined()) + "\n"
      for (g, t) in s.tallies.enumerated() {
        out += pad(truncate(s.grouping.name(g), nameWidth), nameWidth)
          + labelled.map { "  " + leftPad(valueText(t.value($0)), 9) }.joined() + "\n"
      }
    }
    out += style.dim("Disparities") + "\n"
    let valueWidth = (shownMetrics.map { metricValue(s, $0).count }.max() ?? 20) + 2
    for m in shownMetrics {
      out += wrapped(metricGroups(s, m), prefix: "  " + pad(m.rawValue, 30) + pad(metricValue(s, m), valueWidth), indent: 32 + valueWidth) + "\n"
    }
    if let d = s.largestGap {
      let gapLine = "Gap in mean \(context.attributionUnit): \(s.grouping.name(d.group)) − \(s.grouping.name(d.reference)) = "
        + NumberFormatting.signed(d.gap, places: 4) + " (parts sum to it; residual \(NumberFormatting.readable(d.residual, significant: 2)))"
      out += wrapped(gapLine, prefix: "", indent: 2) + "\n"
      let features = topFeatures(d, 8)
      let scale = features.map { abs(d.contributions[$0]) }.max() ?? 0
      let labelWidth = min(24, features.map { context.featureNames[$0].count }.max() ?? 8)
      for j in features {
        let v = d.contributions[j]
        let length = scale > 0 ? abs(v) / scale * Double(barWidth) : 0
        var line = "  " + pad(truncate(context.featureNames[j], labelWidth), labelWidth) + "  "
        line += leftPad(NumberFormatting.signed(v, places: 4), 9) + "  " + leftPad(percent(d.share(j)), 6) + "  "
        line += style.paint(WaterfallRenderer.bar(from: 0, to: length, width: barWidth), raises: v > 0)
        let note = proxyNote(s, j)
        let noteIndent = 2 + labelWidth + 2 + 9 + 2 + 6 + 2 + barWidth + 2
        out += note.isEmpty ? line + "\n" : wrapped(
          note, prefix: line + "  ", prefixWidth: noteIndent, indent: min(noteIndent, style.width - 24)) + "\n"
      }
    }
    for w in warningLines(s) { out += wrapped(w, prefix: "  ⚠ ", indent: 4) + "\n" }
    return out
  }

  func flags(_ s: GroupingSummary, _ g: Int) -> [String] {
    var f: [String] = []
    if g == s.reference { f.append("ref") }
    if s.fourFifthsFlags[g] { f.append("✗4/5") }
    if !s.warnings[g].isEmpty { f.append("⚠") }
    return f
  }

  func rateCell(_ s: GroupingSummary, _ rate: Rate, _ g: Int) -> String {
    let v = s.tallies[g].value(rate)
    if v.isNaN { return "undefined" }
    var text = NumberFormatting.fixed(v, places: 3)
    if let i = s.intervals?.interval(rate, group: g) {
      text += " [" + NumberFormatting.fixed(i.lower, places: 3) + ", " + NumberFormatting.fixed(i.upper, places: 3) + "]"
    }
    return text
  }

  func metricValue(_ s: GroupingSummary, _ m: DisparityMetric) -> String {
    let v = s.disparities.values[m] ?? .nan
    if v.isNaN { return "undefined" }
    var text = NumberFormatting.fixed(v, places: 3)
    if let i = s.intervals?.interval(m) {
      text += " [" + NumberFormatting.fixed(i.lower, places: 3) + ", " + NumberFormatting.fixed(i.upper, places: 3) + "]"
    }
    return text
  }

  func metricGroups(_ s: GroupingSummary, _ m: DisparityMetric) -> String {
    if let reason = s.disparities.reasons[m] { return "(" + reason + ")" }
    guard let pair = s.disparities.extremes[m] else { return "" }
    if m == .disparateImpact {
      return "\(s.grouping.name(pair.low)) vs reference \(s.grouping.name(pair.high))"
        + ((s.disparities.values[m] ?? 1) < report.configuration.fourFifths ? "  ✗ below 4/5" : "")
    }
    return "high \(s.grouping.name(pair.high)), low \(s.grouping.name(pair.low))"
  }

  func proxyNote(_ s: GroupingSummary, _ j: Int) -> String {
    guard j < s.proxies.count else { return "" }
    let p = s.proxies[j]
    if p.isSensitive { return "sensitive attribute" }
    guard p.isProxy else { return "" }
    var strength = p.association.auc.map { ["AUC " + NumberFormatting.fixed($0, places: 2)] } ?? []
    strength.append("NMI " + NumberFormatting.fixed(p.association.normalizedMutualInformation, places: 2))
    return "possible proxy (" + strength.joined(separator: ", ") + ")"
  }

  func warningLines(_ s: GroupingSummary) -> [String] {
    var lines: [String] = []
    for (g, list) in s.warnings.enumerated() where !list.isEmpty {
      lines.append(s.grouping.name(g) + ": " + list.joined(separator: "; "))
    }
    for g in s.tallies.indices {
      let reasons = shownRates.compactMap { r in s.tallies[g].undefinedReason(r).map { "\(r.rawValue) undefined (\($0))" } }
      if !reasons.isEmpty { lines.append(s.grouping.name(g) + ": " + reasons.joined(separator: "; ")) }
    }
    return lines
  }

  private func verdictLines(_ verdicts: [FailOnRule.Verdict], markdown: Bool) -> String {
    guard !verdicts.isEmpty else { return "" }
    var out = markdown ? "\n## Gates\n\n" : "\n" + style.bold("Gates") + "\n"
    for v in verdicts {
      let value = v.value.isNaN ? "undefined" + (v.reason.map { " (\($0))" } ?? "") : NumberFormatting.fixed(v.value, places: 4)
      out += (markdown ? "- " : "  ") + (v.breached ? "✗ breached: " : "✓ holds: ") + "\(v.rule) in \(v.grouping): \(value)\n"
    }
    return out
  }

  func topFeatures(_ d: GapDecomposition, _ k: Int) -> [Int] {
    Array(d.contributions.indices.sorted { abs(d.contributions[$0]) > abs(d.contributions[$1]) }.prefix(k))
  }

  private func valueText(_ v: Double) -> String { v.isNaN ? "undef" : NumberFormatting.fixed(v, places: 3) }
  func ratioText(_ v: Double) -> String { v.isNaN ? "–" : NumberFormatting.fixed(v, places: 2) }
  func percent(_ v: Double) -> String { NumberFormatting.fixed(v * 100, places: 1) + "%" }
  private func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}
