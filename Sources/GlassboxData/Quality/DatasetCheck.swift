import GlassboxSystem

/// Checks a whole CSV against a model's schema, its card and a reference, streaming.
///
/// Each block of records is summarized on its own (`summarize(_:)`: per-row checks,
/// per-column tallies, PSI bin counts, row hashes, label counts), on any thread, and the
/// summaries are absorbed in input order (`absorb(_:)`), which finds duplicates and keeps
/// the first findings of each kind and column. Memory is flat in the number of rows
/// except for duplicate detection, which keeps one 64-bit hash per distinct row (a
/// `Set<UInt64>`: about 16 bytes per distinct row, 24 while it resizes) up to
/// `Configuration.distinctRowLimit`; past it, later rows are still compared with the
/// rows tracked so far, and the report says detection was incomplete. Two different rows
/// share a hash with probability about n²/2⁶⁵ (3·10⁻⁸ for a million rows).
public struct DatasetCheck: Sendable {
  /// Limits and thresholds.
  public struct Configuration: Sendable, Equatable {
    /// Findings kept per (kind, column); the counts stay exact.
    public var findingsPerKind: Int
    /// Distinct rows whose hashes are kept for duplicate detection.
    public var distinctRowLimit: Int
    /// Columns with fewer cells get a PSI in their summary but no drift finding.
    public var driftMinimumRows: Int
    /// A label class below this share of the labelled rows gives a warning.
    public var minorityShare: Double
    /// Distinct labels counted; more are lumped out of the report.
    public var labelClassLimit: Int
    /// Keep every row with an error-level finding as a `RowRejection` (for a rejects
    /// file), not only the first `findingsPerKind` findings.
    public var keepRejectedRows: Bool

    public init(
      findingsPerKind: Int = 100, distinctRowLimit: Int = 5_000_000, driftMinimumRows: Int = 100,
      minorityShare: Double = 0.1, labelClassLimit: Int = 1000, keepRejectedRows: Bool = false
    ) {
      self.keepRejectedRows = keepRejectedRows
      self.findingsPerKind = findingsPerKind
      self.distinctRowLimit = distinctRowLimit
      self.driftMinimumRows = driftMinimumRows
      self.minorityShare = minorityShare
      self.labelClassLimit = labelClassLimit
    }
  }

  /// What one block contributes; made by `summarize(_:)`, consumed by `absorb(_:)`.
  public struct BlockSummary: Sendable {
    var firstRow = 0
    var lines: [Int] = []
    var tallies: [FeatureTally]
    var keyCounts: [Int]
    var findings: [Finding] = []
    var hashes: [UInt64] = []
    var labels: [String: Int] = [:]
    var labelOrder: [String] = []
    var missingLabels = 0
    var rejected: [RowRejection] = []
  }

  /// Running figures for one feature.
  struct FeatureTally: Sendable {
    var missing = 0
    var invalid = 0
    var valid = 0
    var sum = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var bins: [Int]

    mutating func merge(_ o: FeatureTally) {
      missing += o.missing
      invalid += o.invalid
      valid += o.valid
      sum += o.sum
      minimum = Swift.min(minimum, o.minimum)
      maximum = Swift.max(maximum, o.maximum)
      for b in bins.indices { bins[b] += o.bins[b] }
    }
  }

  public let checker: RowChecker
  public let configuration: Configuration
  /// The label column's index in the header, if `--label` named one that exists.
  public let labelIndex: Int?
  let binning: Binning
  let labelName: String?
  var rows = 0
  var tallies: [FeatureTally]
  var counts: [Int]
  var shown: [Int]
  var findings: [Finding] = []
  /// Each distinct row's hash and the first row that had it.
  var seen: [UInt64: Int] = [:]
  var duplicates = 0
  var duplicatesComplete = true
  var labelCounts: [String: Int] = [:]
  var labelOrder: [String] = []
  var missingLabels = 0
  var labelsTruncated = false
  var extraFindings: [Finding] = []

  /// A check of inputs read with `checker` (whose reference enables drift and the
  /// distribution rules); `label` names the label column for class balance.
  public init(checker: RowChecker, label: String? = nil, configuration: Configuration = Configuration()) {
    self.checker = checker
    self.configuration = configuration
    self.labelName = label
    self.labelIndex = label.flatMap { checker.columns.firstIndex(of: $0) }
    binning = Binning(checker.reference, features: checker.schema.count)
    let empty = Self.emptyTallies(checker)
    tallies = empty
    counts = [Int](repeating: 0, count: Self.keyCount(checker))
    shown = counts
    if let label, labelIndex == nil {
      extraFindings.append(Finding(
        column: label, kind: .schema, severity: .error,
        detail: "'\(checker.source)' has no label column '\(label)' (given with --label)"))
    }
  }

  private static func emptyTallies(_ checker: RowChecker) -> [FeatureTally] {
    (0..<checker.schema.count).map { j in
      FeatureTally(bins: [Int](repeating: 0, count: checker.reference?.features[j]?.binCount ?? 0))
    }
  }

  private static func keyCount(_ checker: RowChecker) -> Int {
    Finding.Kind.allCases.count * (checker.schema.count + 1)
  }

  /// The counting slot of (kind, feature); a nil feature is a whole-row finding.
  func key(_ kind: Finding.Kind, _ feature: Int?) -> Int {
    let m = checker.schema.count
    return (Finding.Kind.allCases.firstIndex(of: kind) ?? 0) * (m + 1) + (feature ?? m)
  }

  // MARK: - Per block (any thread)

  /// Checks every record of `block`. Pure: call it from any thread.
  /// - Complexity: O(records · features).
  public func summarize(_ block: CSVBlock) -> BlockSummary {
    let m = checker.schema.count
    var summary = BlockSummary(tallies: Self.emptyTallies(checker), keyCounts: [Int](repeating: 0, count: counts.count))
    summary.firstRow = block.firstRow
    summary.lines = block.lines
    summary.hashes.reserveCapacity(block.count)
    let bins = binning
    var values = [Double](repeating: .nan, count: m)
    var statuses = [CellStatus](repeating: .absent, count: m)
    var issues: [CellIssue] = []
    var missing = [Int](repeating: 0, count: m), invalid = missing, valid = missing
    var sum = [Double](repeating: 0, count: m)
    var minimum = [Double](repeating: .infinity, count: m)
    var maximum = [Double](repeating: -.infinity, count: m)
    var binCounts = [Int](repeating: 0, count: bins.totalBins)
    for r in 0..<block.count {
      issues.removeAll(keepingCapacity: true)
      values.withUnsafeMutableBufferPointer { v in
        statuses.withUnsafeMutableBufferPointer { s in
          checker.check(block, record: r, values: v, statuses: s, issues: &issues)
        }
      }
      // Plain local arrays: no copy-on-write check of a nested array per cell.
      for j in 0..<m {
        let value = values[j]
        switch statuses[j] {
        case .absent: continue
        case .invalid:
          invalid[j] += 1
          continue
        case .missing: missing[j] += 1
        case .valid:
          valid[j] += 1
          sum[j] += value
          if value < minimum[j] { minimum[j] = value }
          if value > maximum[j] { maximum[j] = value }
        }
        if let b = bins.bin(j, value) { binCounts[bins.firstBin(j) + b] += 1 }
      }
      if configuration.keepRejectedRows, let error = issues.first(where: { $0.severity == .error }) {
        summary.rejected.append(RowRejection(
          row: block.rowIndex(r), line: block.lines[r], reason: checker.finding(for: error, in: block, record: r).description,
          fields: (0..<block.columnCount).map { block.string(r, $0) }))
      }
      for issue in issues {
        let k = key(issue.kind, issue.feature)
        summary.keyCounts[k] += 1
        if summary.keyCounts[k] <= configuration.findingsPerKind {
          summary.findings.append(checker.finding(for: issue, in: block, record: r))
        }
      }
      summary.hashes.append(Self.hash(block, record: r))
      if let labelIndex {
        let missing = block.withField(r, labelIndex) { CellParsing.isMissing($0) }
        if missing {
          summary.missingLabels += 1
        } else {
          let text = block.string(r, labelIndex).trimmingSpaces()
          if summary.labels[text] == nil { summary.labelOrder.append(text) }
          summary.labels[text, default: 0] += 1
        }
      }
    }
    for j in 0..<m {
      let first = bins.firstBin(j)
      summary.tallies[j] = FeatureTally(
        missing: missing[j], invalid: invalid[j], valid: valid[j], sum: sum[j], minimum: minimum[j],
        maximum: maximum[j], bins: Array(binCounts[first..<(first + summary.tallies[j].bins.count)]))
    }
    return summary
  }

  /// A 64-bit hash of all cells of record `r` (each field's bytes and the 0 after it).
  /// - Complexity: O(bytes of the record).
  static func hash(_ block: CSVBlock, record r: Int) -> UInt64 {
    let first = r * block.columnCount
    let last = first + block.columnCount - 1
    let start = Int(block.starts[first])
    let end = Int(block.starts[last]) + Int(block.lengths[last]) + 1
    return block.bytes.withUnsafeBytes { all in
      RowHash.hash(UnsafeRawBufferPointer(rebasing: all[start..<end]))
    }
  }

  // MARK: - In order

  /// Adds a block's summary; call in input order. With `keepRejectedRows`, hands each
  /// row with an error-level finding to `rejected`, in input order.
  /// - Complexity: O(records + findings kept + labels), amortized.
  public mutating func absorb(_ summary: BlockSummary, rejected: (RowRejection) -> Void = { _ in }) {
    summary.rejected.forEach(rejected)
    for j in tallies.indices { tallies[j].merge(summary.tallies[j]) }
    for k in counts.indices { counts[k] += summary.keyCounts[k] }
    let before = findings.count
    for finding in summary.findings {
      let k = key(finding.kind, finding.feature)
      if shown[k] < configuration.findingsPerKind {
        shown[k] += 1
        findings.append(finding)
      }
    }
    let duplicateKey = key(.duplicate, nil)
    for (r, h) in summary.hashes.enumerated() {
      let first = seen[h]
      if first == nil {
        if seen.count < configuration.distinctRowLimit {
          seen[h] = summary.firstRow + r
        } else {
          duplicatesComplete = false
        }
      }
      if let first {
        duplicates += 1
        counts[duplicateKey] += 1
        if shown[duplicateKey] < configuration.findingsPerKind {
          shown[duplicateKey] += 1
          findings.append(Finding(
            row: summary.firstRow + r, line: summary.lines[r], kind: .duplicate, severity: .warning,
            detail: "repeats row \(first) cell for cell"))
        }
      }
    }
    if findings.count > before, summary.hashes.count > 0 {
      // Keep row order within the block: cell findings, then the row's duplicate finding.
      let added = findings[before...].enumerated().sorted { a, b in
        (a.element.row ?? 0, a.offset) < (b.element.row ?? 0, b.offset)
      }.map(\.element)
      findings.replaceSubrange(before..., with: added)
    }
    for text in summary.labelOrder {
      let n = summary.labels[text] ?? 0
      if labelCounts[text] != nil {
        labelCounts[text, default: 0] += n
      } else if labelCounts.count < configuration.labelClassLimit {
        labelCounts[text] = n
        labelOrder.append(text)
      } else {
        labelsTruncated = true
      }
    }
    missingLabels += summary.missingLabels
    rows += summary.hashes.count
  }

  /// Checks and absorbs `block` on the calling thread.
  public mutating func add(_ block: CSVBlock, rejected: (RowRejection) -> Void = { _ in }) {
    absorb(summarize(block), rejected: rejected)
  }

  /// Reads `reader` to the end, summarizing up to `2 × threads` blocks at a time on
  /// `threads` threads; the result does not depend on `threads`. With `keepRejectedRows`,
  /// `rejected` receives every row with an error-level finding, in input order.
  /// - Throws: `DataError` when the CSV is malformed.
  /// - Complexity: O(rows · features) time; memory as described on the type.
  public mutating func run(
    _ reader: CSVReader, threads: Int = 1, blockSize: Int = 4096, rejected: (RowRejection) -> Void = { _ in }
  ) throws(DataError) {
    let round = threads > 1 ? threads * 2 : 1
    while true {
      var blocks: [CSVBlock] = []
      while blocks.count < round, let block = try reader.nextBlock(maxRecords: blockSize) { blocks.append(block) }
      if blocks.isEmpty { return }
      if blocks.count == 1 || threads <= 1 {
        for block in blocks { add(block, rejected: rejected) }
        continue
      }
      let work = blocks
      let me = self
      for summary in parallelMap(work.count, threads: threads, { me.summarize(work[$0]) }) {
        absorb(summary, rejected: rejected)
      }
    }
  }
}

/// The reference's PSI bins of every feature, flattened into a few arrays so that
/// binning a value copies nothing.
struct Binning: Sendable {
  private var start: [Int] = []
  private var count: [Int] = []
  private var isCategorical: [Bool] = []
  private var missingBin: [Int] = []
  private var flat: [Double] = []
  private var binStart: [Int] = []
  /// The number of bins of all features together.
  private(set) var totalBins = 0

  init(_ reference: ReferenceProfile?, features m: Int) {
    for j in 0..<m {
      let profile = reference?.features[j]
      let items = profile.map { $0.categories.isEmpty ? $0.binEdges : $0.categories } ?? []
      start.append(flat.count)
      count.append(profile == nil ? -1 : items.count)
      isCategorical.append(!(profile?.categories.isEmpty ?? true))
      missingBin.append((profile?.binCount ?? 0) - 1)
      binStart.append(totalBins)
      totalBins += profile?.binCount ?? 0
      flat += items
    }
  }

  /// Where feature `j`'s bins start in a flat array of all features' bins.
  @inline(__always)
  func firstBin(_ j: Int) -> Int { binStart[j] }

  /// Feature `j`'s bin of `value` (as `ReferenceProfile.Feature.bin(of:)`), or nil.
  /// - Complexity: O(log edges) numeric, O(labels) categorical.
  @inline(__always)
  func bin(_ j: Int, _ value: Double) -> Int? {
    let n = count[j]
    if n < 0 { return nil }
    if value.isNaN { return missingBin[j] }
    let s = start[j]
    if isCategorical[j] {
      for k in 0..<n where flat[s + k] == value { return k }
      return nil
    }
    var lo = 0
    var hi = n
    while lo < hi {
      let mid = (lo + hi) / 2
      if flat[s + mid] < value { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }
}
