import GlassboxAudit
import PostgresNIO

/// Reads rows keyed by increasing positions a page at a time (keyset paging: each page
/// starts after the last key of the one before), so memory holds one page, not the table.
enum KeysetPages {
  /// Calls `body` with each row `fetch` returns, in order, until `body` returns false or a
  /// page comes back short.
  /// - Parameters:
  ///   - start: rows after this key are read.
  ///   - pageRows: rows per page (at least 1).
  ///   - fetch: the rows after a key, at most a limit of them, in key order.
  /// - Complexity: one `fetch` per `pageRows` rows, plus one.
  static func forEach<Value>(
    after start: Int, pageRows: Int, fetch: (_ after: Int, _ limit: Int) throws -> [(key: Int, value: Value)],
    _ body: (Int, Value) throws -> Bool
  ) rethrows {
    precondition(pageRows >= 1, "pageRows must be at least 1")
    var after = start
    while true {
      let page = try fetch(after, pageRows)
      for row in page { guard try body(row.key, row.value) else { return } }
      guard page.count == pageRows, let last = page.last else { return }
      after = last.key
    }
  }
}

extension PostgresLogStore {
  /// Reads `audit_lines` in position order, `pageRows` lines per query.
  /// - Complexity: O(log size) time; memory O(`pageRows` lines).
  public func forEachStoredLine(_ body: (LogLine) -> Bool) throws(AuditError) {
    let open = try readingConnection()
    var number = 0
    try failures.reading { () throws in
      try forEachPage(open, after: Int(Int64.min), through: nil) { seq, line in
        number += 1
        return body(LogLine(number: number, offset: seq, bytes: line, isComplete: true))
      }
    }
  }

  /// The lines after position `start` up to `end` (nil: the last), a page per query.
  func forEachPage(
    _ open: PostgresConnection, after start: Int, through end: Int?, _ body: (Int, [UInt8]) throws -> Bool
  ) throws {
    try KeysetPages.forEach(after: start, pageRows: pageRows, fetch: { after, limit in
      var binds = PostgresBindings(capacity: 3)
      binds.append(after)
      binds.append(limit)
      if let end { binds.append(end) }
      let sql = "SELECT seq, line FROM audit_lines WHERE seq > $1" + (end == nil ? "" : " AND seq <= $3")
        + " ORDER BY seq LIMIT $2"
      return try open.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait().map { row in
        let (seq, line) = try row.decode((Int, ByteBuffer).self)
        return (seq, Array(line.readableBytesView))
      }
    }, body)
  }

  public func derivedTableRows(after first: Int, through last: Int?) throws(AuditError) -> [[[TableValue]]] {
    let open = try readingConnection()
    return try failures.reading { () throws in
      try AuditTables.derived.map { table in
        var binds = PostgresBindings(capacity: 2)
        binds.append(first)
        if let last { binds.append(last) }
        let sql = table.select(where: "seq > $1" + (last == nil ? "" : " AND seq <= $2"))
        return try open.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait().map { row in
          zip(row, table.columns).map { cell, column in
            switch column.kind {
            case .integer: TableValue.integer(or: (try? cell.decode(Int?.self)) ?? nil)
            case .real: TableValue.real(or: (try? cell.decode(Double?.self)) ?? nil)
            case .text, .blob: TableValue.text(or: (try? cell.decode(String?.self)) ?? nil)
            }
          }
        }
      }
    }
  }

  /// The writer's connection when open, else the readers' own (opened, and the schema
  /// checked, at the first read; reading needs no `openForAppend`).
  private func readingConnection() throws(AuditError) -> PostgresConnection {
    if let connection { return connection }
    if let readConnection { return readConnection }
    let open = try connect()
    do {
      try failures.reading { () throws in
        guard try Self.version(open, logger) > 0 else {
          throw AuditError.cannotRead(path: location, reason: "not a glassbox audit database (no glassbox_schema table)")
        }
      }
    } catch {
      try? open.close().wait()
      throw error
    }
    readConnection = open
    return open
  }
}
