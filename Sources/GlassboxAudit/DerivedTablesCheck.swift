/// Compares a database store's query tables with the rows derived from its chained lines,
/// a window of positions at a time, so that memory stays bounded by the window, not the log.
///
/// Lines arrive in position order (`add`); every `windowLines` lines the rows derived from
/// them are compared with the rows the tables hold for positions after the previous window
/// and up to the last line, which also catches rows whose line was removed. `finish`
/// compares the last window with every row after it, which catches rows past the log's end.
/// Only the first difference is kept.
public struct DerivedTablesCheck {
  private let store: any DerivedTablesStore
  private let windowLines: Int
  private var expected: [Int: AuditTableRows] = [:]
  private var linesInWindow = 0
  /// The last position of the previous window (none yet: every position is after it).
  private var windowStart = Int.min
  private var mismatch: (seq: Int, table: String)?

  /// - Parameter windowLines: lines per comparison (at least 1); memory is
  ///   O(windowLines × rows per line).
  public init(store: any DerivedTablesStore, windowLines: Int = 1000) {
    precondition(windowLines >= 1, "windowLines must be at least 1")
    self.store = store
    self.windowLines = windowLines
  }

  /// Takes the next stored line (positions increase).
  /// - Throws: what the store throws reading its tables.
  public mutating func add(_ line: LogLine) throws(AuditError) {
    guard mismatch == nil else { return }
    let rows = AuditTableRows(line: line.bytes, seq: line.offset)
    if !rows.isEmpty { expected[line.offset] = rows }
    linesInWindow += 1
    if linesInWindow == windowLines { try compareWindow(through: line.offset) }
  }

  /// Compares what is left; returns the first position whose rows differ, with the table.
  /// - Throws: what the store throws reading its tables.
  public mutating func finish() throws(AuditError) -> (seq: Int, table: String)? {
    if mismatch == nil { try compareWindow(through: nil) }
    return mismatch
  }

  private mutating func compareWindow(through last: Int?) throws(AuditError) {
    let stored = AuditTables.group(try store.derivedTableRows(after: windowStart, through: last))
    mismatch = AuditTables.firstMismatch(expected: expected, stored: stored)
    expected.removeAll(keepingCapacity: true)
    linesInWindow = 0
    windowStart = last ?? windowStart
  }
}
