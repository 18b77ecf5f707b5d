import Foundation
import GlassboxAudit
import PostgresNIO

/// An audit log kept in a PostgreSQL database (`--audit postgres://USER[:PASSWORD]@HOST[:PORT]/DB`),
/// through postgres-nio. The tables are the SQLite store's (`AuditTables`): `audit_lines`
/// holds every line's exact bytes (`BYTEA`), the query tables are derived from them in the
/// same transaction.
///
/// Writers: each batch is one READ COMMITTED transaction that first takes the
/// transaction-scoped advisory lock `pg_advisory_xact_lock(AuditTables.advisoryLockKey)`.
/// The lock orders writers before they read the chain's end, so a batch never has to be
/// retried; under SERIALIZABLE two writers would both read the same last line and one
/// would fail at commit with a serialization error, to be rebuilt and rewritten. READ
/// COMMITTED matters: each statement after the lock sees every batch committed while
/// this writer waited. The lock is released by `COMMIT` or `ROLLBACK`, also when the
/// connection drops, and readers never take it. `COMMIT` returns once the server has made
/// the batch durable (with the server's default `synchronous_commit = on`).
///
/// The connection is plain TCP without TLS: keep the server on a local or trusted network.
/// The password may come from the URL or from `PGPASSWORD`; messages never show it.
public final class PostgresLogStore: LogStore, DerivedTablesStore {
  /// The URL without its password.
  public let location: String
  private let configuration: PostgresConnection.Configuration
  private var connection: PostgresConnection?
  private var batchEnd = 0
  private let logger = Logger(label: "glassbox.audit.postgres")
  /// The advisory lock every writer of a glassbox database takes for a batch.
  public static let advisoryLockKey: Int64 = 0x676c_6173_7362_6f78  // "glassbox"

  /// Arguments `postgres://...` go to this store.
  public static let kind = LogStoreKind(name: "postgres", prefix: "postgres://") { argument throws(AuditError) in
    try PostgresLogStore(url: argument)
  }
  /// Arguments `postgresql://...`, the other scheme libpq accepts.
  public static let shortKind = LogStoreKind(name: "postgres", prefix: "postgresql://") { argument throws(AuditError) in
    try PostgresLogStore(url: argument)
  }

  /// A store for the database `url` names; nothing is opened until it is used.
  /// - Throws: `AuditError.cannotRead` for a URL without host, user or database.
  public init(url: String) throws(AuditError) {
    guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty, let user = parts.user,
      parts.path.count > 1
    else {
      throw .cannotRead(path: Self.withoutPassword(url), reason: "give a URL postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
    }
    let password = parts.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
    configuration = PostgresConnection.Configuration(
      host: host, port: parts.port ?? 5432, username: user.removingPercentEncoding ?? user,
      password: password?.removingPercentEncoding ?? password, database: String(parts.path.dropFirst()), tls: .disable)
    location = Self.withoutPassword(url)
  }

  private static func withoutPassword(_ url: String) -> String {
    guard var parts = URLComponents(string: url), parts.password != nil else { return url }
    parts.password = nil
    return parts.string ?? url
  }

  // MARK: Appending

  public func openForAppend() throws(AuditError) {
    guard connection == nil else { return }
    let opened = try connect()
    connection = opened
    try failures.writing { () throws in
      try run(opened, "BEGIN")
      do {
        try run(opened, "SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))")
        let version = try Self.version(opened, logger)
        for statement in try AuditTables.statements(from: version, dialect: .postgres, location: location) {
          try run(opened, statement)
        }
        try run(opened, "COMMIT")
      } catch {
        try? run(opened, "ROLLBACK")
        throw error
      }
    }
  }

  private static func version(_ connection: PostgresConnection, _ logger: Logger) throws -> Int {
    let exists = try connection.query("SELECT to_regclass('glassbox_schema') IS NOT NULL", logger: logger).wait()
    guard try exists.first?.decode(Bool.self) == true else { return 0 }
    let rows = try connection.query("SELECT COALESCE(MAX(version), 0) FROM glassbox_schema", logger: logger).wait()
    return try rows.first?.decode(Int.self) ?? 0
  }

  public func beginAppend() throws(AuditError) -> LogTail {
    let open = try openConnection()
    return try failures.writing { () throws in
      try run(open, "BEGIN ISOLATION LEVEL READ COMMITTED")
      do {
        try run(open, "SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))")
        let rows = try open.query("SELECT seq, line FROM audit_lines ORDER BY seq DESC LIMIT 1", logger: logger).wait()
        let last = try rows.first.map { try $0.decode((Int, ByteBuffer).self) }
        batchEnd = last?.0 ?? 0
        return LogTail(lastLine: last.map { Array($0.1.readableBytesView) }, isTorn: false, end: batchEnd)
      } catch {
        try? run(open, "ROLLBACK")
        throw error
      }
    }
  }

  public func forEachLine(from start: LogPosition?, to end: LogPosition, _ body: ([UInt8]) -> Void) throws(AuditError) {
    let open = try openConnection()
    let rows = try failures.reading { () throws in
      try open.query("SELECT line FROM audit_lines WHERE seq > \(start ?? 0) AND seq <= \(end) ORDER BY seq", logger: logger).wait()
    }
    for row in rows {
      guard let line = try? row.decode(ByteBuffer.self) else { continue }
      body(Array(line.readableBytesView))
    }
  }

  public func write(_ lines: [UInt8]) throws(AuditError) -> LogPosition {
    let open = try openConnection()
    var position = batchEnd
    var tables: [[[TableValue]]] = [[], [], []]
    let lineBytes = lines.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map(Array.init)
    for line in lineBytes {
      position += 1
      let rows = AuditTableRows(line: line, seq: position)
      tables[0] += rows.records
      tables[1] += rows.attributions
      tables[2] += rows.reasonCodes
    }
    try failures.writing { () throws in
      try run(open, "SAVEPOINT glassbox_write")
      do {
        try insertLines(open, first: batchEnd + 1, lineBytes)
        for (table, rows) in zip(AuditTables.derived, tables) { try insert(open, table, rows) }
        try run(open, "RELEASE SAVEPOINT glassbox_write")
      } catch {
        try? run(open, "ROLLBACK TO SAVEPOINT glassbox_write")
        throw error
      }
    }
    batchEnd = position
    return position
  }

  /// Multi-row INSERTs of at most this many parameters: one round trip per statement.
  private static let bindsPerStatement = 30_000

  private func insertLines(_ open: PostgresConnection, first: Int, _ lines: [[UInt8]]) throws {
    var k = 0
    while k < lines.count {
      let chunk = lines[k..<min(lines.count, k + Self.bindsPerStatement / 2)]
      var binds = PostgresBindings(capacity: chunk.count * 2)
      var values: [String] = []
      for (offset, line) in chunk.enumerated() {
        binds.append(first + k + offset)
        binds.append(ByteBuffer(bytes: line))
        values.append("($\(2 * offset + 1), $\(2 * offset + 2))")
      }
      let sql = "INSERT INTO audit_lines (seq, line) VALUES " + values.joined(separator: ", ")
      _ = try open.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
      k += chunk.count
    }
  }

  private func insert(_ open: PostgresConnection, _ table: AuditTables.Table, _ rows: [[TableValue]]) throws {
    let width = table.columns.count
    let perStatement = Self.bindsPerStatement / width
    var k = 0
    while k < rows.count {
      let chunk = rows[k..<min(rows.count, k + perStatement)]
      var binds = PostgresBindings(capacity: chunk.count * width)
      var values: [String] = []
      for (r, row) in chunk.enumerated() {
        for value in row {
          switch value {
          case .null: binds.appendNull()
          case .integer(let n): binds.append(n)
          case .real(let x): binds.append(x)
          case .text(let s): binds.append(s)
          }
        }
        values.append("(" + (1...width).map { "$\(r * width + $0)" }.joined(separator: ", ") + ")")
      }
      let sql = "INSERT INTO \(table.name) (" + table.columns.map(\.name).joined(separator: ", ") + ") VALUES "
        + values.joined(separator: ", ")
      _ = try open.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
      k += chunk.count
    }
  }

  public func commitAppend() throws(AuditError) {
    let open = try openConnection()
    try failures.writing { () throws in
      do {
        try run(open, "COMMIT")
      } catch {
        try? run(open, "ROLLBACK")
        throw error
      }
    }
  }

  /// Keeps the lines already written in the batch, as the file store does, and releases
  /// the lock (a failed transaction is rolled back by its `COMMIT`).
  public func abandonAppend() {
    guard let connection else { return }
    if (try? run(connection, "COMMIT")) == nil { try? run(connection, "ROLLBACK") }
  }

  public func close() {
    try? connection?.close().wait()
    connection = nil
  }

  deinit {
    try? connection?.close().wait()
  }

  private func openConnection() throws(AuditError) -> PostgresConnection {
    guard let connection else { throw .cannotWrite(path: location, reason: "the log is not open for appending") }
    return connection
  }

  private func connect() throws(AuditError) -> PostgresConnection {
    do {
      return try PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger
      ).wait()
    } catch {
      throw .cannotRead(path: location, reason: "cannot connect: " + Self.reason(error))
    }
  }

  private func run(_ open: PostgresConnection, _ sql: String) throws {
    _ = try open.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
  }

  // MARK: Reading

  /// Reads `audit_lines` in position order (all rows at once).
  /// - Complexity: O(log size) time and memory.
  public func forEachStoredLine(_ body: (LogLine) -> Bool) throws(AuditError) {
    let rows = try readingQuery("SELECT seq, line FROM audit_lines ORDER BY seq")
    for (k, row) in rows.enumerated() {
      guard let (seq, line) = try? row.decode((Int, ByteBuffer).self) else { continue }
      guard body(LogLine(number: k + 1, offset: seq, bytes: Array(line.readableBytesView), isComplete: true)) else { return }
    }
  }

  public func derivedTableRows() throws(AuditError) -> [[[TableValue]]] {
    var out: [[[TableValue]]] = []
    for table in AuditTables.derived {
      let rows = try readingQuery(table.selectAll)
      out.append(rows.map { row in
        zip(row, table.columns).map { cell, column in
          switch column.kind {
          case .integer: TableValue.integer(or: (try? cell.decode(Int?.self)) ?? nil)
          case .real: TableValue.real(or: (try? cell.decode(Double?.self)) ?? nil)
          case .text: TableValue.text(or: (try? cell.decode(String?.self)) ?? nil)
          }
        }
      })
    }
    return out
  }

  /// Runs a query on a connection of its own (reading needs no `openForAppend`).
  private func readingQuery(_ sql: String) throws(AuditError) -> [PostgresRow] {
    let open: PostgresConnection
    if let connection { open = connection } else { open = try connect() }
    defer { if connection == nil { try? open.close().wait() } }
    return try failures.reading { () throws in
      guard try Self.version(open, logger) > 0 else {
        throw AuditError.cannotRead(path: location, reason: "not a glassbox audit database (no glassbox_schema table)")
      }
      return Array(try open.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait())
    }
  }

  public func removeTornTail(approve: () throws(AuditError) -> Void) throws(AuditError) -> TornTailRemoval? { nil }

  // MARK: Errors

  private var failures: DatabaseFailures { DatabaseFailures(location: location, reason: Self.reason) }

  /// The server's message when there is one.
  static func reason(_ error: any Error) -> String {
    if let error = error as? PSQLError {
      if let message = error.serverInfo?[.message] { return message }
      return String(describing: error.code)
    }
    return String(describing: error)
  }
}
