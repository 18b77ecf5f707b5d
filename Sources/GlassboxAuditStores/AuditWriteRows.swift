import GlassboxAudit

/// What one `write` adds to a database, table by table: each line at its position in
/// `audit_lines`, and the query-table rows of each line, as given by the appender or, when
/// not given, derived from the line. A row's `seq` is bound from `seq`, not from its cells.
struct AuditWriteRows {
  /// One row of a table: the line's position and the row's cells (the first, `seq`, unused).
  typealias Row = (seq: Int, cells: [TableValue])

  var lines: [(seq: Int, bytes: ArraySlice<UInt8>)] = []
  /// The rows of `AuditTables.derived`, in that order.
  var tables: [[Row]] = [[], [], []]
  /// The position of the last line.
  private(set) var end: Int

  /// Splits `bytes` (whole lines, each ending in `\n`) into lines placed after `start`.
  /// - Parameter tableRows: the rows of the k-th line at `k` (nil or missing: derive them).
  /// - Complexity: O(bytes) when every line's rows are given; a line whose rows are not
  ///   given is parsed.
  init(_ bytes: [UInt8], tableRows: [AuditTableRows?], after start: Int) {
    end = start
    let newline = UInt8(ascii: "\n")
    var k = 0
    for line in bytes.split(separator: newline, omittingEmptySubsequences: false).dropLast() {
      end += 1
      let rows = (k < tableRows.count ? tableRows[k] : nil) ?? AuditTableRows(line: Array(line), seq: end)
      lines.append((end, line))
      for cells in rows.records { tables[0].append((end, cells)) }
      for cells in rows.attributions { tables[1].append((end, cells)) }
      for cells in rows.reasonCodes { tables[2].append((end, cells)) }
      k += 1
    }
  }

  /// Calls `body` with consecutive chunks of at most `maximum` rows of `rows`.
  static func chunks<T>(_ rows: [T], maximum: Int, _ body: (ArraySlice<T>) throws -> Void) rethrows {
    var k = 0
    while k < rows.count {
      let n = min(maximum, rows.count - k)
      try body(rows[k..<(k + n)])
      k += n
    }
  }
}
