import GRDB
import GRDBSQLite  // SQLite's C API: the system library GRDB itself imports
import GlassboxAudit

/// Inserts a batch's lines and query-table rows into SQLite through its C API: prepared
/// multi-row `INSERT OR FAIL` statements of `rowsPerStatement` rows (and one statement for
/// each shorter remainder), values bound in place with `sqlite3_bind_*`.
///
/// Why not GRDB's statement arguments: they build a `DatabaseValue` array per statement,
/// about 20 values per record, which cost more than SQLite's own insert. Why `OR FAIL`:
/// a statement that may abort half-way makes SQLite keep a statement journal (a temporary
/// file past 64 KiB) to undo it; `FAIL` keeps the rows a failing statement already
/// inserted, and the store removes them itself (`SQLiteLogStore.write`).
///
/// Texts and lines are bound without a copy (`SQLITE_STATIC`): a line from the batch's
/// bytes, a text from `arena`, which holds one statement's texts; both outlive the
/// statement's step, and the bindings are cleared after it. SQLite's own copy cost a
/// `malloc` and a mutex per value, 20% of the inserts' instructions (callgrind).
///
/// The statements belong to one connection; `finalize()` releases them before it closes.
/// Not thread-safe: used by the connection's owner only.
final class SQLiteRowInserter {
  /// Rows per statement: 32 rows of the widest table (`records`, 19 columns) bind 608
  /// parameters, well under SQLite's limit; longer statements gained nothing measurable.
  static let rowsPerStatement = 32

  private let connection: OpaquePointer
  /// Prepared statements by table name and row count.
  private var statements: [String: [Int: OpaquePointer]] = [:]

  init(connection: OpaquePointer) {
    self.connection = connection
  }

  deinit { finalize() }

  /// Finalizes every prepared statement; the inserter prepares them again if used.
  func finalize() {
    for byCount in statements.values {
      for statement in byCount.values { sqlite3_finalize(statement) }
    }
    statements = [:]
  }

  /// Inserts `rows`: the lines into `audit_lines`, then each derived table's rows.
  /// - Throws: `DatabaseError` with SQLite's message; rows inserted before the failure
  ///   stay (the caller removes them).
  /// - Complexity: O(bytes + cells).
  func insert(_ rows: AuditWriteRows) throws {
    try rows.bytes.withUnsafeBytes { bytes in
      // No bytes, no lines. A line's pointer is never null: an empty line is an empty
      // BLOB, not NULL.
      guard let base = bytes.baseAddress else { return }
      try insert(AuditTables.lines, rows.lines) { statement, chunk in
        var k: Int32 = 1
        for line in chunk {
          sqlite3_bind_int64(statement, k, Int64(line.seq))
          sqlite3_bind_blob64(statement, k + 1, base + line.bytes.startIndex, sqlite3_uint64(line.bytes.count), nil)
          k += 2
        }
        try step(statement)
      }
    }
    for (table, tableRows) in zip(AuditTables.derived, rows.tables) {
      try insert(table, tableRows) { statement, chunk in
        arena.removeAll(keepingCapacity: true)
        for row in chunk {
          for case .text(let s) in row.cells.dropFirst() { arena.append(contentsOf: s.utf8) }
        }
        arena.append(0)  // a base address even when every text is empty
        try arena.withUnsafeBufferPointer { buffer in
          guard let base = buffer.baseAddress else { return }
          var offset = 0
          var k: Int32 = 1
          for row in chunk {
            sqlite3_bind_int64(statement, k, Int64(row.seq))
            k += 1
            for cell in row.cells.dropFirst() {
              switch cell {
              case .null: sqlite3_bind_null(statement, k)
              case .integer(let n): sqlite3_bind_int64(statement, k, Int64(n))
              case .real(let x): sqlite3_bind_double(statement, k, x)
              case .text(let s):
                let count = s.utf8.count
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { text in
                  _ = sqlite3_bind_text64(statement, k, text + offset, sqlite3_uint64(count), nil, UInt8(SQLITE_UTF8))
                }
                offset += count
              }
              k += 1
            }
          }
          try step(statement)
        }
      }
    }
  }

  /// One statement's texts, bound in place (`insert`).
  private var arena: [UInt8] = []

  /// Inserts `rows` into `table`, `rowsPerStatement` at a time: `bind` binds a chunk's
  /// values, one row after the other, and steps the statement (`step`).
  private func insert<T>(_ table: AuditTables.Table, _ rows: [T], bind: (OpaquePointer, ArraySlice<T>) throws -> Void) throws {
    try AuditWriteRows.chunks(rows, maximum: Self.rowsPerStatement) { chunk in
      try bind(try prepared(table, rows: chunk.count), chunk)
    }
  }

  /// Runs `statement` once, then resets it and clears its bindings (they point into
  /// memory that does not outlive the step).
  private func step(_ statement: OpaquePointer) throws {
    let code = sqlite3_step(statement)
    sqlite3_reset(statement)
    sqlite3_clear_bindings(statement)
    guard code == SQLITE_DONE else { throw failure(code) }
  }

  private func prepared(_ table: AuditTables.Table, rows: Int) throws -> OpaquePointer {
    if let statement = statements[table.name]?[rows] { return statement }
    let sql = table.insert(rows: rows, verb: "INSERT OR FAIL") { _ in "?" }
    var statement: OpaquePointer?
    let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
    guard code == SQLITE_OK, let statement else { throw failure(code) }
    statements[table.name, default: [:]][rows] = statement
    return statement
  }

  private func failure(_ code: Int32) -> DatabaseError {
    DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
  }
}
