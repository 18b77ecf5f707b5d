import Foundation
import GlassboxAudit
@testable import GlassboxAuditStores
import GlassboxTestSupport
import Testing

@Suite("SQLite inserts: lines split with memchr, texts and lines bound in place")
struct SQLiteRowInserterTests {
  @Test func linesEndAtEachNewlineAndBytesAfterTheLastAreNotALine() {
    #expect(AuditWriteRows.lineRanges(Array("a\n\nbc\nd".utf8)) == [0..<1, 2..<2, 3..<5])
    #expect(AuditWriteRows.lineRanges(Array("\n".utf8)) == [0..<0])
    #expect(AuditWriteRows.lineRanges([]) == [])
    #expect(AuditWriteRows.lineRanges(Array("no newline".utf8)) == [])
  }

  /// Rows of every kind of cell, texts empty, non-ASCII and longer than a page, in more
  /// rows than one statement takes (`rowsPerStatement`), so that each statement binds
  /// texts at offsets of its own arena.
  func rows(count: Int) -> AuditTableRows {
    let texts = ["", "é", "名前 \"x\"", "plain", String(repeating: "long ", count: 4000)]
    func cell(_ kind: AuditTables.Kind, _ k: Int) -> TableValue {
      switch kind {
      case .integer: k % 3 == 0 ? .null : .integer(k * 1_000_003)
      case .real: k % 4 == 0 ? .null : .real(Double(k) / 3 - 7)
      case .text, .blob: .text(texts[k % texts.count])
      }
    }
    func row(_ table: AuditTables.Table, _ r: Int) -> [TableValue] {
      [.integer(0)] + table.columns.indices.dropFirst().map { c in cell(table.columns[c].kind, r * 7 + c) }
    }
    var out = AuditTableRows()
    out.records = [row(AuditTables.records, 0)]
    out.attributions = (0..<count).map { r in [.integer(0), .integer(r)] + row(AuditTables.attributions, r).dropFirst(2) }
    out.reasonCodes = (0..<3).map { r in [.integer(0), .integer(r + 1)] + row(AuditTables.reasonCodes, r).dropFirst(2) }
    return out
  }

  @Test(arguments: [1, SQLiteRowInserter.rowsPerStatement, 2 * SQLiteRowInserter.rowsPerStatement + 5])
  func theTablesHoldTheCellsAndLinesAsGiven(attributions: Int) throws {
    let dir = try TemporaryDirectory()
    let store = SQLiteLogStore(path: dir.file("audit.db"))
    try store.openForAppend()
    let tail = try store.beginAppend()
    #expect(tail.lastLine == nil)
    let given = rows(count: attributions)
    let lines = Array("first é\n\n".utf8) + Array(repeating: UInt8(ascii: "z"), count: 70_000) + [UInt8(ascii: "\n")]
    #expect(try store.write(lines, tableRows: [given, AuditTableRows(), AuditTableRows()]) == 3)
    try store.commitAppend()
    store.close()

    var stored: [[UInt8]] = []
    try store.forEachStoredLine { line in
      stored.append(line.bytes)
      return true
    }
    #expect(stored == [Array("first é".utf8), [], Array(repeating: UInt8(ascii: "z"), count: 70_000)])
    let tables = try store.derivedTableRows(after: 0, through: nil)
    func atFirstLine(_ rows: [[TableValue]]) -> [[TableValue]] { rows.map { [.integer(1)] + $0.dropFirst() } }
    #expect(tables.count == 3)
    #expect(tables[0] == atFirstLine(given.records))
    #expect(tables[1] == atFirstLine(given.attributions))
    #expect(tables[2] == atFirstLine(given.reasonCodes))
  }
}
