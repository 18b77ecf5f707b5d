import GlassboxSystem
import GlassboxNumerics

/// How bootstrap intervals are drawn.
public struct BootstrapConfiguration: Sendable, Equatable {
  /// Resamples (0 turns intervals off).
  public var replicates: Int
  /// The seed every replicate's stream derives from.
  public var seed: UInt64
  /// The interval's coverage, e.g. 0.95.
  public var confidence: Double
  /// Worker threads; results do not depend on it.
  public var threads: Int

  public init(replicates: Int = 1000, seed: UInt64 = 42, confidence: Double = 0.95, threads: Int = 1) {
    self.replicates = replicates
    self.seed = seed
    self.confidence = confidence
    self.threads = max(1, threads)
  }
}

/// A two-sided interval and how many replicates defined the quantity.
public struct Interval: Sendable, Equatable {
  public var lower: Double
  public var upper: Double
  /// Replicates in which the quantity was defined (the interval uses only those).
  public var replicatesUsed: Int
}

/// Percentile bootstrap intervals for every rate and disparity of a grouping.
///
/// Each replicate resamples rows with replacement **within each group** (a stratified
/// bootstrap: group sizes stay fixed, so every group is present in every replicate), then
/// recomputes the group tallies, rates and disparities. Replicate b draws from
/// `Xoshiro256StarStar(seed:stream: b)`, so the intervals depend only on the seed and
/// the data, not on the thread count. An index in 0..<n is drawn as the high word of
/// `next() · n` (bias below n / 2⁶⁴).
///
/// Bounds are the α/2 and 1 − α/2 quantiles of the replicate values (linear
/// interpolation between order statistics, numpy's default). A quantity undefined in
/// more than half of the replicates gets no interval.
///
/// - Complexity: O(B · rows + B · Q log B) time for B replicates and Q quantities
///   (Q = 12 · groups + 7); memory O(B · Q + rows).
public struct BootstrapIntervals: Sendable {
  /// Replicates drawn.
  public let replicates: Int
  let groupCount: Int
  private let intervals: [Interval?]

  static var perGroup: Int { Rate.allCases.count + ComparisonQuantity.allCases.count }

  /// Draws the replicates for `outcomes` grouped by `grouping` with reference group `reference`.
  public init(outcomes: Outcomes, grouping: Grouping, reference: Int, configuration: BootstrapConfiguration) {
    let b = configuration.replicates
    let g = grouping.count
    let q = g * Self.perGroup + DisparityMetric.allCases.count
    replicates = b
    groupCount = g
    var rows = [[Int32]](repeating: [], count: g)
    for (r, k) in grouping.membership.enumerated() { rows[Int(k)].append(Int32(r)) }
    let members = rows
    let perReplicate = parallelMap(max(b, 0), threads: configuration.threads) { replicate in
      var rng = Xoshiro256StarStar(seed: configuration.seed, stream: UInt64(replicate))
      let tallies = (0..<g).map { k in
        var t = GroupTally()
        let list = members[k]
        let n = UInt64(list.count)
        for _ in 0..<list.count {
          let r = Int(list[Int(rng.next().multipliedFullWidth(by: n).high)])
          let f = outcomes.flags[r]
          t.add(score: outcomes.scores[r], selected: f & 1 != 0, positive: f & 2 != 0)
        }
        return t
      }
      return Self.quantities(tallies, reference: reference, hasLabels: outcomes.hasLabels, count: q)
    }
    // Quantity-major (`samples[k · B + replicate]`), so each quantity's replicates are contiguous.
    var samples = [Double](repeating: .nan, count: q * max(b, 0))
    for (replicate, values) in perReplicate.enumerated() {
      for k in 0..<q { samples[k * b + replicate] = values[k] }
    }
    let alpha = 1 - configuration.confidence
    intervals = (0..<q).map { k in
      var values = samples[(k * b)..<((k + 1) * b)].filter { !$0.isNaN }
      guard values.count * 2 > b else { return nil }
      values.sort()
      return Interval(
        lower: Self.quantile(values, alpha / 2), upper: Self.quantile(values, 1 - alpha / 2),
        replicatesUsed: values.count)
    }
  }

  /// One replicate's `count` quantities (NaN where undefined, e.g. rates that need labels).
  private static func quantities(_ tallies: [GroupTally], reference: Int, hasLabels: Bool, count: Int) -> [Double] {
    var out = [Double](repeating: .nan, count: count)
    let d = Disparities(tallies, reference: reference, hasLabels: hasLabels)
    for (k, t) in tallies.enumerated() {
      let base = k * perGroup
      for (i, rate) in Rate.allCases.enumerated() where hasLabels || !rate.needsLabels {
        out[base + i] = t.value(rate)
      }
      for q in ComparisonQuantity.allCases {
        out[base + Rate.allCases.count + q.rawValue] = d.comparisons[k].value(q)
      }
    }
    let metricBase = tallies.count * perGroup
    for (i, m) in DisparityMetric.allCases.enumerated() {
      out[metricBase + i] = d.values[m] ?? .nan
    }
    return out
  }

  /// The `p` quantile of sorted `values`, interpolating linearly (numpy "linear").
  static func quantile(_ values: [Double], _ p: Double) -> Double {
    let position = p * Double(values.count - 1)
    let lo = Int(position.rounded(.down))
    let hi = min(lo + 1, values.count - 1)
    let w = position - Double(lo)
    return values[lo] + (values[hi] - values[lo]) * w
  }

  /// The interval of `rate` for group `g`.
  public func interval(_ rate: Rate, group g: Int) -> Interval? {
    intervals[g * Self.perGroup + Rate.allCases.firstIndex(of: rate)!]
  }

  /// The interval of a signed comparison against the reference for group `g`.
  public func interval(_ comparison: ComparisonQuantity, group g: Int) -> Interval? {
    intervals[g * Self.perGroup + Rate.allCases.count + comparison.rawValue]
  }

  /// The interval of a disparity metric.
  public func interval(_ metric: DisparityMetric) -> Interval? {
    intervals[groupCount * Self.perGroup + DisparityMetric.allCases.firstIndex(of: metric)!]
  }
}
