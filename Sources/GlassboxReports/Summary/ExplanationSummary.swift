import GlassboxNumerics

/// A feature's input value as an explanation reports it.
public enum SummaryValue: Sendable, Equatable {
  case number(Double)
  case label(String)
  case missing
}

/// One explained row, as `glassbox summary` reads it.
public struct SummaryRow: Sendable {
  public var attributions: [Double]
  /// The input values, one per feature, or empty when the source has none (CSV output).
  public var values: [SummaryValue]
  /// SHAP interaction values φ_ij (i < j, feature indices) when the explanation has them
  /// (`explain --interactions`); pairs left out are 0.
  public var interactionPairs: [(first: Int, second: Int, value: Double)] = []

  public init(attributions: [Double], values: [SummaryValue]) {
    self.attributions = attributions
    self.values = values
  }
}

/// Global summaries of many explanations in bounded memory, the numbers behind
/// `glassbox summary`.
///
/// - Mean |attribution| and mean attribution per feature are exact (running sums).
/// - Their intervals come from a Poisson bootstrap: row i carries, in replicate b, a weight
///   drawn from Poisson(1) by a generator seeded with (seed, i), so the intervals depend on
///   the seed and the input order only, never on how the input was read.
/// - Distributions (beeswarm, dependence) come from a seeded bottom-k sample: each row gets a
///   pseudo-random key from (seed, i) and the `sampleSize` rows of smallest key are kept,
///   a uniform sample without replacement whatever the input size.
/// - Per-group means (`groupColumn`) are exact for up to `maximumGroups` distinct values;
///   further values are pooled as "(other)".
///
/// Memory: O(features · (replicates + sampleSize + groups)), independent of the row count.
/// Time per row: O(features · replicates) for the bootstrap, O(1) amortized for the sample.
public struct ExplanationSummary: Sendable {
  public struct Configuration: Sendable {
    public var replicates = 200
    public var confidence = 0.95
    public var seed: UInt64 = 42
    public var sampleSize = 2000
    /// The feature whose value defines groups, if any.
    public var groupColumn: Int?
    public var maximumGroups = 24
    public init() {}
  }

  public let features: [String]
  public let configuration: Configuration
  public private(set) var rows = 0
  private var sumAbsolute: [Double]
  private var sum: [Double]
  /// Replicate-major: replicate b's weighted sums of |φ_j| at b · features + j.
  private var replicateSums: [Double]
  private var replicateWeights: [Double]
  private var sample: [(key: UInt64, row: SummaryRow)] = []
  private var sampleThreshold = UInt64.max
  private(set) var groups: [(name: String, rows: Int, sumAbsolute: [Double])] = []
  private var groupIndex: [String: Int] = [:]
  /// Σ|φ_ij| per feature pair, keyed by i · features + j (i < j): at most features² entries.
  private var interactionSums: [Int: Double] = [:]
  /// True when at least one row carried input values.
  public private(set) var hasValues = false

  public init(features: [String], configuration: Configuration = Configuration()) {
    self.features = features
    self.configuration = configuration
    sumAbsolute = [Double](repeating: 0, count: features.count)
    sum = sumAbsolute
    replicateSums = [Double](repeating: 0, count: features.count * configuration.replicates)
    replicateWeights = [Double](repeating: 0, count: configuration.replicates)
  }

  /// Poisson(1) cumulative probabilities for k = 0...9 (the rest is below 1e-7).
  private static let poissonCumulative: [Double] = {
    var out: [Double] = []
    var p = exp(-1.0), total = 0.0
    for k in 0..<10 {
      total += p
      out.append(total)
      p /= Double(k + 1)
    }
    return out
  }()

  /// Adds the next row (rows are numbered in the order they are added).
  public mutating func add(_ row: SummaryRow) {
    let m = features.count
    precondition(row.attributions.count == m, "a summary row has one attribution per feature")
    let index = rows
    rows += 1
    if !row.values.isEmpty { hasValues = true }
    for pair in row.interactionPairs {
      let (i, j) = pair.first < pair.second ? (pair.first, pair.second) : (pair.second, pair.first)
      interactionSums[i * m + j, default: 0] += abs(pair.value)
    }
    for j in 0..<m {
      sumAbsolute[j] += abs(row.attributions[j])
      sum[j] += row.attributions[j]
    }
    if configuration.replicates > 0 {
      var generator = Xoshiro256StarStar(seed: configuration.seed, stream: UInt64(index))
      for b in 0..<configuration.replicates {
        let u = generator.nextUnitDouble()
        var k = 0
        while k < Self.poissonCumulative.count && u > Self.poissonCumulative[k] { k += 1 }
        guard k > 0 else { continue }
        let w = Double(k)
        replicateWeights[b] += w
        let base = b * m
        for j in 0..<m { replicateSums[base + j] += w * abs(row.attributions[j]) }
      }
    }
    if let column = configuration.groupColumn, column < row.values.count {
      var name: String
      switch row.values[column] {
      case .label(let label): name = label
      case .number(let x): name = NumberFormatting.readable(x)
      case .missing: name = "(missing)"
      }
      if groupIndex[name] == nil && groups.count >= configuration.maximumGroups { name = "(other)" }
      let g = groupIndex[name] ?? {
        groups.append((name, 0, [Double](repeating: 0, count: m)))
        groupIndex[name] = groups.count - 1
        return groups.count - 1
      }()
      groups[g].rows += 1
      for j in 0..<m { groups[g].sumAbsolute[j] += abs(row.attributions[j]) }
    }
    var keyGenerator = SplitMix64(seed: configuration.seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
    let key = keyGenerator.next()
    if key < sampleThreshold {
      sample.append((key, row))
      if sample.count >= 2 * configuration.sampleSize { trimSample() }
    }
  }

  private mutating func trimSample() {
    sample.sort { $0.key < $1.key }
    if sample.count > configuration.sampleSize {
      sample.removeLast(sample.count - configuration.sampleSize)
      sampleThreshold = sample.last?.key ?? .max
    }
  }

  /// The summary's figures.
  public func report() -> SummaryReport {
    var copy = self
    copy.trimSample()
    let m = features.count
    let n = Double(max(rows, 1))
    var importance: [SummaryReport.Importance] = []
    for j in 0..<m {
      var interval: (Double, Double)?
      if configuration.replicates > 1 && rows > 1 {
        var means: [Double] = []
        for b in 0..<configuration.replicates where replicateWeights[b] > 0 {
          means.append(replicateSums[b * m + j] / replicateWeights[b])
        }
        means.sort()
        if means.count > 1 {
          let tail = (1 - configuration.confidence) / 2
          interval = (quantile(means, tail), quantile(means, 1 - tail))
        }
      }
      importance.append(.init(
        feature: features[j], meanAbsolute: sumAbsolute[j] / n, mean: sum[j] / n, interval: interval))
    }
    let order = importance.indices.sorted {
      importance[$0].meanAbsolute != importance[$1].meanAbsolute
        ? importance[$0].meanAbsolute > importance[$1].meanAbsolute : $0 < $1
    }
    let groupSummaries = groups.sorted { $0.rows != $1.rows ? $0.rows > $1.rows : $0.name < $1.name }.map { group in
      let count = Double(max(group.rows, 1))
      return SummaryReport.Group(name: group.name, rows: group.rows, meanAbsolute: group.sumAbsolute.map { $0 / count })
    }
    let interactions = interactionSums.map { key, total in
      SummaryReport.Interaction(first: features[key / m], second: features[key % m], meanAbsolute: total / n, key: key)
    }.sorted { $0.meanAbsolute != $1.meanAbsolute ? $0.meanAbsolute > $1.meanAbsolute : $0.key < $1.key }
    return SummaryReport(
      rows: rows, features: features, importance: importance, order: order, sample: copy.sample.map(\.row),
      hasValues: hasValues, groups: groupSummaries, configuration: configuration, interactions: interactions)
  }

  /// Linear interpolation between order statistics of sorted `values`.
  private func quantile(_ values: [Double], _ q: Double) -> Double {
    let position = q * Double(values.count - 1)
    let low = Int(position.rounded(.down)), high = min(low + 1, values.count - 1)
    return values[low] + (values[high] - values[low]) * (position - Double(low))
  }
}

/// What `ExplanationSummary` found.
public struct SummaryReport: Sendable {
  public struct Importance: Sendable {
    public var feature: String
    public var meanAbsolute: Double
    public var mean: Double
    /// The bootstrap interval of the mean |attribution|, when there were replicates.
    public var interval: (Double, Double)?
  }

  public struct Group: Sendable {
    public var name: String
    public var rows: Int
    public var meanAbsolute: [Double]
  }

  /// A feature pair's mean |SHAP interaction value| over all rows (exact).
  public struct Interaction: Sendable {
    public var first: String
    public var second: String
    public var meanAbsolute: Double
    /// The pair's position i · features + j, which breaks ties.
    var key: Int
  }

  public var rows: Int
  public var features: [String]
  /// In feature order.
  public var importance: [Importance]
  /// Feature indices by decreasing mean |attribution|.
  public var order: [Int]
  /// The seeded uniform sample of rows behind the distributions.
  public var sample: [SummaryRow]
  public var hasValues: Bool
  /// By decreasing size.
  public var groups: [Group]
  public var configuration: ExplanationSummary.Configuration
  /// Feature pairs by decreasing mean |interaction value|; empty without interaction values.
  public var interactions: [Interaction] = []
}

#if canImport(Glibc)
  import Glibc
#endif
