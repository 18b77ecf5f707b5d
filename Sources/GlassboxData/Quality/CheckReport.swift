/// Everything a dataset check found, ready to render.
///
/// `findings` keeps the first findings of each (kind, column) pair, up to the check's
/// limit; `counts` has the exact totals, so `errorCount` is exact even when findings were
/// left out.
public struct CheckReport: Sendable {
  /// Per-column statistics, in schema order.
  public struct Column: Sendable, Equatable {
    public var name: String
    /// "numeric" or "categorical".
    public var type: String
    public var required: Bool
    /// False when the data has no column for this feature.
    public var present: Bool
    /// Missing cells.
    public var missing: Int = 0
    /// Cells that are neither a number nor a known label.
    public var invalid: Int = 0
    /// Values outside the card's range.
    public var outOfRange: Int = 0
    /// Values outside the background's fence (or labels it never holds).
    public var outOfDistribution: Int = 0
    /// Values the background suggests are impossible.
    public var impossible: Int = 0
    /// Smallest, largest and mean valid value (NaN when there is none, and for a
    /// categorical feature, whose codes have no meaningful mean).
    public var minimum: Double = .nan
    public var maximum: Double = .nan
    public var mean: Double = .nan
    /// PSI against the background, when there is one and the column has values.
    public var psi: Double?
    public var stability: PopulationStability.Band?
  }

  /// The exact number of findings of one kind in one column.
  public struct Count: Sendable, Equatable {
    public var kind: Finding.Kind
    public var column: String?
    public var severity: Finding.Severity
    public var count: Int
    /// How many of them are in `findings`.
    public var shown: Int
  }

  /// Class counts of the label column.
  public struct LabelBalance: Sendable, Equatable {
    public var column: String
    /// Rows whose label is missing.
    public var missing: Int
    /// Each class and its count, most frequent first (ties by first appearance).
    public var classes: [(value: String, count: Int)]
    /// True when more distinct labels appeared than were counted.
    public var truncated: Bool

    public static func == (a: LabelBalance, b: LabelBalance) -> Bool {
      a.column == b.column && a.missing == b.missing && a.truncated == b.truncated
        && a.classes.map(\.value) == b.classes.map(\.value) && a.classes.map(\.count) == b.classes.map(\.count)
    }
  }

  /// The data's name.
  public var source: String
  /// The background's name, if one was given.
  public var background: String?
  /// Data rows read.
  public var rows: Int
  /// Findings kept: schema findings first, then per-row findings in row order, then
  /// column- and dataset-level ones.
  public var findings: [Finding]
  /// Exact totals per (kind, column).
  public var counts: [Count]
  public var columns: [Column]
  /// Rows that repeat an earlier row cell for cell.
  public var duplicateRows: Int
  /// False when more distinct rows appeared than duplicate detection tracks; duplicates
  /// of untracked rows are then not found.
  public var duplicatesComplete: Bool
  public var label: LabelBalance?

  /// Error-level findings, all of them (kept or not).
  public var errorCount: Int { counts.filter { $0.severity == .error }.reduce(0) { $0 + $1.count } }
  /// Warning-level findings, all of them.
  public var warningCount: Int { counts.filter { $0.severity == .warning }.reduce(0) { $0 + $1.count } }
  /// True when any error-level finding exists (`check --strict` then fails).
  public var hasErrors: Bool { errorCount > 0 }
}
