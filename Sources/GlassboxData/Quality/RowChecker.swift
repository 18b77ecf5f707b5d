/// Per-row data checks: decodes one CSV record tolerantly and says what is wrong with it.
///
/// Where `FeatureEncoder` throws at the first bad cell, a `RowChecker` decodes every cell
/// and reports each problem as a finding, writing NaN for a cell it cannot read, so one
/// pass yields both the model input and its findings. The rules, in the order they are
/// tried for each cell (at most one value finding per cell: the first rule that fires):
///
/// | kind | severity | rule |
/// |---|---|---|
/// | `missing` | warning; error if the card marks the feature `required` | a missing token (`CellParsing`) |
/// | `type` | error | a numeric cell that is not a number |
/// | `label` | error | a categorical cell that is neither a card label nor a card code |
/// | `range` | error | outside the card's `range` (inclusive) |
/// | `impossible` | warning | negative where the background has no negative value, or fractional where it has only whole numbers |
/// | `out_of_distribution` | warning | numeric: outside `[min − k·IQR, max + k·IQR]` of the background (`k` = 1.5; when the IQR is 0, the margin is 10% of `max − min`); categorical: a label the background never holds |
///
/// A feature with no column in the header is reported once, in `schemaFindings`
/// (an error), and decodes as NaN in every row.
///
/// A checker is an immutable value: share it between threads freely.
public struct RowChecker: Sendable {
  /// Tunable thresholds.
  public struct Configuration: Sendable, Equatable {
    /// `k` in the out-of-distribution fence `[min − k·IQR, max + k·IQR]`.
    public var fenceMultiplier: Double
    /// The fence's margin as a share of `max − min` when the background's IQR is 0.
    public var flatMarginFraction: Double

    public init(fenceMultiplier: Double = 1.5, flatMarginFraction: Double = 0.1) {
      self.fenceMultiplier = fenceMultiplier
      self.flatMarginFraction = flatMarginFraction
    }
  }

  /// The model's features.
  public let schema: FeatureSchema
  /// For each feature, the CSV column it is read from (nil when the header lacks it).
  public let columnIndex: [Int?]
  /// The column names of the input.
  public let columns: [String]
  /// The input's name in messages.
  public let source: String
  /// The reference the distribution rules compare with, if any.
  public let reference: ReferenceProfile?
  /// One error per feature absent from the header, and one warning per feature absent
  /// from the background.
  public let schemaFindings: [Finding]
  public let configuration: Configuration

  // Per feature, flattened out of the schema so the hot loop copies no struct that
  // holds references (each such copy costs a retain and a release).
  private let categorical: [Bool]
  private let required: [Bool]
  private let ranges: [ClosedRange<Double>?]
  private let labelTables: [LabelTable]
  private let validCodes: [Set<Double>]
  private let fences: [ClosedRange<Double>?]
  private let noNegatives: [Bool]
  private let wholeOnly: [Bool]
  private let unseenCodes: [Set<Double>]

  /// A checker for inputs whose header is `columns`.
  /// - Parameters:
  ///   - schema: the model's features with the card's rules.
  ///   - columns: the CSV header.
  ///   - source: the input's name in messages.
  ///   - reference: the background's profile, enabling the distribution rules.
  /// - Complexity: O(columns · features + labels).
  public init(
    schema: FeatureSchema, columns: [String], source: String, reference: ReferenceProfile? = nil,
    configuration: Configuration = Configuration()
  ) {
    self.schema = schema
    self.columns = columns
    self.source = source
    self.reference = reference
    self.configuration = configuration
    var position: [String: Int] = [:]
    for (k, name) in columns.enumerated() where position[name] == nil { position[name] = k }
    columnIndex = schema.names.map { position[$0] }
    var found: [Finding] = []
    for (j, name) in schema.names.enumerated() where position[name] == nil {
      let shown = columns.prefix(12).joined(separator: ", ") + (columns.count > 12 ? ", ..." : "")
      found.append(Finding(
        column: name, feature: j, kind: .schema, severity: .error,
        detail: "'\(source)' has no column '\(name)' that the model needs; its columns are: \(shown)"))
    }
    if let reference {
      for (j, name) in schema.names.enumerated() where reference.features[j] == nil {
        found.append(Finding(
          column: name, feature: j, kind: .schema, severity: .warning,
          detail: "the background '\(reference.source)' has no column '\(name)': its values are not compared with a reference"))
      }
    }
    schemaFindings = found
    categorical = schema.features.map(\.isCategorical)
    required = schema.features.map(\.required)
    ranges = schema.features.map(\.range)
    labelTables = schema.features.map { feature in
      guard case .categorical(let labels) = feature.kind else { return LabelTable(labels: []) }
      return LabelTable(labels: labels)
    }
    validCodes = schema.features.map { feature in
      guard case .categorical(let labels) = feature.kind else { return [] }
      return Set(labels.map(\.code))
    }
    let profiles = schema.features.indices.map { reference?.features[$0] }
    fences = profiles.map {
      $0?.fence(multiplier: configuration.fenceMultiplier, flatFraction: configuration.flatMarginFraction)
    }
    noNegatives = profiles.map { p in p.map { $0.valid > 0 && $0.negatives == 0 && $0.categories.isEmpty } ?? false }
    wholeOnly = profiles.map { p in p.map { $0.valid > 0 && $0.wholeNumbersOnly && $0.categories.isEmpty } ?? false }
    unseenCodes = profiles.map { p in
      guard let p, p.valid > 0 else { return [] }
      return Set(p.categories.enumerated().filter { p.expectedShares[$0.offset] == 0 }.map(\.element))
    }
  }

  // MARK: - Checking

  /// Decodes record `r` of `block` into `values` and `statuses` (one entry per feature)
  /// and appends the problems found to `issues`, in feature order.
  ///
  /// This is the allocation-free core: a clean row appends nothing. Turn an issue into a
  /// readable `Finding` with `finding(for:in:record:)` while the block is alive.
  /// - Complexity: O(features).
  public func check(
    _ block: CSVBlock, record r: Int, values: UnsafeMutableBufferPointer<Double>,
    statuses: UnsafeMutableBufferPointer<CellStatus>, issues: inout [CellIssue]
  ) {
    for j in 0..<schema.count {
      guard let column = columnIndex[j] else {
        values[j] = .nan
        statuses[j] = .absent
        continue
      }
      let (value, status) = decode(block, r, column, j)
      values[j] = value
      statuses[j] = status
      switch status {
      case .missing:
        let severity: Finding.Severity = required[j] ? .error : .warning
        issues.append(CellIssue(feature: j, kind: .missing, severity: severity, value: .nan))
      case .invalid:
        let kind: Finding.Kind = categorical[j] ? .label : .type
        issues.append(CellIssue(feature: j, kind: kind, severity: .error, value: .nan))
      case .valid:
        if let kind = valueRule(value, j) {
          issues.append(CellIssue(feature: j, kind: kind, severity: kind == .range ? .error : .warning, value: value))
        }
      case .absent:
        break
      }
    }
  }

  /// Encodes every record of `block` into `encoded` (row-major, `block.count × features`,
  /// NaN where a cell is missing or bad) and returns the findings, in row order then
  /// feature order. The drop-in, tolerant counterpart of `FeatureEncoder.encode(_:into:)`.
  /// - Complexity: O(records · features).
  public func check(_ block: CSVBlock, into encoded: inout [Double]) -> [Finding] {
    let m = schema.count
    encoded.removeAll(keepingCapacity: true)
    encoded.append(contentsOf: repeatElement(.nan, count: block.count * m))
    var findings: [Finding] = []
    var issues: [CellIssue] = []
    var statuses = [CellStatus](repeating: .absent, count: m)
    encoded.withUnsafeMutableBufferPointer { all in
      statuses.withUnsafeMutableBufferPointer { s in
        for r in 0..<block.count {
          issues.removeAll(keepingCapacity: true)
          let row = UnsafeMutableBufferPointer(rebasing: all[(r * m)..<((r + 1) * m)])
          check(block, record: r, values: row, statuses: s, issues: &issues)
          for issue in issues { findings.append(finding(for: issue, in: block, record: r)) }
        }
      }
    }
    return findings
  }

  /// Encodes record `r` of `block` into `out` (which must hold one value per feature)
  /// and returns its findings in feature order.
  /// - Complexity: O(features).
  public func check(
    _ block: CSVBlock, record r: Int, into out: UnsafeMutableBufferPointer<Double>
  ) -> [Finding] {
    precondition(out.count >= schema.count, "the output needs one slot per feature")
    var issues: [CellIssue] = []
    // The statuses live on the stack: this runs once per explained row.
    withUnsafeTemporaryAllocation(of: CellStatus.self, capacity: schema.count) { s in
      _ = s.initialize(repeating: .absent)
      check(block, record: r, values: out, statuses: s, issues: &issues)
    }
    if issues.isEmpty { return [] }
    return issues.map { finding(for: $0, in: block, record: r) }
  }

  /// Spells out `issue`, found in record `r` of `block`.
  public func finding(for issue: CellIssue, in block: CSVBlock, record r: Int) -> Finding {
    let j = issue.feature
    let column = columnIndex[j]
    let text = column.map { block.string(r, $0) }
    return Finding(
      row: block.rowIndex(r), line: block.lines[r], column: schema.names[j], feature: j,
      kind: issue.kind, severity: issue.severity, value: text,
      detail: detail(issue, text: text ?? ""))
  }

  // MARK: - Rules

  /// Decodes one cell: a number, a card label or code, a missing token, or invalid text.
  @inline(__always)
  private func decode(_ block: CSVBlock, _ r: Int, _ column: Int, _ j: Int) -> (Double, CellStatus) {
    block.withField(r, column) { bytes in
      if CellParsing.isMissing(bytes) { return (.nan, .missing) }
      if categorical[j] {
        if let code = labelTables[j].code(bytes) { return (code, .valid) }
        if let number = CellParsing.number(zeroTerminated: bytes), validCodes[j].contains(number) {
          return (number, .valid)
        }
        return (.nan, .invalid)
      }
      if let number = CellParsing.number(zeroTerminated: bytes) { return (number, .valid) }
      return (.nan, .invalid)
    }
  }

  /// The first value rule that `value` (valid) breaks for feature `j`, if any.
  @inline(__always)
  private func valueRule(_ value: Double, _ j: Int) -> Finding.Kind? {
    if let range = ranges[j], !range.contains(value) { return .range }
    if noNegatives[j] && value < 0 { return .impossible }
    if wholeOnly[j] && value != value.rounded(.towardZero) { return .impossible }
    if let fence = fences[j], !fence.contains(value) { return .outOfDistribution }
    if !unseenCodes[j].isEmpty && unseenCodes[j].contains(value) { return .outOfDistribution }
    return nil
  }

  private func detail(_ issue: CellIssue, text: String) -> String {
    let j = issue.feature
    let feature = schema.features[j]
    let v = spell(issue.value)
    switch issue.kind {
    case .missing:
      return feature.required
        ? "missing value in a feature the card marks required"
        : "missing value"
    case .type:
      return "not a number: '\(text)'; write a decimal number, or leave the cell empty (or NA, NaN, ?) for a missing value"
    case .label:
      let known = labels(of: j)
      let shown = known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", ..." : "")
      return "unknown label '\(text)'; the model card lists \(shown)"
    case .range:
      let range = feature.range ?? 0...0
      return "\(v) is outside the card's range [\(spell(range.lowerBound)), \(spell(range.upperBound))]"
    case .impossible:
      guard let p = reference?.features[j] else { return "\(v) looks impossible" }
      if issue.value < 0 && noNegatives[j] {
        return "negative value \(v) where the background has none (its minimum is \(spell(p.minimum)))"
      }
      return "fractional value \(v) where the background holds only whole numbers"
    case .outOfDistribution:
      if feature.isCategorical {
        let label = feature.label(for: issue.value) ?? v
        return "'\(label)' never occurs in the background '\(reference?.source ?? "")'"
      }
      guard let p = reference?.features[j], let fence = fences[j] else { return "\(v) is out of distribution" }
      return "\(v) is far outside the background's range [\(spell(p.minimum)), \(spell(p.maximum))] "
        + "(allowed: [\(spell(fence.lowerBound)), \(spell(fence.upperBound))])"
    case .schema, .drift, .duplicate, .labelBalance:
      return issue.kind.rawValue
    }
  }

  private func labels(of j: Int) -> [String] {
    guard case .categorical(let labels) = schema.features[j].kind else { return [] }
    return labels.map(\.label)
  }
}
