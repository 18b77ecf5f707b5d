/// The scalar disparity metrics of a grouping.
public enum DisparityMetric: String, CaseIterable, Sendable {
  /// max_g SR_g − min_g SR_g (fairlearn `demographic_parity_difference`).
  case demographicParityDifference = "demographic_parity_difference"
  /// min_g SR_g / max_g SR_g (fairlearn `demographic_parity_ratio`).
  case demographicParityRatio = "demographic_parity_ratio"
  /// min over g ≠ ref of SR_g / SR_ref (the four-fifths rule compares it with 0.8).
  case disparateImpact = "disparate_impact"
  /// max(TPR spread, FPR spread) (fairlearn `equalized_odds_difference`, worst case).
  case equalizedOddsDifference = "equalized_odds_difference"
  /// min(TPR ratio, FPR ratio) (fairlearn `equalized_odds_ratio`, worst case).
  case equalizedOddsRatio = "equalized_odds_ratio"
  /// max_g TPR_g − min_g TPR_g (fairlearn `equal_opportunity_difference`).
  case equalOpportunityDifference = "equal_opportunity_difference"
  /// min_g TPR_g / max_g TPR_g (fairlearn `equal_opportunity_ratio`).
  case equalOpportunityRatio = "equal_opportunity_ratio"

  /// True for the metrics that need labels.
  public var needsLabels: Bool {
    switch self {
    case .demographicParityDifference, .demographicParityRatio, .disparateImpact: false
    default: true
    }
  }
}

/// The quantities of a `ReferenceComparison` that get bootstrap intervals.
public enum ComparisonQuantity: Int, CaseIterable, Sendable {
  case selectionRateDifference, impactRatio, truePositiveRateDifference, falsePositiveRateDifference
}

/// The signed differences of one group against the reference group (AIF360's
/// convention: group minus reference), NaN where undefined.
public struct ReferenceComparison: Sendable, Equatable {
  /// SR_g − SR_ref (AIF360 statistical parity difference).
  public var selectionRateDifference: Double
  /// SR_g / SR_ref (disparate impact of the group).
  public var impactRatio: Double
  /// TPR_g − TPR_ref.
  public var truePositiveRateDifference: Double
  /// FPR_g − FPR_ref.
  public var falsePositiveRateDifference: Double
  /// ½[(FPR_g − FPR_ref) + (TPR_g − TPR_ref)] (AIF360 average odds difference).
  public var averageOddsDifference: Double

  /// The value of `quantity`.
  public func value(_ quantity: ComparisonQuantity) -> Double {
    switch quantity {
    case .selectionRateDifference: selectionRateDifference
    case .impactRatio: impactRatio
    case .truePositiveRateDifference: truePositiveRateDifference
    case .falsePositiveRateDifference: falsePositiveRateDifference
    }
  }
}

/// Disparities of a grouping computed from its group tallies.
///
/// Spreads (max − min) and ratios (min / max) skip groups where the rate is undefined,
/// as fairlearn's `MetricFrame.difference()` and `.ratio()` skip NaN; they are undefined
/// when fewer than two groups have the rate, and a ratio is undefined when the largest
/// rate is 0.
public struct Disparities: Sendable, Equatable {
  /// Each metric's value; NaN when undefined.
  public var values: [DisparityMetric: Double]
  /// Why a metric is undefined.
  public var reasons: [DisparityMetric: String]
  /// The groups a metric compares: (high, low) for spreads and ratios, (reference,
  /// lowest) for disparate impact.
  public var extremes: [DisparityMetric: Pair]
  /// Per group, against the reference group (the reference compares with itself: 0 and 1).
  public var comparisons: [ReferenceComparison]

  /// Two group indices.
  public struct Pair: Sendable, Equatable {
    public var high: Int
    public var low: Int

    public init(high: Int, low: Int) {
      self.high = high
      self.low = low
    }
  }

  /// Computes every metric.
  /// - Complexity: O(groups).
  public init(_ tallies: [GroupTally], reference: Int, hasLabels: Bool) {
    values = [:]
    reasons = [:]
    extremes = [:]
    comparisons = []
    let sr = tallies.map { $0.value(.selectionRate) }
    let tpr = tallies.map { $0.value(.truePositiveRate) }
    let fpr = tallies.map { $0.value(.falsePositiveRate) }
    set(.demographicParityDifference, .demographicParityRatio, Self.spread(sr), rate: "selection rate")
    if hasLabels {
      let t = Self.spread(tpr), f = Self.spread(fpr)
      set(.equalOpportunityDifference, .equalOpportunityRatio, t, rate: "TPR")
      // Equalized odds: the worse of the TPR and FPR disparities.
      switch (t, f) {
      case (.some(let t), .some(let f)):
        let tprWorse = t.difference >= f.difference
        values[.equalizedOddsDifference] = max(t.difference, f.difference)
        extremes[.equalizedOddsDifference] = tprWorse ? t.pair : f.pair
        let tRatio = t.high == 0 ? Double.nan : t.low / t.high
        let fRatio = f.high == 0 ? Double.nan : f.low / f.high
        if tRatio.isNaN || fRatio.isNaN {
          values[.equalizedOddsRatio] = .nan
          reasons[.equalizedOddsRatio] = "every group's \(tRatio.isNaN ? "TPR" : "FPR") is 0"
        } else {
          values[.equalizedOddsRatio] = min(tRatio, fRatio)
          extremes[.equalizedOddsRatio] = tRatio <= fRatio ? t.pair : f.pair
        }
      default:
        for m in [DisparityMetric.equalizedOddsDifference, .equalizedOddsRatio] {
          values[m] = .nan
          reasons[m] = "fewer than two groups have a defined \(t == nil ? "TPR" : "FPR")"
        }
      }
    }
    // Disparate impact and signed differences against the reference.
    let sr0 = sr[reference], tpr0 = tpr[reference], fpr0 = fpr[reference]
    comparisons = tallies.indices.map { g in
      let dt = tpr[g] - tpr0, df = fpr[g] - fpr0
      return ReferenceComparison(
        selectionRateDifference: sr[g] - sr0,
        impactRatio: sr0 > 0 ? sr[g] / sr0 : .nan,
        truePositiveRateDifference: dt, falsePositiveRateDifference: df,
        averageOddsDifference: (df + dt) / 2)
    }
    var lowest: Int? = nil
    for g in tallies.indices where g != reference && !comparisons[g].impactRatio.isNaN {
      if lowest == nil || comparisons[g].impactRatio < comparisons[lowest!].impactRatio { lowest = g }
    }
    if tallies.count < 2 {
      values[.disparateImpact] = .nan
      reasons[.disparateImpact] = "there is only one group"
    } else if !(sr0 > 0) {
      values[.disparateImpact] = .nan
      reasons[.disparateImpact] = "the reference group's selection rate is 0"
    } else if let lowest {
      values[.disparateImpact] = comparisons[lowest].impactRatio
      extremes[.disparateImpact] = Pair(high: reference, low: lowest)
    } else {
      values[.disparateImpact] = .nan
      reasons[.disparateImpact] = "no other group has a defined selection rate"
    }
  }

  private struct SpreadResult: Equatable {
    var high: Double
    var low: Double
    var pair: Pair
    var difference: Double { high - low }
  }

  private static func spread(_ rates: [Double]) -> SpreadResult? {
    var best: SpreadResult? = nil
    for (g, v) in rates.enumerated() where !v.isNaN {
      guard var b = best else {
        best = SpreadResult(high: v, low: v, pair: Pair(high: g, low: g))
        continue
      }
      if v > b.high { b.high = v; b.pair.high = g }
      if v < b.low { b.low = v; b.pair.low = g }
      best = b
    }
    guard rates.lazy.filter({ !$0.isNaN }).count >= 2 else { return nil }
    return best
  }

  private mutating func set(_ difference: DisparityMetric, _ ratio: DisparityMetric, _ s: SpreadResult?, rate: String) {
    guard let s else {
      values[difference] = .nan
      values[ratio] = .nan
      reasons[difference] = "fewer than two groups have a defined \(rate)"
      reasons[ratio] = reasons[difference]
      return
    }
    values[difference] = s.difference
    extremes[difference] = s.pair
    if s.high == 0 {
      values[ratio] = .nan
      reasons[ratio] = "every group's \(rate) is 0"
    } else {
      values[ratio] = s.low / s.high
      extremes[ratio] = s.pair
    }
  }
}
