/// Settings of a bias analysis.
public struct BiasConfiguration: Sendable {
  /// A row is selected when its score is ≥ `threshold`.
  public var threshold: Double
  /// The reference group spec (see `Grouping.reference`); nil picks the largest group.
  public var reference: String?
  /// Bootstrap intervals; nil (or 0 replicates) for none.
  public var bootstrap: BootstrapConfiguration?
  /// Groups with fewer rows get a warning.
  public var minimumGroupSize: Int
  /// Groups with fewer positives (labels, or selections without labels) get a warning.
  public var minimumPositives: Int
  /// The four-fifths rule's ratio.
  public var fourFifths: Double
  public var proxy: ProxyCriteria

  public init(
    threshold: Double = 0.5, reference: String? = nil, bootstrap: BootstrapConfiguration? = BootstrapConfiguration(),
    minimumGroupSize: Int = 30, minimumPositives: Int = 5, fourFifths: Double = 0.8, proxy: ProxyCriteria = ProxyCriteria()
  ) {
    self.threshold = threshold
    self.reference = reference
    self.bootstrap = bootstrap
    self.minimumGroupSize = minimumGroupSize
    self.minimumPositives = minimumPositives
    self.fourFifths = fourFifths
    self.proxy = proxy
  }
}

/// Everything a bias report says about one grouping (one attribute, or an intersection).
public struct GroupingSummary: Sendable {
  public let grouping: Grouping
  /// The reference group's index.
  public let reference: Int
  /// Each group's counts (rates derive from them).
  public let tallies: [GroupTally]
  public let disparities: Disparities
  /// Bootstrap intervals, when drawn.
  public let intervals: BootstrapIntervals?
  /// Per group: small-sample and missing-value warnings.
  public let warnings: [[String]]
  /// Per group: SR_g / SR_ref below the four-fifths ratio.
  public let fourFifthsFlags: [Bool]
  /// Mean attributions per group, when attributions were computed.
  public let attribution: GroupAttribution?
  /// Each non-reference group's gap against the reference, in group order.
  public let gaps: [GapDecomposition]
  /// Per feature: association with the grouping and role in the largest gap.
  public let proxies: [ProxyFinding]

  /// The decomposition with the largest |gap|.
  public var largestGap: GapDecomposition? { gaps.max { abs($0.gap) < abs($1.gap) } }
  /// The grouping's name: its attributes joined by ×.
  public var name: String { grouping.attributes.joined(separator: "×") }
}

/// A bias report: the intersection of all sensitive attributes, and each attribute alone
/// when there are several.
public struct BiasReport: Sendable {
  /// The full intersection (the only grouping with one attribute).
  public let primary: GroupingSummary
  /// One grouping per attribute when there are several, else empty.
  public let marginals: [GroupingSummary]
  public let rowCount: Int
  public let hasLabels: Bool
  public let configuration: BiasConfiguration
  /// The attributions used, if any (method, space, exactness).
  public let attributionMethod: String?
  public let attributionSpace: String?
  public let attributionIsExact: Bool?

  /// The primary grouping, then the marginals.
  public var groupings: [GroupingSummary] { [primary] + marginals }
}

/// Builds bias reports.
public enum BiasAnalysis {
  /// Analyses `outcomes` by the sensitive attributes.
  /// - Parameters:
  ///   - attributes: sensitive attribute names.
  ///   - values: `values[a][row]`: each row's group value for attribute a.
  ///   - outcomes: scores, decisions and labels.
  ///   - attributions: per-row attributions for the gap decomposition, or nil.
  ///   - inputs: encoded model inputs (rows × features) for proxy detection, with
  ///     `categorical` flags per feature; ignored without attributions.
  /// - Throws: `FairnessError.invalidSetting` for a reference that matches no group,
  ///   `.invalidData` for an empty input.
  /// - Complexity: O(groupings · (rows · (features + B) + features · rows log rows)) for B
  ///   bootstrap replicates.
  public static func run(
    attributes: [String], values: [[String]], outcomes: Outcomes, attributions: AttributionTable?,
    inputs: [Double]?, categorical: [Bool], configuration: BiasConfiguration, source: String = "data"
  ) throws(FairnessError) -> BiasReport {
    guard outcomes.count > 0 else { throw .invalidData(path: source, problem: "it has no data rows") }
    let primary = Grouping(attributes: attributes, values: values)
    var groupings = [primary]
    if attributes.count > 1 { groupings += attributes.indices.map { primary.marginal($0) } }
    var summaries: [GroupingSummary] = []
    for grouping in groupings {
      summaries.append(
        try summarize(
          grouping, outcomes: outcomes, attributions: attributions, inputs: inputs, categorical: categorical,
          configuration: configuration))
    }
    return BiasReport(
      primary: summaries[0], marginals: Array(summaries.dropFirst()), rowCount: outcomes.count,
      hasLabels: outcomes.hasLabels, configuration: configuration, attributionMethod: attributions?.method,
      attributionSpace: attributions?.space.rawValue, attributionIsExact: attributions?.isExact)
  }

  static func summarize(
    _ grouping: Grouping, outcomes: Outcomes, attributions: AttributionTable?, inputs: [Double]?,
    categorical: [Bool], configuration: BiasConfiguration
  ) throws(FairnessError) -> GroupingSummary {
    let reference = try grouping.reference(configuration.reference)
    let tallies = outcomes.tally(grouping)
    let disparities = Disparities(tallies, reference: reference, hasLabels: outcomes.hasLabels)
    var intervals: BootstrapIntervals? = nil
    if let bootstrap = configuration.bootstrap, bootstrap.replicates > 0 {
      intervals = BootstrapIntervals(outcomes: outcomes, grouping: grouping, reference: reference, configuration: bootstrap)
    }
    let warnings = tallies.indices.map { g in
      warningsFor(tallies[g], values: grouping.groups[g], attributes: grouping.attributes, hasLabels: outcomes.hasLabels, configuration)
    }
    let flags = tallies.indices.map { g in
      g != reference && disparities.comparisons[g].impactRatio < configuration.fourFifths
    }
    var attribution: GroupAttribution? = nil
    var gaps: [GapDecomposition] = []
    var proxies: [ProxyFinding] = []
    if let attributions {
      let a = GroupAttribution(attributions, grouping: grouping)
      attribution = a
      gaps = tallies.indices.filter { $0 != reference }.map { GapDecomposition(a, group: $0, reference: reference) }
      if let inputs {
        let largest = gaps.max { abs($0.gap) < abs($1.gap) }
        proxies = ProxyFinding.assess(
          inputs: inputs, featureNames: attributions.featureNames, categorical: categorical, grouping: grouping,
          decomposition: largest, criteria: configuration.proxy)
      }
    }
    return GroupingSummary(
      grouping: grouping, reference: reference, tallies: tallies, disparities: disparities, intervals: intervals,
      warnings: warnings, fourFifthsFlags: flags, attribution: attribution, gaps: gaps, proxies: proxies)
  }

  static func warningsFor(
    _ t: GroupTally, values: [String], attributes: [String], hasLabels: Bool, _ c: BiasConfiguration
  ) -> [String] {
    var list: [String] = []
    if t.n < c.minimumGroupSize { list.append("small group: n = \(t.n) < \(c.minimumGroupSize)") }
    let positives = hasLabels ? t.positives : t.selected
    if positives < c.minimumPositives {
      list.append("few positives: \(positives) \(hasLabels ? "positive labels" : "selected") < \(c.minimumPositives)")
    }
    for (a, v) in zip(attributes, values) where v == Grouping.missingValue {
      list.append("rows with no \(a) value")
    }
    return list
  }
}
