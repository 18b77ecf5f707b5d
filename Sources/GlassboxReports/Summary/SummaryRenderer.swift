import GlassboxSystem

/// Renders a `SummaryReport` for the terminal (importance bars, text beeswarms, dependence
/// by bins or labels, groups side by side) or as one JSON document with the same numbers.
/// - Complexity: O(features · (sample + width)) plus sorting each feature's sample values.
public struct SummaryRenderer: Sendable {
  public let report: SummaryReport
  public let sourceName: String
  public let style: TerminalStyle
  /// Features shown in the beeswarm and group views.
  public let top: Int
  /// Features with a dependence view.
  public let dependenceTop: Int
  public let groupColumn: String?

  public init(
    report: SummaryReport, sourceName: String, style: TerminalStyle, top: Int = 10, dependenceTop: Int = 3,
    groupColumn: String? = nil
  ) {
    self.report = report
    self.sourceName = sourceName
    self.style = style
    self.top = top
    self.dependenceTop = dependenceTop
    self.groupColumn = groupColumn
  }

  /// One dependence bin: a value range (numeric) or a label, with the mean attribution.
  public struct Bin: Sendable {
    public var label: String
    public var from: Double?
    public var to: Double?
    public var rows: Int
    public var meanAttribution: Double
  }

  /// The dependence bins of feature `j` from the sample: up to 8 quantile bins of a numeric
  /// feature, or its 8 most frequent labels.
  public func dependence(_ j: Int) -> [Bin] {
    let pairs = report.sample.compactMap { row -> (SummaryValue, Double)? in
      j < row.values.count ? (row.values[j], row.attributions[j]) : nil
    }
    let numbers = pairs.compactMap { pair -> (Double, Double)? in
      if case .number(let x) = pair.0 { return (x, pair.1) }
      return nil
    }.sorted { $0.0 < $1.0 }
    if !numbers.isEmpty && numbers.count * 2 >= pairs.count {
      var bins: [Bin] = []
      var start = 0
      let target = max(1, numbers.count / 8)
      while start < numbers.count {
        var end = min(numbers.count, start + target)
        // Equal values stay in one bin.
        while end < numbers.count && numbers[end].0 == numbers[end - 1].0 { end += 1 }
        let slice = numbers[start..<end]
        let mean = slice.reduce(0) { $0 + $1.1 } / Double(slice.count)
        let from = slice.first!.0, to = slice.last!.0
        let label = from == to ? NumberFormatting.readable(from) : NumberFormatting.readable(from) + " – " + NumberFormatting.readable(to)
        bins.append(Bin(label: label, from: from, to: to, rows: slice.count, meanAttribution: mean))
        start = end
      }
      return bins
    }
    var byLabel: [String: (rows: Int, sum: Double)] = [:]
    for (value, phi) in pairs {
      let label: String
      switch value {
      case .label(let s): label = s
      case .number(let x): label = NumberFormatting.readable(x)
      case .missing: label = "(missing)"
      }
      byLabel[label, default: (0, 0)].rows += 1
      byLabel[label, default: (0, 0)].sum += phi
    }
    return byLabel.sorted { $0.value.rows != $1.value.rows ? $0.value.rows > $1.value.rows : $0.key < $1.key }
      .prefix(8).map { Bin(label: $0.key, from: nil, to: nil, rows: $0.value.rows, meanAttribution: $0.value.sum / Double($0.value.rows)) }
  }

  // MARK: - Terminal

  public func table() -> String {
    let c = report.configuration
    let head = "Summary of \(report.rows) explanation\(report.rows == 1 ? "" : "s")"
    var out = head.count + 3 + sourceName.count <= style.width
      ? style.bold(head + " · " + sourceName) + "\n" : style.bold(head) + "\n" + style.bold("  " + sourceName) + "\n"
    guard report.rows > 0 else { return out + "  no explanations in the input\n" }
    let labelWidth = min(24, max(8, report.features.map(\.count).max() ?? 8))
    out += "\n" + style.bold("Global importance") + "\n"
    let intervalNote = c.replicates > 1
      ? "mean |attribution| and its \(Int((c.confidence * 100).rounded()))% bootstrap interval (\(c.replicates) replicates, seed \(c.seed))"
      : "mean |attribution|"
    out += style.dimWrapped("  ", intervalNote)
    let shown = report.order
    let scale = report.importance.map(\.meanAbsolute).max() ?? 0
    let barWidth = max(8, min(40, style.width - labelWidth - 30))
    for j in shown {
      let item = report.importance[j]
      var line = "  " + pad(truncate(item.feature, labelWidth), labelWidth) + " " + leftPad(NumberFormatting.fixed(item.meanAbsolute, places: 3), 7)
      let interval = item.interval.map { " [" + NumberFormatting.fixed($0.0, places: 3) + ", " + NumberFormatting.fixed($0.1, places: 3) + "]" } ?? ""
      line += pad(interval, 17) + " "
      let length = scale > 0 ? item.meanAbsolute / scale * Double(barWidth) : 0
      out += line + WaterfallRenderer.bar(from: 0, to: length, width: barWidth) + "\n"
    }
    out += beeswarm(labelWidth: labelWidth)
    out += dependenceText(labelWidth: labelWidth)
    out += groupsText(labelWidth: labelWidth)
    out += interactionsText(labelWidth: labelWidth)
    return out
  }

  /// The `top` strongest interaction pairs (none without interaction values).
  private func interactionsText(labelWidth: Int) -> String {
    let pairs = report.interactions.prefix(top)
    guard !pairs.isEmpty else { return "" }
    var out = "\n" + style.bold("Interactions") + "\n"
    out += style.dimWrapped("  ", "mean |SHAP interaction value| over all rows, strongest pairs")
    let labels = pairs.map { $0.first + " × " + $0.second }
    let width = min(max(labels.map(\.count).max() ?? 8, 8), max(16, style.width / 2))
    for (label, pair) in zip(labels, pairs) {
      out += "  " + pad(truncate(label, width), width) + "  " + NumberFormatting.fixed(pair.meanAbsolute, places: 4) + "\n"
    }
    return out
  }

  private func beeswarm(labelWidth: Int) -> String {
    let features = Array(report.order.prefix(top))
    let sample = report.sample
    guard !sample.isEmpty else { return "" }
    var lo = 0.0, hi = 0.0
    for row in sample { for j in features { lo = min(lo, row.attributions[j]); hi = max(hi, row.attributions[j]) } }
    let cells = max(16, style.width - labelWidth - 4)
    let span = hi > lo ? hi - lo : 1
    func cell(_ phi: Double) -> Int { min(cells - 1, max(0, Int((phi - lo) / span * Double(cells)))) }
    var out = "\n" + style.bold("Beeswarm") + "\n"
    out += style.dimWrapped(
      "  ",
      "each feature's attributions across a seeded sample of \(sample.count) rows, on one axis from "
        + NumberFormatting.signed(lo, places: 3) + " to " + NumberFormatting.signed(hi, places: 3)
        + (report.hasValues ? "; shade: the feature's value, ░ low ▒ ▓ █ high; • a label; · missing" : "; no values in CSV input"))
    let zero = cell(0)
    for j in features {
      // The rank of each numeric value within the sample, for the shade.
      let numbers = sample.compactMap { row -> Double? in
        if j < row.values.count, case .number(let x) = row.values[j] { return x }
        return nil
      }.sorted()
      var rankSum = [Double](repeating: 0, count: cells)
      var ranked = [Int](repeating: 0, count: cells)
      var labelled = [Int](repeating: 0, count: cells)
      var present = [Int](repeating: 0, count: cells)
      for row in sample {
        let k = cell(row.attributions[j])
        present[k] += 1
        guard j < row.values.count else { continue }
        switch row.values[j] {
        case .number(let x) where numbers.count > 1:
          rankSum[k] += Double(Self.lowerBound(numbers, x)) / Double(numbers.count - 1)
          ranked[k] += 1
        case .label: labelled[k] += 1
        default: break
        }
      }
      var line = "  " + pad(truncate(report.features[j], labelWidth), labelWidth) + "  "
      for k in 0..<cells {
        if present[k] == 0 {
          line += k == zero ? style.dim("│") : " "
        } else if ranked[k] > 0 {
          let level = min(3, Int(rankSum[k] / Double(ranked[k]) * 4))
          line += shade(level)
        } else if labelled[k] > 0 {
          line += "•"
        } else {
          line += report.hasValues ? "·" : "█"
        }
      }
      while line.last == " " { line.removeLast() }
      out += line + "\n"
    }
    return out
  }

  /// A cell shaded by value level 0 (low) to 3 (high); blue to orange when colour is on.
  private func shade(_ level: Int) -> String {
    let glyphs = ["░", "▒", "▓", "█"]
    guard style.color else { return glyphs[level] }
    let colours = [27, 117, 215, 202]
    return "\u{1B}[38;5;\(colours[level])m" + glyphs[level] + "\u{1B}[0m"
  }

  private func dependenceText(labelWidth: Int) -> String {
    guard report.hasValues else { return "" }
    var out = "\n" + style.bold("Dependence") + "\n"
    out += style.dimWrapped("  ", "mean attribution by value (quantile bins of the sample) or by label, for the top features")
    for j in report.order.prefix(dependenceTop) {
      let bins = dependence(j)
      out += "  " + report.features[j] + "\n"
      let width = min(28, max(8, bins.map(\.label.count).max() ?? 8))
      let scale = bins.map { abs($0.meanAttribution) }.max() ?? 0
      let barWidth = max(8, min(30, style.width - width - 30))
      for bin in bins {
        let length = scale > 0 ? abs(bin.meanAttribution) / scale * Double(barWidth) : 0
        out += "    " + pad(truncate(bin.label, width), width) + " " + leftPad(NumberFormatting.signed(bin.meanAttribution, places: 3), 8) + "  "
        out += style.paint(WaterfallRenderer.bar(from: 0, to: length, width: barWidth), raises: bin.meanAttribution >= 0)
        out += "  n " + String(bin.rows) + "\n"
      }
    }
    return out
  }

  private func groupsText(labelWidth: Int) -> String {
    guard let groupColumn, !report.groups.isEmpty else { return "" }
    let columns = max(1, min(report.groups.count, (style.width - labelWidth - 4) / 12))
    let groups = report.groups.prefix(columns)
    var out = "\n" + style.bold("By \(groupColumn)") + "\n"
    out += style.dimWrapped("  ", "mean |attribution| per group (rows in brackets)")
    out += "  " + pad("", labelWidth) + groups.map { leftPad(truncate($0.name, 11), 12) }.joined() + "\n"
    out += "  " + pad("", labelWidth) + groups.map { leftPad("(\($0.rows))", 12) }.joined() + "\n"
    for j in report.order.prefix(top) {
      out += "  " + pad(truncate(report.features[j], labelWidth), labelWidth)
        + groups.map { leftPad(NumberFormatting.fixed($0.meanAbsolute[j], places: 3), 12) }.joined() + "\n"
    }
    if report.groups.count > columns {
      out += style.dimWrapped("  ", "\(report.groups.count - columns) more groups: --format json lists them all")
    }
    return out
  }

  // MARK: - JSON

  public func json() -> String {
    let c = report.configuration
    var out = "{\"rows\":\(report.rows),\"source\":" + JSONSpelling.string(sourceName)
    out += ",\"replicates\":\(c.replicates),\"confidence\":" + NumberFormatting.json(c.confidence)
    out += ",\"seed\":\(c.seed),\"sample_rows\":\(report.sample.count),\"importance\":["
    out += report.order.map { j in
      let item = report.importance[j]
      return "{\"feature\":" + JSONSpelling.string(item.feature) + ",\"mean_abs\":" + NumberFormatting.json(item.meanAbsolute)
        + ",\"mean_abs_interval\":" + (item.interval.map { "[" + NumberFormatting.json($0.0) + "," + NumberFormatting.json($0.1) + "]" } ?? "null")
        + ",\"mean\":" + NumberFormatting.json(item.mean) + "}"
    }.joined(separator: ",")
    out += "],\"dependence\":["
    if report.hasValues {
      out += report.order.prefix(dependenceTop).map { j in
        "{\"feature\":" + JSONSpelling.string(report.features[j]) + ",\"bins\":["
          + dependence(j).map { bin in
            var text = "{"
            if let from = bin.from, let to = bin.to {
              text += "\"from\":" + NumberFormatting.json(from) + ",\"to\":" + NumberFormatting.json(to)
            } else {
              text += "\"label\":" + JSONSpelling.string(bin.label)
            }
            return text + ",\"rows\":\(bin.rows),\"mean_attribution\":" + NumberFormatting.json(bin.meanAttribution) + "}"
          }.joined(separator: ",") + "]}"
      }.joined(separator: ",")
    }
    out += "],\"groups\":"
    if let groupColumn {
      out += "{\"column\":" + JSONSpelling.string(groupColumn) + ",\"groups\":["
      out += report.groups.map { g in
        "{\"group\":" + JSONSpelling.string(g.name) + ",\"rows\":\(g.rows),\"mean_abs\":{"
          + report.order.map { JSONSpelling.string(report.features[$0]) + ":" + NumberFormatting.json(g.meanAbsolute[$0]) }
            .joined(separator: ",") + "}}"
      }.joined(separator: ",")
      out += "]}"
    } else {
      out += "null"
    }
    if !report.interactions.isEmpty {
      out += ",\"interactions\":["
      out += report.interactions.map {
        "{\"features\":[" + JSONSpelling.string($0.first) + "," + JSONSpelling.string($0.second) + "],\"mean_abs\":"
          + NumberFormatting.json($0.meanAbsolute) + "}"
      }.joined(separator: ",") + "]"
    }
    return out + "}\n"
  }

  private func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

  /// The index of the first element of sorted `values` not below `x`.
  static func lowerBound(_ values: [Double], _ x: Double) -> Int {
    var low = 0, high = values.count
    while low < high {
      let mid = (low + high) / 2
      if values[mid] < x { low = mid + 1 } else { high = mid }
    }
    return low
  }
}
