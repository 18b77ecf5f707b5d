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
/// TLS: `?sslmode=require|verify-ca|verify-full` (and `sslrootcert=PATH`) as libpq reads
/// them (`PostgresURL`); without `sslmode` the connection is plain TCP. The password may
/// come from the URL or from `PGPASSWORD`; messages never show it.
///
/// Readers page through the log (`pageRows` lines per query, in position order), so their
/// memory is bounded by a page, not by the log.
public final class PostgresLogStore: LogStore, DerivedTablesStore {
  /// The URL without its password.
  public let location: String
  private let configuration: PostgresConnection.Configuration
  /// The writer's connection, from `openForAppend` to `close`.
  var connection: PostgresConnection?
  /// The readers' connection, opened at the first read.
  var readConnection: PostgresConnection?
  private var batchEnd = 0
  let logger = Logger(label: "glassbox.audit.postgres")
  /// Lines per page when reading.
  public var pageRows = 1000
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
  /// - Throws: `AuditError.cannotRead` for a URL without host, user or database, or with
  ///   a parameter `PostgresURL` does not accept.
  public init(url: String) throws(AuditError) {
    let parsed = try PostgresURL(url)
    configuration = parsed.configuration
    location = parsed.location
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

  static func version(_ connection: PostgresConnection, _ logger: Logger) throws -> Int {
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
    try failures.reading { () throws in
      try forEachPage(open, after: start ?? Int(Int64.min), through: end) { _, line in
        body(line)
        return true
      }
    }
  }

  public func write(_ lines: [UInt8]) throws(AuditError) -> LogPosition {
    try write(lines, tableRows: [])
  }

  /// Appends `lines` and their query-table rows in multi-row INSERTs, one round trip each.
  /// - Complexity: O(bytes + rows); a line whose rows are not given is parsed.
  public func write(_ lines: [UInt8], tableRows: [AuditTableRows?]) throws(AuditError) -> LogPosition {
    let open = try openConnection()
    let rows = AuditWriteRows(lines, tableRows: tableRows, after: batchEnd)
    try failures.writing { () throws in
      try run(open, "SAVEPOINT glassbox_write")
      do {
        try insert(open, AuditTables.lines, rows.lines) { seq, line, binds in
          binds.append(seq)
          binds.append(ByteBuffer(bytes: line))
        }
        for (table, tableRows) in zip(AuditTables.derived, rows.tables) {
          try insert(open, table, tableRows) { seq, cells, binds in
            binds.append(seq)
            for cell in cells.dropFirst() {
              switch cell {
              case .null: binds.appendNull()
              case .integer(let n): binds.append(n)
              case .real(let x): binds.append(x)
              case .text(let s): binds.append(s)
              }
            }
          }
        }
        try run(open, "RELEASE SAVEPOINT glassbox_write")
      } catch {
        try? run(open, "ROLLBACK TO SAVEPOINT glassbox_write")
        throw error
      }
    }
    batchEnd = rows.end
    return rows.end
  }

  /// Parameters per INSERT statement (the protocol allows 65,535).
  private static let bindsPerStatement = 30_000

  /// Inserts `rows` into `table` in statements of at most `bindsPerStatement` parameters;
  /// `bind` appends one row's values in column order.
  private func insert<T>(
    _ open: PostgresConnection, _ table: AuditTables.Table, _ rows: [(seq: Int, T)],
    bind: (Int, T, inout PostgresBindings) -> Void
  ) throws {
    let width = table.columns.count
    try AuditWriteRows.chunks(rows, maximum: Self.bindsPerStatement / width) { chunk in
      var binds = PostgresBindings(capacity: chunk.count * width)
      for row in chunk { bind(row.seq, row.1, &binds) }
      let sql = table.insert(rows: chunk.count) { "$\($0)" }
      _ = try open.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
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
    try? readConnection?.close().wait()
    connection = nil
    readConnection = nil
  }

  deinit {
    try? connection?.close().wait()
    try? readConnection?.close().wait()
  }

  private func openConnection() throws(AuditError) -> PostgresConnection {
    guard let connection else { throw .cannotWrite(path: location, reason: "the log is not open for appending") }
    return connection
  }

  /// - Throws: `AuditError.unavailable` when the server cannot be reached, refuses the
  ///   login, or its TLS certificate fails the check.
  func connect() throws(AuditError) -> PostgresConnection {
    do {
      return try PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger
      ).wait()
    } catch {
      throw .unavailable(location: location, reason: Self.reason(error))
    }
  }

  func run(_ open: PostgresConnection, _ sql: String) throws {
    _ = try open.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
  }

  public func removeTornTail(approve: () throws(AuditError) -> Void) throws(AuditError) -> TornTailRemoval? { nil }

  // MARK: Errors

  var failures: DatabaseFailures { DatabaseFailures(location: location, reason: Self.reason) }

  /// The server's message when there is one; for a failed TLS handshake, what to check.
  static func reason(_ error: any Error) -> String {
    guard let error = error as? PSQLError else { return String(describing: error) }
    if let message = error.serverInfo?[.message] { return message }
    if error.code == .sslUnsupported { return "the server does not accept TLS connections (sslmode asks for TLS)" }
    guard let underlying = error.underlying else { return String(describing: error.code) }
    let text = String(describing: underlying)
    if text.contains("CERTIFICATE_VERIFY_FAILED") {
      return "the server's TLS certificate failed verification (CERTIFICATE_VERIFY_FAILED); give the authority that "
        + "signed it with sslrootcert=PATH, or check that the host name is one the certificate names"
    }
    if let extra = underlying as? NIOSSLExtraError, extra == .failedToValidateHostname {
      return "the server's TLS certificate does not name the host in the URL (sslmode=verify-full checks a host name; "
        + "for a host given as an IP address use sslmode=verify-ca)"
    }
    if underlying is NIOSSLError { return "the TLS handshake failed: " + text }
    return text
  }
}
