import GlassboxSystem

/// One problem a data check found: where it is, what kind it is, how bad it is.
///
/// A per-cell finding names its row (zero-based data row, as in `explain`), the physical
/// line it starts on, and its column; a per-row finding (a duplicate) has no column; a
/// column- or file-level finding (a missing column, drift, label balance) has no row.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
  /// What was checked.
  public enum Kind: String, Sendable, CaseIterable, Comparable {
    /// A feature column is absent from the header (or from the background).
    case schema
    /// A numeric cell is not a number.
    case type
    /// A categorical cell holds a label the card does not list.
    case label
    /// A cell is missing (an error for features the card marks `required`).
    case missing
    /// A value lies outside the card's declared `range`.
    case range
    /// A value lies far outside what the background holds.
    case outOfDistribution = "out_of_distribution"
    /// A value the background suggests cannot occur (a negative or fractional value
    /// where the background has none).
    case impossible
    /// A feature's distribution differs from the background's (PSI).
    case drift
    /// A row repeats an earlier row cell for cell.
    case duplicate
    /// The label column is dominated by one class.
    case labelBalance = "label_balance"

    public static func < (a: Kind, b: Kind) -> Bool { a.order < b.order }

    private var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }
  }

  /// How bad a finding is: errors fail `check --strict`, warnings never do.
  public enum Severity: String, Sendable, Comparable {
    case warning
    case error

    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
  }

  /// The zero-based data row, or nil for a column- or file-level finding.
  public var row: Int?
  /// The one-based physical line the row starts on, when `row` is set.
  public var line: Int?
  /// The column's name, or nil for a whole-row or whole-file finding.
  public var column: String?
  /// The feature's index in the model's schema, when the column is a model feature.
  public var feature: Int?
  public var kind: Kind
  public var severity: Severity
  /// The cell's text as given, for per-cell findings.
  public var value: String?
  /// One sentence a person can act on.
  public var detail: String

  public init(
    row: Int? = nil, line: Int? = nil, column: String? = nil, feature: Int? = nil, kind: Kind,
    severity: Severity, value: String? = nil, detail: String
  ) {
    self.row = row
    self.line = line
    self.column = column
    self.feature = feature
    self.kind = kind
    self.severity = severity
    self.value = value
    self.detail = detail
  }

  /// `row 10 (line 12), column 'age': error (type): not a number`.
  public var description: String {
    var parts: [String] = []
    if let row { parts.append("row \(row)" + (line.map { " (line \($0))" } ?? "")) }
    if let column { parts.append("column '\(column)'") }
    let place = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
    return place + "\(severity.rawValue) (\(kind.rawValue)): \(detail)"
  }
}

/// A problem in one cell, before it is spelled out as a `Finding`.
///
/// The per-row checks produce these without allocating; `RowChecker.finding(for:in:record:)`
/// turns one into a `Finding` while its block is at hand. A dataset check spells out only
/// the issues it keeps.
public struct CellIssue: Sendable, Equatable {
  /// The feature's index in the schema.
  public var feature: Int
  public var kind: Finding.Kind
  public var severity: Finding.Severity
  /// The parsed value (NaN when the cell did not parse or is missing).
  public var value: Double

  public init(feature: Int, kind: Finding.Kind, severity: Finding.Severity, value: Double) {
    self.feature = feature
    self.kind = kind
    self.severity = severity
    self.value = value
  }
}

/// How a cell decoded.
public enum CellStatus: UInt8, Sendable {
  /// A number or a known label.
  case valid
  /// A missing-value token.
  case missing
  /// Text that is neither a number nor a known label.
  case invalid
  /// The feature has no column in the input.
  case absent
}

/// Numbers in finding details: as JSON spells them (integral values without a fraction,
/// others in their shortest exact form), except that zero has no sign and non-finite values
/// read `NaN`, `inf` and `-inf`.
func spell(_ x: Double) -> String {
  guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
  return JSONSpelling.number(x == 0 ? 0 : x)
}

/// A row with an error-level finding, kept whole for a rejects file (`check --rejects`).
public struct RowRejection: Sendable, Equatable {
  /// The zero-based data-row index.
  public var row: Int
  /// The physical line (one-based) the record starts on.
  public var line: Int
  /// The row's first error-level finding, as a sentence.
  public var reason: String
  /// The record's fields, as read.
  public var fields: [String]

  public init(row: Int, line: Int, reason: String, fields: [String]) {
    self.row = row
    self.line = line
    self.reason = reason
    self.fields = fields
  }
}
