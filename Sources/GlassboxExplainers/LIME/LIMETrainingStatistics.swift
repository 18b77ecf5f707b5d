import GlassboxSystem
import GlassboxData

/// What LIME learns from the background before explaining anything: for each feature,
/// its bins (continuous) or categories, how often each occurs, and per-bin moments used
/// to draw continuous values inside a bin.
///
/// Mirrors lime 0.2.0.1's `BaseDiscretizer` and the frequency tables of
/// `LimeTabularExplainer.__init__` with `discretize_continuous=True` (with
/// `LIMEDiscretizer.none`, continuous features keep one bin and carry the scaler's mean and
/// standard deviation instead, `Feature.isGaussian`):
/// - bin edges are the unique discretizer thresholds `e₀ < … < e_{B−1}`; a value x falls in
///   bin `b = #{k : e_k < x}` (numpy's `searchsorted`, side "left"), so bin b is
///   `(e_{b−1}, e_b]`;
/// - per bin: the mean and population standard deviation (+1e-11) of the background values
///   in it, and its bounds `[min, e₀], (e₀, e₁], …, (e_{B−1}, max]`;
/// - sampling frequencies of bins (continuous) or category codes (categorical).
///
/// Missing values (NaN): lime refuses them. Here they are left out of every statistic
/// (edges, moments, frequencies) and counted separately as `missingFraction`, so the
/// sampler can draw "missing" as often as the background is missing.
///
/// Equality with lime is to rounding (≈1e-12 relative): percentiles use numpy's linear
/// interpolation, entropy bins sklearn's split rule.
public struct LIMETrainingStatistics: Sendable {
  /// One feature's statistics.
  public struct Feature: Sendable, Equatable {
    public let name: String
    public let isCategorical: Bool
    /// Bin edges (continuous features), ascending and distinct; empty for categoricals.
    public let edges: [Double]
    /// Per bin (`edges.count + 1` entries, continuous features only): mean, standard
    /// deviation (+1e-11, as lime), lower and upper bounds.
    public let binMeans: [Double], binStandardDeviations: [Double], binMinimums: [Double], binMaximums: [Double]
    /// The values drawn when sampling: bin indices (continuous) or category codes,
    /// ascending, each seen at least once in the background.
    public let levels: [Double]
    /// The frequency of each level among the background's non-missing values.
    public let frequencies: [Double]
    /// The fraction of background rows missing this feature.
    public let missingFraction: Double
    /// Labels of category codes, for conditions.
    let labels: [(label: String, code: Double)]
    /// True for a continuous feature under `LIMEDiscretizer.none`: it is sampled as
    /// `scalerMean + scalerScale · z` with z standard normal and enters the surrogate as z.
    public internal(set) var isGaussian = false
    /// The background's mean and population standard deviation (1 when it is 0), as lime's
    /// `StandardScaler`; set for Gaussian features only.
    public internal(set) var scalerMean = 0.0, scalerScale = 1.0

    public static func == (a: Feature, b: Feature) -> Bool {
      a.name == b.name && a.isCategorical == b.isCategorical && a.edges == b.edges && a.levels == b.levels
        && a.frequencies == b.frequencies && a.binMeans == b.binMeans
        && a.binStandardDeviations == b.binStandardDeviations && a.missingFraction == b.missingFraction
        && a.isGaussian == b.isGaussian && a.scalerMean == b.scalerMean && a.scalerScale == b.scalerScale
    }

    /// The level of `x`: its bin (continuous) or its code (categorical); NaN when missing.
    /// - Complexity: O(log B).
    public func level(of x: Double) -> Double {
      if x.isNaN { return .nan }
      if isCategorical { return x }
      var lo = 0
      var hi = edges.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if edges[mid] < x { lo = mid + 1 } else { hi = mid }
      }
      return Double(lo)
    }

    /// The condition a person reads for the instance's level: `28.00 < age <= 37.00`,
    /// `age <= 28.00`, `age > 48.00`, `sex = Female`, `age is missing` (edges printed
    /// with two decimals, as lime's `%.2f`).
    /// A Gaussian feature's condition is its name (its weight is per standard deviation).
    public func condition(level: Double) -> String {
      if level.isNaN { return "\(name) is missing" }
      if isGaussian { return name }
      if isCategorical {
        let text = labels.first { $0.code == level }?.label ?? shortNumber(level)
        return "\(name) = \(text)"
      }
      let b = Int(level)
      if b == 0 { return "\(name) <= \(twoDecimals(edges[0]))" }
      if b == edges.count { return "\(name) > \(twoDecimals(edges[b - 1]))" }
      return "\(twoDecimals(edges[b - 1])) < \(name) <= \(twoDecimals(edges[b]))"
    }
  }

  /// One entry per model feature.
  public let features: [Feature]
  public let discretizer: LIMEDiscretizer

  /// Computes the statistics of `background`.
  /// - Parameters:
  ///   - schema: which features are categorical (card) and their labels.
  ///   - labels: one class code per background row (NaN skips the row); required by
  ///     `.entropy`.
  /// - Throws: `ExplainerError.invalidBackground` when a feature is missing in every row,
  ///   or labels are absent or mis-sized for the entropy discretizer.
  /// - Complexity: O(rows · M · log rows).
  public init(
    background: Background, schema: FeatureSchema, discretizer: LIMEDiscretizer, labels: [Double]? = nil
  ) throws {
    let m = background.featureCount
    precondition(schema.count == m, "the schema and the background disagree on the feature count")
    if discretizer == .entropy {
      guard let labels else {
        throw ExplainerError.invalidBackground(
          path: background.source, problem: "the entropy discretizer needs the training labels (\(Parameter.label) COLUMN)")
      }
      guard labels.count == background.count else {
        throw ExplainerError.invalidBackground(
          path: background.source, problem: "\(labels.count) labels for \(background.count) rows")
      }
    }
    var result: [Feature] = []
    for j in 0..<m {
      var values: [Double] = []
      var valueLabels: [Double] = []
      var missing = 0
      values.reserveCapacity(background.count)
      for r in 0..<background.count {
        let x = background.rows[r * m + j]
        if x.isNaN {
          missing += 1
          continue
        }
        if discretizer == .entropy {
          let y = labels?[r] ?? .nan
          if y.isNaN { continue }
          valueLabels.append(y)
        }
        values.append(x)
      }
      let name = schema.names[j]
      guard !values.isEmpty else {
        throw ExplainerError.invalidBackground(
          path: background.source, problem: "the feature '\(name)' is missing in every row")
      }
      let missingFraction = Double(missing) / Double(background.count)
      let feature = schema.features[j]
      if feature.isCategorical {
        result.append(Self.categorical(name: name, values: values, missingFraction: missingFraction, feature: feature))
      } else {
        let edges: [Double]
        switch discretizer {
        case .quartile: edges = Self.uniqueSorted(percentiles(values, [25, 50, 75]))
        case .decile: edges = Self.uniqueSorted(percentiles(values, [10, 20, 30, 40, 50, 60, 70, 80, 90]))
        case .entropy: edges = entropyBinEdges(values: values, labels: valueLabels)
        case .none: edges = []
        }
        var continuous = Self.continuous(name: name, values: values, edges: edges, missingFraction: missingFraction)
        if discretizer == .none {
          let mean = values.reduce(0, +) / Double(values.count)
          var squares = 0.0
          for x in values { squares += (x - mean) * (x - mean) }
          let deviation = (squares / Double(values.count)).squareRoot()
          continuous.isGaussian = true
          continuous.scalerMean = mean
          continuous.scalerScale = deviation > 0 ? deviation : 1
        }
        result.append(continuous)
      }
    }
    features = result
    self.discretizer = discretizer
  }

  /// The interpretable (binary) representation of `row` around `instance`: 1 where the
  /// row's level (bin or category; missing counts as a level) equals the instance's.
  /// - Complexity: O(m · log B).
  public func interpretable(_ row: [Double], instance: [Double]) -> [Double] {
    features.indices.map { j in
      let a = features[j].level(of: row[j]), b = features[j].level(of: instance[j])
      return a == b || (a.isNaN && b.isNaN) ? 1 : 0
    }
  }

  static func uniqueSorted(_ xs: [Double]) -> [Double] {
    var out: [Double] = []
    for x in xs.sorted() where out.last != x { out.append(x) }
    return out
  }

  static func categorical(
    name: String, values: [Double], missingFraction: Double, feature: ModelCard.Feature
  ) -> Feature {
    var counts: [Double: Int] = [:]
    for x in values { counts[x, default: 0] += 1 }
    let levels = counts.keys.sorted()
    let total = Double(values.count)
    var labels: [(label: String, code: Double)] = []
    if case .categorical(let pairs) = feature.kind { labels = pairs }
    return Feature(
      name: name, isCategorical: true, edges: [], binMeans: [], binStandardDeviations: [], binMinimums: [],
      binMaximums: [], levels: levels, frequencies: levels.map { Double(counts[$0]!) / total },
      missingFraction: missingFraction, labels: labels)
  }

  static func continuous(name: String, values: [Double], edges: [Double], missingFraction: Double) -> Feature {
    let bins = edges.count + 1
    var members = [[Double]](repeating: [], count: bins)
    let probe = Feature(
      name: name, isCategorical: false, edges: edges, binMeans: [], binStandardDeviations: [], binMinimums: [],
      binMaximums: [], levels: [], frequencies: [], missingFraction: 0, labels: [])
    for x in values { members[Int(probe.level(of: x))].append(x) }
    var means: [Double] = [], stds: [Double] = []
    for b in 0..<bins {
      let xs = members[b]
      if xs.isEmpty {
        means.append(0)
        stds.append(1e-11)
        continue
      }
      let mean = xs.reduce(0, +) / Double(xs.count)
      var ss = 0.0
      for x in xs { ss += (x - mean) * (x - mean) }
      means.append(mean)
      stds.append((ss / Double(xs.count)).squareRoot() + 1e-11)
    }
    let lowest = values.min()!, highest = values.max()!
    let present = (0..<bins).filter { !members[$0].isEmpty }
    let total = Double(values.count)
    return Feature(
      name: name, isCategorical: false, edges: edges, binMeans: means, binStandardDeviations: stds,
      binMinimums: [lowest] + edges, binMaximums: edges + [highest], levels: present.map(Double.init),
      frequencies: present.map { Double(members[$0].count) / total }, missingFraction: missingFraction, labels: [])
  }
}

/// numpy's `percentile(values, q)` with the default linear interpolation:
/// `h = (n − 1)·q/100`, `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])` on sorted values,
/// evaluated from the upper neighbour when the fraction is ≥ 0.5 as numpy does.
/// - Complexity: O(n log n).
public func percentiles(_ values: [Double], _ qs: [Double]) -> [Double] {
  let x = values.sorted()
  let n = x.count
  precondition(n > 0, "percentiles of no values")
  return qs.map { q in
    let h = (q / 100) * Double(n - 1)
    let lo = min(Int(h.rounded(.down)), n - 1)
    let hi = min(lo + 1, n - 1)
    let t = h - Double(lo)
    let a = x[lo], b = x[hi]
    let d = b - a
    return t >= 0.5 ? b - d * (1 - t) : a + d * t
  }
}

/// `%.2f` as C's printf writes it (round half to even on the exact binary value).
///
/// For finite |x| < 2⁴⁰ the rounding is done on integers: |x|·100 is `significand·100·2^e`
/// exactly (below 2⁶⁰), shifted right with the dropped bits compared to one half; about
/// 20 times cheaper than printf through `withVaList`, which stays for other values.
/// - Complexity: O(1).
func twoDecimals(_ x: Double) -> String {
  guard x.isFinite, x.magnitude < 0x1p40 else { return printfTwoDecimals(x) }
  let significand = x.significandBitPattern | (x.isNormal ? 1 << 52 : 0)
  let shift = x.isNormal ? 1075 - Int(x.exponentBitPattern) : 1074  // at least 13
  let scaled = significand * 100
  var cents: UInt64 = 0
  if shift < 64 {
    cents = scaled >> UInt64(shift)
    let rest = scaled & ((1 << UInt64(shift)) - 1), half: UInt64 = 1 << UInt64(shift - 1)
    if rest > half || (rest == half && cents & 1 == 1) { cents += 1 }
  }
  let fraction = cents % 100
  return (x.sign == .minus ? "-" : "") + String(cents / 100) + (fraction < 10 ? ".0" : ".") + String(fraction)
}

/// `%.2f` by the C library's printf.
func printfTwoDecimals(_ x: Double) -> String {
  var buffer = [CChar](repeating: 0, count: 64)
  _ = withVaList([x]) { args in
    buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress!, 64, "%.2f", args) }
  }
  let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
  return String(decoding: bytes, as: UTF8.self)
}

#if canImport(Glibc)
  import Glibc
#endif
