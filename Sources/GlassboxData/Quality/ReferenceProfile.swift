import GlassboxNumerics

/// What a reference sample (the background CSV) says about each model feature: its
/// observed range and quartiles, whether it ever goes negative or fractional, and the
/// bins and shares that population stability (PSI) is measured against.
///
/// Numeric features are binned at the background's deciles (nearest rank; equal deciles
/// are merged, so a feature that is mostly 0 gets fewer bins); categorical features get
/// one bin per card label. Every feature also has a last bin for missing values.
public struct ReferenceProfile: Sendable {
  /// One feature's profile.
  public struct Feature: Sendable {
    /// Cells seen: valid values plus missing ones (invalid cells are not counted).
    public let cells: Int
    /// Missing cells.
    public let missing: Int
    /// Smallest and largest valid value (NaN when there is none).
    public let minimum: Double
    public let maximum: Double
    /// First and third quartile (nearest rank) of the valid values.
    public let lowerQuartile: Double
    public let upperQuartile: Double
    /// Valid values below zero.
    public let negatives: Int
    /// True when every valid value is a whole number.
    public let wholeNumbersOnly: Bool
    /// Numeric: interior bin edges, strictly increasing; bin k holds (edge[k-1], edge[k]].
    /// Categorical: empty.
    public let binEdges: [Double]
    /// Categorical: the card's codes, one bin each, in the card's order. Numeric: empty.
    public let categories: [Double]
    /// The background's share of each bin; the last entry is the missing bin.
    public let expectedShares: [Double]
    private let categoryBin: [Double: Int]

    init(
      cells: Int, missing: Int, minimum: Double, maximum: Double, lowerQuartile: Double,
      upperQuartile: Double, negatives: Int, wholeNumbersOnly: Bool, binEdges: [Double],
      categories: [Double], expectedShares: [Double]
    ) {
      self.cells = cells
      self.missing = missing
      self.minimum = minimum
      self.maximum = maximum
      self.lowerQuartile = lowerQuartile
      self.upperQuartile = upperQuartile
      self.negatives = negatives
      self.wholeNumbersOnly = wholeNumbersOnly
      self.binEdges = binEdges
      self.categories = categories
      self.expectedShares = expectedShares
      var index: [Double: Int] = [:]
      for (k, code) in categories.enumerated() { index[code] = k }
      self.categoryBin = index
    }

    /// Number of valid values.
    public var valid: Int { cells - missing }
    /// The interquartile range.
    public var interquartileRange: Double { upperQuartile - lowerQuartile }
    /// Number of bins, the missing bin included.
    public var binCount: Int { expectedShares.count }

    /// The bin of `value`: NaN goes to the missing bin, an unknown category to no bin.
    /// - Complexity: O(log bins) for numeric features, O(1) for categorical ones.
    public func bin(of value: Double) -> Int? {
      if value.isNaN { return binCount - 1 }
      if !categories.isEmpty { return categoryBin[value] }
      var lo = 0
      var hi = binEdges.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if binEdges[mid] < value { lo = mid + 1 } else { hi = mid }
      }
      return lo
    }

    /// The range beyond which a value is out of distribution:
    /// `[min − m, max + m]` with `m = k·IQR`, or `m = f·(max − min)` when the IQR is 0.
    public func fence(multiplier k: Double, flatFraction f: Double) -> ClosedRange<Double>? {
      guard valid > 0, categories.isEmpty else { return nil }
      let iqr = interquartileRange
      let margin = iqr > 0 ? k * iqr : f * (maximum - minimum)
      return (minimum - margin)...(maximum + margin)
    }
  }

  /// Per feature, in schema order; nil when the background has no column for it.
  public let features: [Feature?]
  /// Data rows read from the background.
  public let rows: Int
  /// The background's name in messages.
  public let source: String

  /// Profiles `reader`'s rows against `schema`, streaming.
  ///
  /// Cells that are neither numbers nor card labels are skipped. Quantiles come from up
  /// to `sampleLimit` values per numeric feature (all of them for smaller backgrounds, else a
  /// seeded reservoir sample, so the result is reproducible); counts, minimum, maximum
  /// and missing shares are exact.
  /// - Throws: `DataError` when the CSV is malformed.
  /// - Complexity: O(rows · features) time; O(features · min(rows, sampleLimit)) memory (categorical
  ///   features: O(labels)).
  public static func build(
    from reader: CSVReader, schema: FeatureSchema, sampleLimit: Int = 100_000
  ) throws(DataError) -> ReferenceProfile {
    precondition(sampleLimit > 0, "sampleLimit must be positive")
    let checker = RowChecker(schema: schema, columns: reader.columns, source: reader.sourceName)
    let m = schema.count
    var accumulators = schema.features.map { Accumulator(categorical: $0.isCategorical) }
    var values = [Double](repeating: .nan, count: m)
    var statuses = [CellStatus](repeating: .absent, count: m)
    var issues: [CellIssue] = []
    var rng = Xoshiro256StarStar(seed: 0x6C61_7373_626F_78)
    var rows = 0
    while let block = try reader.nextBlock(maxRecords: 4096) {
      for r in 0..<block.count {
        issues.removeAll(keepingCapacity: true)
        values.withUnsafeMutableBufferPointer { v in
          statuses.withUnsafeMutableBufferPointer { s in
            checker.check(block, record: r, values: v, statuses: s, issues: &issues)
          }
        }
        rows += 1
        for j in 0..<m {
          accumulators[j].add(values[j], statuses[j], seen: rows, limit: sampleLimit, rng: &rng)
        }
      }
    }
    let features: [Feature?] = (0..<m).map { j in
      guard checker.columnIndex[j] != nil else { return nil }
      return accumulators[j].profile(schema.features[j])
    }
    return ReferenceProfile(features: features, rows: rows, source: reader.sourceName)
  }

  /// Profiles rows already encoded (row-major, NaN where missing), such as an explainer's
  /// background, so a file that was read once is not read again.
  ///
  /// Same rules as `build(from:schema:sampleLimit:)`; every feature is present.
  /// - Complexity: O(rows · features) time; O(features · min(rows, sampleLimit)) memory.
  public static func build(
    encodedRows: [Double], schema: FeatureSchema, source: String, sampleLimit: Int = 100_000
  ) -> ReferenceProfile {
    var builder = Builder(schema: schema, source: source, sampleLimit: sampleLimit)
    builder.add(encodedRows: encodedRows)
    return builder.profile()
  }

  /// Profiles encoded rows that arrive in chunks (a background read streaming): the
  /// profile of the chunks in order is that of `build(encodedRows:schema:source:)` on
  /// their concatenation, bit for bit (the same reservoir draws in the same order).
  /// - Complexity: O(features · min(rows, sampleLimit)) memory whatever the rows.
  public struct Builder: Sendable {
    private let schema: FeatureSchema
    private let source: String
    private let sampleLimit: Int
    private var accumulators: [Accumulator]
    private var rng = Xoshiro256StarStar(seed: 0x6C61_7373_626F_78)
    /// Rows added so far.
    public private(set) var rows = 0

    public init(schema: FeatureSchema, source: String, sampleLimit: Int = 100_000) {
      precondition(sampleLimit > 0, "sampleLimit must be positive")
      self.schema = schema
      self.source = source
      self.sampleLimit = sampleLimit
      accumulators = schema.features.map { Accumulator(categorical: $0.isCategorical) }
    }

    /// Adds encoded rows (row-major, `schema.count` values each, NaN where missing).
    public mutating func add(encodedRows: [Double]) {
      let m = schema.count
      precondition(m > 0 && encodedRows.count % m == 0, "rows must hold one value per feature")
      let n = encodedRows.count / m
      if rows + n <= sampleLimit {
        // No reservoir draw can happen (no feature has more valid values than the limit),
        // so the shared generator is not used and features can go one at a time.
        encodedRows.withUnsafeBufferPointer { all in
          for j in 0..<m { accumulators[j].add(column: j, of: all, stride: m, count: n) }
        }
        rows += n
        return
      }
      for r in 0..<n {
        rows += 1
        for j in 0..<m {
          let x = encodedRows[r * m + j]
          accumulators[j].add(x, x.isNaN ? .missing : .valid, seen: rows, limit: sampleLimit, rng: &rng)
        }
      }
    }

    /// The profile of the rows added.
    public func profile() -> ReferenceProfile {
      ReferenceProfile(
        features: (0..<schema.count).map { accumulators[$0].profile(schema.features[$0]) }, rows: rows, source: source)
    }
  }

  /// Profiles the CSV file at `path`.
  public static func build(path: String, schema: FeatureSchema) throws(DataError) -> ReferenceProfile {
    try build(from: CSVReader(path: path), schema: schema)
  }

  /// Running state for one feature while the background streams past.
  private struct Accumulator: Sendable {
    let categorical: Bool
    var cells = 0
    var missing = 0
    var valid = 0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var negatives = 0
    var whole = true
    var sample: [Double] = []
    var categoryCounts: [Double: Int] = [:]

    mutating func add(
      _ value: Double, _ status: CellStatus, seen: Int, limit: Int, rng: inout Xoshiro256StarStar
    ) {
      switch status {
      case .invalid, .absent: return
      case .missing:
        cells += 1
        missing += 1
        return
      case .valid: break
      }
      cells += 1
      valid += 1
      minimum = Swift.min(minimum, value)
      maximum = Swift.max(maximum, value)
      if value < 0 { negatives += 1 }
      if whole && value != value.rounded(.towardZero) { whole = false }
      if categorical {
        categoryCounts[value, default: 0] += 1
        return
      }
      // Reservoir sampling (algorithm R) over the valid values.
      if sample.count < limit {
        sample.append(value)
      } else {
        let k = Int.random(in: 0..<valid, using: &rng)
        if k < limit { sample[k] = value }
      }
    }

    /// Adds `count` valid or missing values, those of column `j` of the row-major
    /// `values` (`stride` per row), exactly as `add` one by one would while the sample has
    /// room for all of them.
    /// - Precondition: `sample.count + count <= limit` (no reservoir draw).
    mutating func add(column j: Int, of values: UnsafeBufferPointer<Double>, stride: Int, count: Int) {
      var low = minimum, high = maximum
      var negative = 0, absent = 0, seen = 0
      var fractional = false
      // Small whole category codes are counted in an array, merged into the dictionary after.
      var small = [Int](repeating: 0, count: categorical ? 64 : 0)
      if !categorical { sample.reserveCapacity(sample.count + count) }
      var k = j
      for _ in 0..<count {
        let x = values[k]
        k += stride
        if x.isNaN {
          absent += 1
          continue
        }
        seen += 1
        low = Swift.min(low, x)
        high = Swift.max(high, x)
        if x < 0 { negative += 1 }
        let whole = x == x.rounded(.towardZero)
        if !whole { fractional = true }
        if categorical {
          if whole && x >= 0 && x < 64 { small[Int(x)] += 1 } else { categoryCounts[x, default: 0] += 1 }
        } else {
          sample.append(x)
        }
      }
      for (code, n) in small.enumerated() where n > 0 { categoryCounts[Double(code), default: 0] += n }
      cells += seen + absent
      missing += absent
      valid += seen
      minimum = low
      maximum = high
      negatives += negative
      if fractional { whole = false }
    }

    func profile(_ feature: ModelCard.Feature) -> Feature {
      let sorted = SortedValues.ascending(sample)
      func quantile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(0, Swift.min(sorted.count, rank) - 1)]
      }
      let missingShare = cells > 0 ? Double(missing) / Double(cells) : 0
      let validShare = 1 - missingShare
      var edges: [Double] = []
      var categories: [Double] = []
      var shares: [Double] = []
      if case .categorical(let labels) = feature.kind {
        categories = labels.map(\.code)
        shares = categories.map { code in
          valid > 0 ? validShare * Double(categoryCounts[code] ?? 0) / Double(valid) : 0
        }
      } else {
        for k in 1...9 {
          let e = quantile(Double(k) / 10)
          if e.isFinite, edges.last.map({ e > $0 }) ?? true { edges.append(e) }
        }
        var counts = [Int](repeating: 0, count: edges.count + 1)
        var b = 0
        for v in sorted {
          while b < edges.count && edges[b] < v { b += 1 }
          counts[b] += 1
        }
        shares = counts.map { sorted.isEmpty ? 0 : validShare * Double($0) / Double(sorted.count) }
      }
      shares.append(missingShare)
      return Feature(
        cells: cells, missing: missing, minimum: valid > 0 ? minimum : .nan,
        maximum: valid > 0 ? maximum : .nan, lowerQuartile: quantile(0.25),
        upperQuartile: quantile(0.75), negatives: negatives, wholeNumbersOnly: whole,
        binEdges: edges, categories: categories, expectedShares: shares)
    }
  }
}
