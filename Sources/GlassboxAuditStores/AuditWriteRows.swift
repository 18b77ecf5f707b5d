import Foundation
import GlassboxAudit

/// What one `write` adds to a database, table by table: each line at its position in
/// `audit_lines`, and the query-table rows of each line, as given by the appender or, when
/// not given, derived from the line. A row's `seq` is bound from `seq`, not from its cells.
struct AuditWriteRows {
  /// One row of a table: the line's position and the row's cells (the first, `seq`, unused).
  typealias Row = (seq: Int, cells: [TableValue])

  /// The bytes written, whole lines; `lines` slice them.
  let bytes: [UInt8]
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
    self.bytes = bytes
    end = start
    var k = 0
    for range in Self.lineRanges(bytes) {
      end += 1
      let line = bytes[range]
      let rows = (k < tableRows.count ? tableRows[k] : nil) ?? AuditTableRows(line: Array(line), seq: end)
      lines.append((end, line))
      for cells in rows.records { tables[0].append((end, cells)) }
      for cells in rows.attributions { tables[1].append((end, cells)) }
      for cells in rows.reasonCodes { tables[2].append((end, cells)) }
      k += 1
    }
  }

  /// The ranges of the lines of `bytes`, without their `\n`; bytes after the last `\n`
  /// are not a line. `memchr` finds the ends (a byte-by-byte `split` took about 8
  /// instructions a byte, 2% of a TreeSHAP batch's, callgrind).
  /// - Complexity: O(bytes).
  static func lineRanges(_ bytes: [UInt8]) -> [Range<Int>] {
    bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return [] }
      var out: [Range<Int>] = []
      var start = 0
      while start < buffer.count, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), buffer.count - start) {
        let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        out.append(start..<end)
        start = end + 1
      }
      return out
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
