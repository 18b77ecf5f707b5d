import GlassboxFairness

/// What a bias report's renderers need besides the report.
public struct BiasContext: Sendable {
  /// The model file's name.
  public var modelName: String
  /// The data file's name.
  public var dataName: String
  /// Feature names in model order (for attribution tables).
  public var featureNames: [String]
  /// The label column and its positive value, when labels were given.
  public var label: String?
  public var positiveLabel: String?
  /// What the attribution numbers measure ("log-odds", "probability", ...).
  public var attributionUnit: String

  public init(
    modelName: String, dataName: String, featureNames: [String], label: String? = nil, positiveLabel: String? = nil,
    attributionUnit: String = "raw output"
  ) {
    self.modelName = modelName
    self.dataName = dataName
    self.featureNames = featureNames
    self.label = label
    self.positiveLabel = positiveLabel
    self.attributionUnit = attributionUnit
  }
}

/// Renders a `BiasReport` as one JSON document (schema `glassbox-bias/1`, documented in
/// docs/bias.md), a terminal table, or Markdown. Pure: returns strings.
public struct BiasRenderer: Sendable {
  public let report: BiasReport
  public let context: BiasContext
  public let style: TerminalStyle

  public init(report: BiasReport, context: BiasContext, style: TerminalStyle = TerminalStyle()) {
    self.report = report
    self.context = context
    self.style = style
  }

  /// The report as one JSON object followed by a newline. Undefined numbers are `null`,
  /// with the reason under `undefined`.
  /// - Complexity: O(groupings · groups · (rates + features)).
  public func json(verdicts: [FailOnRule.Verdict] = []) -> String {
    let c = report.configuration
    var fields: [String] = [
      "\"schema\":\"glassbox-bias/1\"",
      "\"model\":" + TextEscaping.jsonString(context.modelName),
      "\"data\":" + TextEscaping.jsonString(context.dataName),
      "\"rows\":" + String(report.rowCount),
      "\"threshold\":" + NumberFormatting.json(c.threshold),
      "\"label\":" + (context.label.map(TextEscaping.jsonString) ?? "null"),
      "\"positive_label\":" + (context.positiveLabel.map(TextEscaping.jsonString) ?? "null"),
      "\"sensitive\":[" + report.primary.grouping.attributes.map(TextEscaping.jsonString).joined(separator: ",") + "]",
    ]
    if let b = c.bootstrap, b.replicates > 0 {
      fields.append(
        "\"bootstrap\":{\"replicates\":\(b.replicates),\"seed\":\(b.seed),\"confidence\":\(NumberFormatting.json(b.confidence)),\"method\":\"percentile, stratified by group\"}")
    } else {
      fields.append("\"bootstrap\":null")
    }
    if let method = report.attributionMethod {
      fields.append(
        "\"attribution\":{\"method\":\(TextEscaping.jsonString(method)),\"space\":\(TextEscaping.jsonString(report.attributionSpace ?? "raw")),\"exact\":\(report.attributionIsExact ?? false)}")
    } else {
      fields.append("\"attribution\":null")
    }
    fields += groupingFields(report.primary)
    if !report.marginals.isEmpty {
      fields.append(
        "\"marginals\":[" + report.marginals.map { "{" + groupingFields($0).joined(separator: ",") + "}" }.joined(separator: ",") + "]")
    }
    if !verdicts.isEmpty {
      let items = verdicts.map { v in
        "{\"rule\":\(TextEscaping.jsonString(v.rule)),\"grouping\":\(TextEscaping.jsonString(v.grouping)),\"value\":\(NumberFormatting.json(v.value)),\"breached\":\(v.breached)"
          + (v.reason.map { ",\"reason\":" + TextEscaping.jsonString($0) } ?? "") + "}"
      }
      fields.append("\"fail_on\":[" + items.joined(separator: ",") + "]")
    }
    return "{" + fields.joined(separator: ",") + "}\n"
  }

  func groupObject(_ s: GroupingSummary, _ g: Int) -> String {
    let names = s.grouping.attributes
    return "{" + zip(names, s.grouping.groups[g]).map { TextEscaping.jsonString($0) + ":" + TextEscaping.jsonString($1) }
      .joined(separator: ",") + "}"
  }

  private func intervalJSON(_ i: Interval?) -> String {
    guard let i else { return "null" }
    return "[" + NumberFormatting.json(i.lower) + "," + NumberFormatting.json(i.upper) + "]"
  }

  private func groupingFields(_ s: GroupingSummary) -> [String] {
    var fields = [
      "\"attributes\":[" + s.grouping.attributes.map(TextEscaping.jsonString).joined(separator: ",") + "]",
      "\"reference\":" + groupObject(s, s.reference),
    ]
    let total = Double(s.grouping.rowCount)
    let rates = Rate.allCases.filter { report.hasLabels || !$0.needsLabels }
    var groups: [String] = []
    for (g, t) in s.tallies.enumerated() {
      var f = ["\"group\":" + groupObject(s, g), "\"n\":\(t.n)", "\"share\":" + NumberFormatting.json(Double(t.n) / total)]
      f.append("\"selected\":\(t.selected)")
      if report.hasLabels { f.append("\"positives\":\(t.positives)") }
      var undefined: [String] = []
      for rate in rates {
        f.append("\"\(rate.rawValue)\":" + NumberFormatting.json(t.value(rate)))
        if let intervals = s.intervals { f.append("\"\(rate.rawValue)_ci\":" + intervalJSON(intervals.interval(rate, group: g))) }
        if let reason = t.undefinedReason(rate) { undefined.append("\"\(rate.rawValue)\":" + TextEscaping.jsonString(reason)) }
      }
      let cmp = s.disparities.comparisons[g]
      f.append("\"is_reference\":\(g == s.reference)")
      var quantities: [(String, ComparisonQuantity?, Double)] = [
        ("selection_rate_difference", .selectionRateDifference, cmp.selectionRateDifference),
        ("disparate_impact", .impactRatio, cmp.impactRatio),
      ]
      if report.hasLabels {
        quantities += [
          ("tpr_difference", .truePositiveRateDifference, cmp.truePositiveRateDifference),
          ("fpr_difference", .falsePositiveRateDifference, cmp.falsePositiveRateDifference),
          ("average_odds_difference", nil, cmp.averageOddsDifference),
        ]
      }
      for (name, q, v) in quantities {
        f.append("\"\(name)\":" + NumberFormatting.json(v))
        if let q, let intervals = s.intervals { f.append("\"\(name)_ci\":" + intervalJSON(intervals.interval(q, group: g))) }
      }
      f.append("\"four_fifths_flag\":\(s.fourFifthsFlags[g])")
      if !undefined.isEmpty { f.append("\"undefined\":{" + undefined.joined(separator: ",") + "}") }
      f.append("\"warnings\":[" + s.warnings[g].map(TextEscaping.jsonString).joined(separator: ",") + "]")
      groups.append("{" + f.joined(separator: ",") + "}")
    }
    fields.append("\"groups\":[" + groups.joined(separator: ",") + "]")
    let metrics = DisparityMetric.allCases.filter { report.hasLabels || !$0.needsLabels }
    fields.append(
      "\"metrics\":{" + metrics.map { "\"\($0.rawValue)\":" + NumberFormatting.json(s.disparities.values[$0] ?? .nan) }.joined(separator: ",") + "}")
    if let intervals = s.intervals {
      fields.append(
        "\"metric_intervals\":{" + metrics.map { "\"\($0.rawValue)\":" + intervalJSON(intervals.interval($0)) }.joined(separator: ",") + "}")
    }
    let between = metrics.compactMap { m in
      s.disparities.extremes[m].map { "\"\(m.rawValue)\":{\"high\":\(groupObject(s, $0.high)),\"low\":\(groupObject(s, $0.low))}" }
    }
    fields.append("\"metric_groups\":{" + between.joined(separator: ",") + "}")
    let undefinedMetrics = metrics.compactMap { m in s.disparities.reasons[m].map { "\"\(m.rawValue)\":" + TextEscaping.jsonString($0) } }
    if !undefinedMetrics.isEmpty { fields.append("\"metric_undefined\":{" + undefinedMetrics.joined(separator: ",") + "}") }
    if let attribution = s.attribution {
      fields.append("\"attribution_gap\":[" + s.gaps.map { gapJSON(s, $0) }.joined(separator: ",") + "]")
      let byGroup = s.tallies.indices.map { g in
        "{\"group\":\(groupObject(s, g)),\"mean_output\":\(NumberFormatting.json(attribution.meanPrediction[g])),\"base_value\":\(NumberFormatting.json(attribution.meanBase[g])),\"mean_attributions\":{"
          + context.featureNames.enumerated().map { TextEscaping.jsonString($1) + ":" + NumberFormatting.json(attribution.means[g][$0]) }.joined(separator: ",") + "}}"
      }
      fields.append("\"attribution_by_group\":[" + byGroup.joined(separator: ",") + "]")
      let proxies = s.proxies.map { p in
        "{\"feature\":\(TextEscaping.jsonString(context.featureNames[p.association.feature])),\"normalized_mutual_information\":\(NumberFormatting.json(p.association.normalizedMutualInformation)),\"auc\":\(p.association.auc.map(NumberFormatting.json) ?? "null"),\"gap_share\":\(NumberFormatting.json(p.gapShare)),\"sensitive\":\(p.isSensitive),\"proxy\":\(p.isProxy)}"
      }
      fields.append("\"proxies\":[" + proxies.joined(separator: ",") + "]")
    }
    return fields
  }

  private func gapJSON(_ s: GroupingSummary, _ d: GapDecomposition) -> String {
    let parts = d.contributions.enumerated().map { j, v in
      "{\"feature\":\(TextEscaping.jsonString(context.featureNames[j])),\"contribution\":\(NumberFormatting.json(v)),\"share\":\(NumberFormatting.json(d.share(j)))}"
    }
    return "{\"group\":\(groupObject(s, d.group)),\"reference\":\(groupObject(s, d.reference)),\"gap\":\(NumberFormatting.json(d.gap)),\"base_difference\":\(NumberFormatting.json(d.baseDifference)),\"residual\":\(NumberFormatting.json(d.residual)),\"contributions\":[" + parts.joined(separator: ",") + "]}"
  }
}
