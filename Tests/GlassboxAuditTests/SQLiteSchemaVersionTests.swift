import Foundation
import GRDB
import GlassboxAudit
import GlassboxAuditStores
import GlassboxTestSupport
import Testing

/// A database written by the code before schema version 2 (Tests/Fixtures/audit/README.md):
/// 7 records (2 runs) and 3 signed checkpoints.
let schemaV1Database = fixturesDirectory + "/audit/sqlite-schema-v1.db"
let schemaV1PublicKey = fixturesDirectory + "/audit/sqlite-schema-v1.key.pub"

@Suite("SQLite store: schema versions (version 2 keys the attribution tables, older databases migrate)")
struct SQLiteSchemaVersionTests {
  /// What `sqlite_master` says the audit tables and indexes are, and the version rows.
  struct Shape: Equatable {
    var versions: [Int]
    var withoutRowid: [String]
    var indexes: [String]
    var pageSize: Int
  }

  func shape(_ path: String) throws -> Shape {
    let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
    return try queue.inDatabase { db in
      Shape(
        versions: try Int.fetchAll(db, sql: "SELECT version FROM glassbox_schema ORDER BY version"),
        withoutRowid: try String.fetchAll(
          db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID' ORDER BY name"),
        indexes: try String.fetchAll(
          db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
        pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
    }
  }

  func copyOfFixture(in dir: TemporaryDirectory) throws -> String {
    let path = dir.file("v1.db")
    try FileManager.default.copyItem(atPath: schemaV1Database, toPath: path)
    return path
  }

  let version2Indexes = ["records_by_id", "records_by_model", "records_by_record_id", "records_by_time"]

  @Test func aNewDatabaseIsVersion2WithKeyedAttributionTablesAndSixteenKiBPages() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("new.db")
    let trail = try AuditTrail(store: SQLiteLogStore(path: path), context: auditContext())
    try trail.record((0..<3).map { sampleExplanation(row: $0) })
    try trail.finish()
    #expect(AuditTables.currentVersion == 2)
    #expect(
      try shape(path)
        == Shape(versions: [1, 2], withoutRowid: ["attributions", "reason_codes"], indexes: version2Indexes, pageSize: 16_384))
    #expect(try AuditVerifier.verify(store: SQLiteLogStore(path: path)).records == 3)
  }

  @Test func aVersion1DatabaseIsReadAsItIs() throws {
    let dir = try TemporaryDirectory()
    let path = try copyOfFixture(in: dir)
    let before = try shape(path)
    #expect(
      before
        == Shape(
          versions: [1], withoutRowid: [],
          indexes: ["attributions_by_feature", "reason_codes_by_feature"] + version2Indexes, pageSize: 4096))
    let report = try AuditVerifier.verify(store: SQLiteLogStore(path: path), publicKey: AuditPublicKey(path: schemaV1PublicKey))
    #expect(report.isIntact, "\(String(describing: report.failure))")
    #expect(report.records == 7 && report.checkpoints == 3 && report.signaturesChecked == 3)
    #expect(try shape(path) == before)  // reading migrates nothing
  }

  @Test func appendingToAVersion1DatabaseMigratesItAndKeepsItsRecords() throws {
    let dir = try TemporaryDirectory()
    let path = try copyOfFixture(in: dir)
    let rowsBefore = try RecordedExplanation.readAll(from: SQLiteLogStore(path: path)).map(\.row)
    #expect(rowsBefore.count == 7)
    let trail = try AuditTrail(store: SQLiteLogStore(path: path), context: auditContext())
    try trail.record((100..<104).map { sampleExplanation(row: $0) })
    try trail.finish()
    // Migrated in place; the page size stays (it can only change by rewriting the file).
    #expect(
      try shape(path)
        == Shape(versions: [1, 2], withoutRowid: ["attributions", "reason_codes"], indexes: version2Indexes, pageSize: 4096))
    // verify derives every line's query rows again: the copied rows of the 7 old records
    // and the new rows must all match. (No public key: the new records are not signed, and
    // a key would require them to be sealed.)
    let report = try AuditVerifier.verify(store: SQLiteLogStore(path: path))
    #expect(report.isIntact && report.failure == nil, "\(String(describing: report.failure))")
    #expect(report.records == 11 && report.checkpoints == 3)
    #expect(try RecordedExplanation.readAll(from: SQLiteLogStore(path: path)).map(\.row) == rowsBefore + Array(100..<104))
    let queue = try DatabaseQueue(path: path)
    let counts = try queue.inDatabase { db in
      try ["attributions", "reason_codes"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0) WHERE seq <= 10") ?? 0 }
    }
    #expect(counts[0] == 7 * 13 && counts[1] > 0)
  }

  /// What a glassbox that knows only version 1 does with a version 2 database, as this one
  /// does with a version it does not know: refuses to read or write it, saying why.
  @Test func aDatabaseNewerThanThisGlassboxIsRefusedClearly() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("newer.db")
    let trail = try AuditTrail(store: SQLiteLogStore(path: path), context: auditContext())
    try trail.record([sampleExplanation(row: 0)])
    try trail.finish()
    let newer = AuditTables.currentVersion + 1
    try tamper(path) { db in
      try db.execute(sql: "INSERT INTO glassbox_schema (version, description) VALUES (?, 'from the future')", arguments: [newer])
    }
    let reason = "its schema is version \(newer), newer than this glassbox knows (\(AuditTables.currentVersion))"
    #expect(throws: AuditError.cannotRead(path: "sqlite:" + path, reason: reason)) {
      try AuditVerifier.verify(store: SQLiteLogStore(path: path))
    }
    #expect(throws: AuditError.cannotWrite(path: "sqlite:" + path, reason: reason + "; use a newer glassbox")) {
      try SQLiteLogStore(path: path).openForAppend()
    }
  }
}
