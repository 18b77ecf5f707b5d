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
    try insert(AuditTables.lines, rows.lines) { statement, k, line in
      sqlite3_bind_int64(statement, k, Int64(line.seq))
      _ = line.bytes.withUnsafeBytes { bytes in
        if let base = bytes.baseAddress, !bytes.isEmpty {
          sqlite3_bind_blob64(statement, k + 1, base, sqlite3_uint64(bytes.count), Self.transient)
        } else {
          sqlite3_bind_zeroblob(statement, k + 1, 0)  // empty, not NULL
        }
      }
      return 2
    }
    for (table, tableRows) in zip(AuditTables.derived, rows.tables) {
      try insert(table, tableRows) { statement, k, row in
        sqlite3_bind_int64(statement, k, Int64(row.seq))
        var column = k + 1
        for cell in row.cells.dropFirst() {
          Self.bind(cell, statement, column)
          column += 1
        }
        return column - k
      }
    }
  }

  /// Inserts `rows` into `table`, `rowsPerStatement` at a time; `bind` binds one row's
  /// values from parameter `k` (one-based) on and returns how many it bound.
  private func insert<T>(
    _ table: AuditTables.Table, _ rows: [T], bind: (OpaquePointer, Int32, T) -> Int32
  ) throws {
    try AuditWriteRows.chunks(rows, maximum: Self.rowsPerStatement) { chunk in
      let statement = try prepared(table, rows: chunk.count)
      var k: Int32 = 1
      for row in chunk { k += bind(statement, k, row) }
      let code = sqlite3_step(statement)
      sqlite3_reset(statement)
      guard code == SQLITE_DONE else { throw failure(code) }
    }
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

  private static func bind(_ value: TableValue, _ statement: OpaquePointer, _ k: Int32) {
    switch value {
    case .null: sqlite3_bind_null(statement, k)
    case .integer(let n): sqlite3_bind_int64(statement, k, Int64(n))
    case .real(let x): sqlite3_bind_double(statement, k, x)
    case .text(var s):
      s.withUTF8 { utf8 in
        guard let base = utf8.baseAddress, !utf8.isEmpty else {
          sqlite3_bind_text(statement, k, "", 0, transient)  // empty, not NULL
          return
        }
        _ = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { text in
          sqlite3_bind_text64(statement, k, text, sqlite3_uint64(utf8.count), transient, UInt8(SQLITE_UTF8))
        }
      }
    }
  }

  /// `SQLITE_TRANSIENT`: SQLite copies the value before the bind returns.
  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

  private func failure(_ code: Int32) -> DatabaseError {
    DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
  }
}
