import Foundation
import GlassboxAudit
import GlassboxAuditStores
import GlassboxTestSupport
import Testing

/// A store that keeps lines in memory: a second implementation of `LogStore`, to show
/// that the chain, the appender and the verifier need nothing from the file store.
/// Positions are line counts; lines cannot be torn.
final class MemoryLogStore: LogStore, @unchecked Sendable {
  let location: String
  private(set) var lines: [[UInt8]] = []
  private let writers = NSLock()
  private var batchStart = 0
  private(set) var commits = 0

  init(location: String) { self.location = location }

  func openForAppend() throws(AuditError) {}

  func beginAppend() throws(AuditError) -> LogTail {
    writers.lock()
    batchStart = lines.count
    return LogTail(lastLine: lines.last, isTorn: false, end: lines.count)
  }

  func forEachLine(from start: LogPosition?, to end: LogPosition, _ body: ([UInt8]) -> Void) throws(AuditError) {
    for line in lines[min(start ?? 0, end)..<end] { body(line) }
  }

  func write(_ bytes: [UInt8]) throws(AuditError) -> LogPosition {
    lines += bytes.split(separator: UInt8(ascii: "\n")).map(Array.init)
    return lines.count
  }

  func commitAppend() throws(AuditError) {
    commits += 1
    writers.unlock()
  }

  func abandonAppend() {
    lines.removeSubrange(batchStart...)
    writers.unlock()
  }

  func close() {}

  func forEachStoredLine(_ body: (LogLine) -> Bool) throws(AuditError) {
    for (k, line) in lines.enumerated() {
      guard body(LogLine(number: k + 1, offset: k, bytes: line, isComplete: true)) else { return }
    }
  }

  func removeTornTail(approve: () throws(AuditError) -> Void) throws(AuditError) -> TornTailRemoval? { nil }

  /// Replaces a stored line (tampering).
  func replace(line index: Int, with bytes: [UInt8]) { lines[index] = bytes }

  static let kind = LogStoreKind(name: "memory", prefix: "memory:") { argument throws(AuditError) in
    MemoryLogStore(location: argument)
  }
}

@Suite("LogStore: the chain is the same whatever keeps the lines")
struct LogStoreTests {
  /// Fixed bodies, so that two logs of them can be compared byte for byte.
  private let bodies = (0..<9).map { row in
    AuditRecordBuilder(context: auditContext(), redactor: nil).bodies([sampleExplanation(row: row)], milliseconds: 1_780_000_000_000)[0]
  }

  @Test func aMemoryStoreHoldsTheSameBytesAsAFile() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("audit.log")
    let memory = MemoryLogStore(location: "memory:test")
    for store in [FileLogStore(path: path), memory] as [any LogStore] {
      // Three batches, one appender each, as three runs would write them.
      for batch in stride(from: 0, to: bodies.count, by: 3) {
        let appender = try AuditAppender(store: store)
        try appender.append(Array(bodies[batch..<(batch + 3)]))
        try appender.close()
      }
    }
    #expect(memory.commits == 3)
    #expect(memory.lines == (try logLines(path)))
    #expect(memory.lines.count == 9)

    let report = try AuditVerifier.verify(store: memory)
    #expect(report.isIntact && report.records == 9)
    #expect(try RecordedExplanation.readAll(from: memory).map(\.row) == Array(0..<9))
    let outcome = try AuditRepair.repair(store: memory)
    #expect(outcome.removedBytes == 0 && outcome.seq == nil && outcome.backupPath == nil)

    // Tampering is found through any store.
    memory.replace(line: 6, with: try changingTime(memory.lines[6]))
    let tampered = try AuditVerifier.verify(store: memory)
    #expect(tampered.failure?.problem == .changed)
    #expect(tampered.failure?.seq == 7)
  }

  @Test func signedCheckpointsThroughAMemoryStoreVerify() throws {
    let store = MemoryLogStore(location: "memory:signed")
    let key = AuditSigningKey()
    let trail = try AuditTrail(store: store, context: auditContext(), signingKey: key, checkpointEvery: 4)
    try trail.record((0..<5).map { sampleExplanation(row: $0) })
    try trail.record((5..<10).map { sampleExplanation(row: $0) })
    try trail.finish()
    #expect(trail.recordsWritten == 10 && trail.checkpointsWritten == 3)
    // A second writer, which must first read the 13 lines into its tree.
    let later = try AuditTrail(store: store, context: auditContext(), signingKey: key, checkpointEvery: 4)
    try later.record([sampleExplanation(row: 10)])
    try later.finish()
    #expect(store.lines.count == 15)
    let report = try AuditVerifier.verify(store: store, publicKey: key.publicKey)
    #expect(report.isIntact, "\(String(describing: report.failure))")
    #expect(report.records == 11 && report.checkpoints == 4 && report.signaturesChecked == 4)
  }

  @Test func theRegistryChoosesAStoreByPrefixWithFilesAsTheDefault() throws {
    let registry = LogStoreRegistry(kinds: [MemoryLogStore.kind], defaultKind: FileLogStore.kind)
    let memory = try registry.store(for: "memory:orders")
    #expect(memory is MemoryLogStore)
    #expect(memory.location == "memory:orders")
    let file = try registry.store(for: "logs/memory:orders.log")
    #expect((file as? FileLogStore)?.path == "logs/memory:orders.log")
    // glassbox's own registry: sqlite: and postgres:// URLs; any other argument is a file path.
    #expect(LogStoreRegistry.withDatabases.kinds.compactMap(\.prefix) == ["sqlite:", "postgres://", "postgresql://"])
    #expect((try LogStoreRegistry.withDatabases.store(for: "sqlite:/tmp/a.db") as? SQLiteLogStore)?.path == "/tmp/a.db")
    let postgres = try LogStoreRegistry.withDatabases.store(for: "postgres://auditor:secret@127.0.0.1:5433/trail")
    #expect(postgres is PostgresLogStore && postgres.location == "postgres://auditor@127.0.0.1:5433/trail")
    #expect((try LogStoreRegistry.withDatabases.store(for: "memory:orders") as? FileLogStore)?.path == "memory:orders")
    // The audit core alone knows files only.
    #expect(LogStoreRegistry.standard.kinds.isEmpty)
    #expect((try LogStoreRegistry.standard.store(for: "sqlite:/tmp/a.db") as? FileLogStore)?.path == "sqlite:/tmp/a.db")
  }

  @Test func aFailedWriteLeavesWholeLinesAndTheNextBatchContinuesTheChain() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("audit.log")
    let appender = try AuditAppender(path: path)
    try appender.append(Array(bodies.prefix(2)))
    // A store that refuses writes: nothing is kept, and the lock is released.
    let refusing = RefusingStore(inner: FileLogStore(path: path))
    let failing = try AuditAppender(store: refusing, signingKey: AuditSigningKey(), checkpointEvery: 1)
    #expect(throws: AuditError.cannotWrite(path: path, reason: "refused")) { try failing.append([bodies[2]]) }
    #expect(refusing.abandoned == 1)
    // The writers' lock is free again.
    let probe = open(path, O_RDONLY)
    defer { close(probe) }
    #expect(flock(probe, LOCK_EX | LOCK_NB) == 0)
    flock(probe, LOCK_UN)
    try appender.append([bodies[3]])
    try appender.close()
    let report = try AuditVerifier.verify(path: path)
    #expect(report.isIntact && report.records == 3)
  }
}

/// A store whose writes fail, around a real one (for the error path of the appender).
final class RefusingStore: LogStore {
  let inner: any LogStore
  private(set) var abandoned = 0
  init(inner: any LogStore) { self.inner = inner }
  var location: String { inner.location }
  func openForAppend() throws(AuditError) { try inner.openForAppend() }
  func beginAppend() throws(AuditError) -> LogTail { try inner.beginAppend() }
  func forEachLine(from start: LogPosition?, to end: LogPosition, _ body: ([UInt8]) -> Void) throws(AuditError) {
    try inner.forEachLine(from: start, to: end, body)
  }
  func write(_ lines: [UInt8]) throws(AuditError) -> LogPosition { throw .cannotWrite(path: location, reason: "refused") }
  func commitAppend() throws(AuditError) { try inner.commitAppend() }
  func abandonAppend() {
    abandoned += 1
    inner.abandonAppend()
  }
  func close() { inner.close() }
  func forEachStoredLine(_ body: (LogLine) -> Bool) throws(AuditError) { try inner.forEachStoredLine(body) }
  func removeTornTail(approve: () throws(AuditError) -> Void) throws(AuditError) -> TornTailRemoval? {
    try inner.removeTornTail(approve: approve)
  }
}
