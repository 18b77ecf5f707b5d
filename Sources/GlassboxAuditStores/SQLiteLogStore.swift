import Foundation
import GlassboxAudit
import GRDB
import GlassboxSystem

/// An audit log kept in an SQLite database (`--audit sqlite:PATH`), through GRDB.
///
/// Each line's exact bytes are a row of `audit_lines` (a BLOB keyed by its position, the
/// line's `seq`); the query tables `records`, `attributions` and `reason_codes` are filled
/// from the same bytes in the same transaction (`AuditTables`). The chain, checkpoints and
/// verification are the file store's: the lines are byte for byte the same.
///
/// Writers: each batch is one `BEGIN IMMEDIATE` transaction. IMMEDIATE takes SQLite's
/// write lock before the last line is read, so the read of the chain's end and the append
/// are atomic against every other connection and process; a second writer waits (busy
/// timeout 10 minutes) instead of failing at `COMMIT` as a deferred transaction would. The
/// database is in WAL mode with `synchronous=FULL`: `COMMIT` returns after the batch is
/// on stable storage, and readers (verify, show) are never blocked by a writer.
/// Lines cannot be torn: a crash rolls the batch back whole.
public final class SQLiteLogStore: LogStore, DerivedTablesStore {
  /// The database file's path.
  public let path: String
  public var location: String { "sqlite:" + path }
  private var writer: DatabaseQueue?
  /// The writer's prepared INSERTs.
  private var inserter: SQLiteRowInserter?
  private var lineReader: DatabaseQueue?
  private var tableReader: DatabaseQueue?
  /// The last position of the batch: where the next line goes after.
  private var batchEnd = 0

  /// Arguments `sqlite:PATH` go to this store.
  public static let kind = LogStoreKind(name: "sqlite", prefix: "sqlite:") { argument throws(AuditError) in
    let path = String(argument.dropFirst("sqlite:".count))
    guard !path.isEmpty else { throw .cannotRead(path: argument, reason: "give a database path: sqlite:PATH") }
    return SQLiteLogStore(path: path)
  }

  /// A store for the database at `path`; nothing is opened until it is used.
  public init(path: String) {
    self.path = path
  }

  /// The prepared statements go before the connection they belong to.
  deinit { close() }

  // MARK: Appending

  public func openForAppend() throws(AuditError) {
    guard writer == nil else { return }
    // Created with mode 0640 like a log file; SQLite gives its WAL files the same mode.
    if let fd = try? FileDescriptor.open(path, .readWrite, options: [.create], permissions: 0o640) { fd.close() }
    var configuration = Configuration()
    configuration.busyMode = .timeout(600)
    configuration.allowsUnsafeTransactions = true
    // The writer inserts each line before its rows, and a record before its attributions
    // and reason codes, so SQLite's checks of the schema's REFERENCES (a lookup in the
    // parent table per row, 30% of the inserts' cost) are left off on this connection,
    // as in any connection that does not ask for them; `verify` compares the tables with
    // the chained lines.
    configuration.foreignKeysEnabled = false
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = FULL")
      // A batch's changed pages stay in memory until COMMIT instead of spilling to the WAL.
      try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB)")
    }
    let queue = try failures.writing { () throws in try DatabaseQueue(path: path, configuration: configuration) }
    try failures.writing { () throws in
      try queue.inDatabase { db in
        // Schema version 2's page size; it only applies to a database still empty, and must
        // come before WAL mode.
        try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        try db.execute(sql: "BEGIN IMMEDIATE")
        do {
          for statement in try AuditTables.statements(from: try Self.version(db), dialect: .sqlite, location: location) {
            try db.execute(sql: statement)
          }
          try db.execute(sql: "COMMIT")
        } catch {
          try? db.execute(sql: "ROLLBACK")
          throw error
        }
      }
    }
    inserter = try failures.writing { () throws in
      try queue.inDatabase { db in
        guard let connection = db.sqliteConnection else { throw DatabaseError(message: "the connection is closed") }
        return SQLiteRowInserter(connection: connection)
      }
    }
    writer = queue
  }

  /// The writer's page cache, KiB: the pages a batch of about 1,000 records changes
  /// (about 4 MiB) with room to spare; SQLite's default is 2 MiB.
  static let cacheKiB = 16_384

  /// Bytes per page of a new database: 16 KiB pages hold about 7 records' lines, so a
  /// batch touches fewer pages, and B-trees are shallower, than with SQLite's 4 KiB.
  static let pageSize = 16_384

  /// The version in `glassbox_schema`, 0 when the database has no such table.
  private static func version(_ db: Database) throws -> Int {
    guard try db.tableExists("glassbox_schema") else { return 0 }
    return try Int.fetchOne(db, sql: "SELECT MAX(version) FROM glassbox_schema") ?? 0
  }

  public func beginAppend() throws(AuditError) -> LogTail {
    let queue = try openQueue()
    return try failures.writing { () throws in
      try queue.inDatabase { db in
        try db.execute(sql: "BEGIN IMMEDIATE")
        do {
          let row = try Row.fetchOne(db, sql: "SELECT seq, line FROM audit_lines ORDER BY seq DESC LIMIT 1")
          batchEnd = row.map { $0[0] as Int } ?? 0
          return LogTail(lastLine: row.map { [UInt8]($0[1] as Data) }, isTorn: false, end: batchEnd)
        } catch {
          try? db.execute(sql: "ROLLBACK")
          throw error
        }
      }
    }
  }

  public func forEachLine(from start: LogPosition?, to end: LogPosition, _ body: ([UInt8]) -> Void) throws(AuditError) {
    let queue = try openQueue()
    try failures.reading { () throws in
      try queue.inDatabase { db in
        let lines = try Data.fetchCursor(
          db, sql: "SELECT line FROM audit_lines WHERE seq > ? AND seq <= ? ORDER BY seq", arguments: [start ?? 0, end])
        while let line = try lines.next() { body([UInt8](line)) }
      }
    }
  }

  public func write(_ lines: [UInt8]) throws(AuditError) -> LogPosition {
    try write(lines, tableRows: [])
  }

  /// Appends `lines` and their query-table rows (`SQLiteRowInserter`) in the batch's
  /// transaction. When an insert fails, the rows of this write already inserted are
  /// deleted, so the batch keeps the lines of its earlier writes, whole, and none of these;
  /// if even that fails, the whole batch is rolled back. No savepoint: under one, SQLite
  /// copies each page the write changes into a statement journal, a temporary file once
  /// past 64 KiB.
  /// - Complexity: O(bytes + rows); a line whose rows are not given is parsed.
  public func write(_ lines: [UInt8], tableRows: [AuditTableRows?]) throws(AuditError) -> LogPosition {
    let queue = try openQueue()
    guard let inserter else { throw .cannotWrite(path: location, reason: "the log is not open for appending") }
    let rows = AuditWriteRows(lines, tableRows: tableRows, after: batchEnd)
    let start = batchEnd
    try failures.writing { () throws in
      try queue.inDatabase { db in
        do {
          try inserter.insert(rows)
        } catch {
          // SQLite ends the transaction itself after some errors (a full disk, I/O).
          guard db.isInsideTransaction else { throw error }
          do {
            for table in AuditTables.derived.reversed() + [AuditTables.lines] {
              try db.execute(sql: "DELETE FROM \(table.name) WHERE seq > ?", arguments: [start])
            }
          } catch {
            try? db.execute(sql: "ROLLBACK")
          }
          throw error
        }
      }
    }
    batchEnd = rows.end
    return rows.end
  }

  public func commitAppend() throws(AuditError) {
    let queue = try openQueue()
    try failures.writing { () throws in
      try queue.inDatabase { db in
        do {
          try db.execute(sql: "COMMIT")
        } catch {
          try? db.execute(sql: "ROLLBACK")
          throw error
        }
      }
    }
  }

  /// Keeps the lines already written in the batch (they are whole and chained), as the
  /// file store does, and releases the lock.
  public func abandonAppend() {
    guard let writer else { return }
    writer.inDatabase { db in
      if (try? db.execute(sql: "COMMIT")) == nil { try? db.execute(sql: "ROLLBACK") }
    }
  }

  public func close() {
    writer?.inDatabase { _ in inserter?.finalize() }
    inserter = nil
    writer = nil
    lineReader = nil
    tableReader = nil
  }

  private func openQueue() throws(AuditError) -> DatabaseQueue {
    guard let writer else { throw .cannotWrite(path: location, reason: "the log is not open for appending") }
    return writer
  }

  // MARK: Reading

  /// Reads `audit_lines` in position order through a read-only connection.
  /// - Complexity: O(log size) time; memory O(longest line).
  public func forEachStoredLine(_ body: (LogLine) -> Bool) throws(AuditError) {
    let queue = try readOnlyQueue(&lineReader)
    try failures.reading { () throws in
      try queue.inDatabase { db in
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, line FROM audit_lines ORDER BY seq")
        var number = 1
        while let row = try rows.next() {
          let line = LogLine(number: number, offset: row[0], bytes: [UInt8](row[1] as Data), isComplete: true)
          guard body(line) else { return }
          number += 1
        }
      }
    }
  }

  public func derivedTableRows(after first: Int, through last: Int?) throws(AuditError) -> [[[TableValue]]] {
    let queue = try readOnlyQueue(&tableReader)
    let condition = "seq > ?" + (last == nil ? "" : " AND seq <= ?")
    let arguments: StatementArguments = last.map { [first, $0] } ?? [first]
    return try failures.reading { () throws in
      try queue.inDatabase { db in
        try AuditTables.derived.map { table in
          try Row.fetchAll(db, sql: table.select(where: condition), arguments: arguments).map { row in
            row.databaseValues.map(Self.tableValue)
          }
        }
      }
    }
  }

  /// Lines cannot be torn in a database: a transaction is whole or absent.
  public func removeTornTail(approve: () throws(AuditError) -> Void) throws(AuditError) -> TornTailRemoval? { nil }

  /// A reading connection, opened (and its schema checked) at its first read: one for
  /// the lines, one for the query tables, which `verify` reads while it reads the lines.
  private func readOnlyQueue(_ reader: inout DatabaseQueue?) throws(AuditError) -> DatabaseQueue {
    if let reader { return reader }
    let opened = try openReadOnly()
    reader = opened
    return opened
  }

  private func openReadOnly() throws(AuditError) -> DatabaseQueue {
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(600)
    return try failures.reading { () throws in
      let queue = try DatabaseQueue(path: path, configuration: configuration)
      let version = try queue.inDatabase { db in try Self.version(db) }
      guard version > 0 else {
        throw AuditError.cannotRead(path: location, reason: "not a glassbox audit database (no glassbox_schema table)")
      }
      guard version <= AuditTables.currentVersion else {
        throw AuditError.cannotRead(
          path: location, reason: "its schema is version \(version), newer than this glassbox knows (\(AuditTables.currentVersion))")
      }
      return queue
    }
  }

  // MARK: Values and errors

  static func tableValue(_ value: DatabaseValue) -> TableValue {
    switch value.storage {
    case .null: .null
    case .int64(let n): .integer(Int(n))
    case .double(let x): .real(x)
    case .string(let s): .text(s)
    case .blob(let data): .text(AuditSchema.hex(data))
    }
  }

  private var failures: DatabaseFailures { DatabaseFailures(location: location, reason: Self.reason) }

  /// SQLite's own message, without the SQL text GRDB adds.
  static func reason(_ error: any Error) -> String {
    if let error = error as? DatabaseError { return error.message ?? "SQLite error \(error.resultCode.rawValue)" }
    return String(describing: error)
  }
}
