import Foundation
import GRDB
import GlassboxAudit
import GlassboxAuditStores
import GlassboxData
import GlassboxTestSupport
import Testing

/// A tamperer's connection: plain SQL, foreign keys off, as `sqlite3 audit.db` would be.
func tamper(_ path: String, _ body: (Database) throws -> Void) throws {
  var configuration = Configuration()
  configuration.foreignKeysEnabled = false
  let queue = try DatabaseQueue(path: path, configuration: configuration)
  try queue.inDatabase { db in try body(db) }
}

/// Replaces the whole `audit_lines` table by `lines` at positions 1...n (the derived
/// tables are left as they were).
func rewriteLines(_ path: String, _ lines: [[UInt8]]) throws {
  try tamper(path) { db in
    try db.execute(sql: "DELETE FROM audit_lines")
    for (k, line) in lines.enumerated() {
      try db.execute(sql: "INSERT INTO audit_lines (seq, line) VALUES (?, ?)", arguments: [k + 1, Data(line)])
    }
  }
}

@Suite("SQLite store: the file store's chain in a database, with query tables")
struct SQLiteLogStoreTests {
  /// Writes `count` records (rows 0..<count) through the SQLite store, like `writeLog`.
  func writeDatabase(in dir: TemporaryDirectory, count: Int, signingKey: AuditSigningKey? = nil) throws -> String {
    let path = dir.file("audit.db")
    let trail = try AuditTrail(
      store: SQLiteLogStore(path: path), context: auditContext(), signingKey: signingKey, checkpointEvery: 4)
    try trail.record((0..<count).map { sampleExplanation(row: $0) })
    try trail.finish()
    return path
  }

  func lines(_ path: String) throws -> [[UInt8]] {
    var out: [[UInt8]] = []
    try SQLiteLogStore(path: path).forEachStoredLine { line in
      out.append(line.bytes)
      return true
    }
    return out
  }

  func verify(_ path: String, publicKey: AuditPublicKey? = nil) throws -> VerifyReport {
    try AuditVerifier.verify(store: SQLiteLogStore(path: path), publicKey: publicKey)
  }

  @Test func theDatabaseHoldsTheFileStoresBytesAndTheQueryTablesMatchThem() throws {
    let dir = try TemporaryDirectory()
    let bodies = (0..<9).map { row in
      AuditRecordBuilder(context: auditContext(), redactor: nil).bodies([sampleExplanation(row: row)], milliseconds: 1_780_000_000_000)[0]
    }
    let file = dir.file("audit.log"), database = dir.file("audit.db")
    for store in [FileLogStore(path: file), SQLiteLogStore(path: database)] as [any LogStore] {
      for batch in stride(from: 0, to: bodies.count, by: 3) {
        let appender = try AuditAppender(store: store)
        try appender.append(Array(bodies[batch..<(batch + 3)]))
        try appender.close()
      }
    }
    #expect(try lines(database) == (try logLines(file)))
    let fileReport = try AuditVerifier.verify(path: file)
    let report = try verify(database)
    #expect(report.isIntact && report.records == 9)
    #expect(report.head == fileReport.head && report.root == fileReport.root)
    #expect(try RecordedExplanation.readAll(from: SQLiteLogStore(path: database)).map(\.row) == Array(0..<9))

    // The tables, read with plain SQL, say what the lines say.
    let queue = try DatabaseQueue(path: database)
    try queue.inDatabase { db in
      #expect(try Int.fetchOne(db, sql: "SELECT MAX(version) FROM glassbox_schema") == AuditTables.currentVersion)
      let fileLines = try logLines(file)
      for (k, line) in fileLines.enumerated() {
        let object = try #require(try JSONParser.parse(line, path: "").object)
        let row = try #require(try Row.fetchOne(db, sql: "SELECT row_index, prediction, hash, prev_hash FROM records WHERE seq = ?", arguments: [k + 1]))
        #expect(row["row_index"] as Int == k)
        #expect(row["prediction"] as Double == object["prediction"]?.object?["value"]?.number)
        #expect(row["hash"] as String == "sha256:" + AuditSchema.sha256Hex(line))
        #expect(row["prev_hash"] as String == object["prev_hash"]?.string)
        let phi = try Double.fetchAll(db, sql: "SELECT attribution FROM attributions WHERE seq = ? ORDER BY position", arguments: [k + 1])
        #expect(phi == sampleExplanation(row: k).attributions)
        let reasons = try String.fetchAll(db, sql: "SELECT feature FROM reason_codes WHERE seq = ? ORDER BY rank", arguments: [k + 1])
        #expect(reasons == object["reasons"]?.array?.compactMap { $0.object?["feature"]?.string })
      }
      let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'records_by_%' ORDER BY name")
      #expect(indexes == ["records_by_id", "records_by_model", "records_by_record_id", "records_by_time"])
    }
  }

  @Test func signedCheckpointsVerifyWithTheKeyAndNotWithAnother() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let path = try writeDatabase(in: dir, count: 10, signingKey: key)
    let report = try verify(path, publicKey: key.publicKey)
    #expect(report.isIntact && report.records == 10 && report.checkpoints == 3 && report.signaturesChecked == 3)
    #expect(try verify(path, publicKey: AuditSigningKey().publicKey).failure?.problem == .signature)
  }

  @Test func changedInSQL() throws {
    let dir = try TemporaryDirectory()
    let path = try writeDatabase(in: dir, count: 6)
    let changed = try changingTime(try lines(path)[2])
    try tamper(path) { db in try db.execute(sql: "UPDATE audit_lines SET line = ? WHERE seq = 3", arguments: [Data(changed)]) }
    let report = try verify(path)
    #expect(report.failure?.problem == .changed)
    #expect(report.failure?.seq == 3)
  }

  @Test func deletedInSQL() throws {
    let dir = try TemporaryDirectory()
    let path = try writeDatabase(in: dir, count: 6)
    try tamper(path) { db in
      for table in ["reason_codes", "attributions", "records", "audit_lines"] {
        try db.execute(sql: "DELETE FROM \(table) WHERE seq = 4")
      }
    }
    let report = try verify(path)
    #expect(report.failure?.problem == .deleted)
    #expect(report.failure?.seq == 4)
  }

  @Test func insertedInSQL() throws {
    let dir = try TemporaryDirectory()
    let path = try writeDatabase(in: dir, count: 6)
    var stored = try lines(path)
    stored.insert(try Attacker.replacing("\"row\":2", with: "\"row\":99", in: stored[2]), at: 2)
    try rewriteLines(path, stored)
    let report = try verify(path)
    #expect(report.failure?.problem == .inserted)
    #expect(report.failure?.seq == 3)
  }

  @Test func duplicatedInSQL() throws {
    let dir = try TemporaryDirectory()
    let path = try writeDatabase(in: dir, count: 6)
    var stored = try lines(path)
    stored.insert(stored[1], at: 4)
    try rewriteLines(path, stored)
    let report = try verify(path)
    #expect(report.failure?.problem == .duplicated)
    #expect(report.failure?.seq == 5)
  }

  @Test func reorderedInSQL() throws {
    let dir = try TemporaryDirectory()
    let path = try writeDatabase(in: dir, count: 6)
    try tamper(path) { db in
      try db.execute(sql: "UPDATE audit_lines SET seq = 100 WHERE seq = 3")
      try db.execute(sql: "UPDATE audit_lines SET seq = 3 WHERE seq = 4")
      try db.execute(sql: "UPDATE audit_lines SET seq = 4 WHERE seq = 100")
    }
    let report = try verify(path)
    #expect(report.failure?.problem == .reordered)
    #expect(report.failure?.seq == 3)
  }

  @Test(arguments: [
    ("UPDATE attributions SET attribution = attribution + 1e-12 WHERE seq = 2 AND position = 0", 2),
    ("UPDATE records SET prediction = 0.5 WHERE seq = 5", 5),
    ("UPDATE records SET id = 'applicant-1234' WHERE seq = 1", 1),
    ("DELETE FROM reason_codes WHERE seq = 3", 3),
    ("INSERT INTO attributions (seq, position, feature, attribution) VALUES (4, 9, 'extra', 0.1)", 4),
    ("INSERT INTO records (seq, record_id) VALUES (70, 'forged')", 70),
  ])
  func queryTablesChangedInSQLAreCaught(statement: String, seq: Int) throws {
    let dir = try TemporaryDirectory()
    let path = try writeDatabase(in: dir, count: 6)
    #expect(try verify(path).isIntact)
    try tamper(path) { db in try db.execute(sql: statement) }
    let report = try verify(path)
    #expect(report.failure?.problem == .tables, "\(statement)")
    #expect(report.failure?.seq == seq, "\(statement)")
  }

  @Test func eightConcurrentWritersOfAThousandRecordsKeepOneChain() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("shared.db")
    let writers = 8, perWriter = 1000, perBatch = 100
    nonisolated(unsafe) var failures: [String] = []
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: writers) { w in
      do {
        // One connection per writer, as separate processes have.
        let trail = try AuditTrail(store: SQLiteLogStore(path: path), context: auditContext())
        for start in stride(from: 0, to: perWriter, by: perBatch) {
          try trail.record((start..<(start + perBatch)).map { sampleExplanation(row: w * perWriter + $0) })
        }
        try trail.finish()
      } catch {
        lock.lock()
        failures.append("\(error)")
        lock.unlock()
      }
    }
    #expect(failures.isEmpty)
    let report = try verify(path)
    #expect(report.isIntact, "\(String(describing: report.failure))")
    #expect(report.records == writers * perWriter)
    let rows = try RecordedExplanation.readAll(from: SQLiteLogStore(path: path)).map(\.row)
    #expect(Set(rows) == Set(0..<(writers * perWriter)))
  }

  @Test func copyingBetweenStoresKeepsTheHeadAndRefusesABrokenChainOrAFullDestination() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let file = try writeLog(in: dir, count: 7, signingKey: key, checkpointEvery: 3)
    let outcome = try AuditCopy.copy(from: FileLogStore(path: file), to: SQLiteLogStore(path: dir.file("copy.db")))
    let original = try AuditVerifier.verify(path: file)
    #expect(outcome.lines == 10 && outcome.records == 7 && outcome.checkpoints == 3)
    let lastLine = try #require(try logLines(file).last)
    #expect(outcome.head == original.head && outcome.head == AuditSchema.sha256(lastLine))
    // And back into a file: the same bytes.
    _ = try AuditCopy.copy(from: SQLiteLogStore(path: dir.file("copy.db")), to: FileLogStore(path: dir.file("back.log")))
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("back.log"))) == (try Data(contentsOf: URL(fileURLWithPath: file))))
    #expect(throws: AuditError.self) {
      try AuditCopy.copy(from: FileLogStore(path: file), to: SQLiteLogStore(path: dir.file("copy.db")))
    }
    var broken = try logLines(file)
    broken.swapAt(1, 2)
    try writeLines(broken, to: dir.file("broken.log"))
    #expect(throws: AuditError.self) {
      try AuditCopy.copy(from: FileLogStore(path: dir.file("broken.log")), to: SQLiteLogStore(path: dir.file("other.db")))
    }
  }

  @Test func aMissingOrForeignDatabaseIsAnErrorNotAnEmptyLog() throws {
    let dir = try TemporaryDirectory()
    #expect(throws: AuditError.self) { try verify(dir.file("absent.db")) }
    let queue = try DatabaseQueue(path: dir.file("other.db"))
    try queue.inDatabase { db in try db.execute(sql: "CREATE TABLE decisions (id TEXT)") }
    #expect(throws: AuditError.self) { try verify(dir.file("other.db")) }
  }
}
