import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxTestSupport
import Testing

@Suite("Hash chain: every kind of tampering names the first bad seq")
struct ChainTests {
  @Test func intactLogVerifies() throws {
    let dir = try TemporaryDirectory()
    let path = try writeLog(in: dir, count: 6)
    let report = try AuditVerifier.verify(path: path)
    #expect(report.isIntact)
    #expect(report.records == 6)
    #expect(report.lines == 6)
  }

  @Test func recordsHaveAFixedKeyOrderAndChainFields() throws {
    let dir = try TemporaryDirectory()
    let lines = try logLines(try writeLog(in: dir, count: 2))
    let first = String(decoding: lines[0], as: UTF8.self)
    #expect(first.hasPrefix("{\"schema\":\"glassbox-audit/1\",\"seq\":1,\"prev_hash\":\"\(AuditSchema.genesisHash)\",\"type\":\"explanation\""))
    let keys = ["\"record_id\"", "\"writer\"", "\"time\"", "\"tool\"", "\"model\"", "\"data\"", "\"row\"", "\"input\"", "\"redaction\"",
      "\"prediction\"", "\"explainer\"", "\"attribution\"", "\"reasons\"", "\"warnings\""]
    let positions = keys.map { first.range(of: $0)?.lowerBound }
    #expect(positions.allSatisfy { $0 != nil })
    #expect(positions.compactMap { $0 }.sorted() == positions.compactMap { $0 })
    #expect(first.contains("\"parameters\":{\"kernel\":\"exponential\",\"samples\":2048}"))
    let second = String(decoding: lines[1], as: UTF8.self)
    #expect(second.contains("\"seq\":2,\"prev_hash\":\"sha256:\(AuditSchema.sha256Hex(lines[0]))\""))
  }

  @Test func reasonCodesAreTheMostNegativeAttributionsAtMostFour() {
    #expect(AuditRecordBuilder.reasonCodes([0.5, -0.1, -2, -0.3, 0, -0.2, -0.05]) == [2, 3, 5, 1])
    #expect(AuditRecordBuilder.reasonCodes([1, 2]).isEmpty)
  }

  private func verify(_ lines: [[UInt8]], in dir: TemporaryDirectory) throws -> VerifyReport {
    let path = dir.file("tampered.log")
    try writeLines(lines, to: path)
    return try AuditVerifier.verify(path: path)
  }

  @Test func changedRecord() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    // Change one digit of seq 3's timestamp: still valid JSON, still additive.
    let text = String(decoding: lines[2], as: UTF8.self)
    let range = try #require(text.range(of: "\"time\":\"2"))
    var changed = text
    changed.replaceSubrange(range, with: "\"time\":\"3")
    lines[2] = Array(changed.utf8)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .changed)
    #expect(report.failure?.seq == 3)
    #expect(report.failure?.message.contains("seq 3") == true)
  }

  @Test func changedNumberBreaksAdditivityAtThatSeq() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 4))
    let text = String(decoding: lines[1], as: UTF8.self)
    lines[1] = Array(text.replacingOccurrences(of: "\"base\":-1", with: "\"base\":-2").utf8)
    let report = try verify(lines, in: dir)
    #expect(report.semanticFailure?.problem == .additivity)
    #expect(report.semanticFailure?.seq == 2)
    #expect(report.failure?.seq == 2)  // the chain breaks there too
  }

  @Test func deletedRecord() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    lines.remove(at: 3)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .deleted)
    #expect(report.failure?.seq == 4)
  }

  @Test func insertedRecord() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    // A forged record that chains correctly onto seq 2 and claims seq 3.
    var forged = String(decoding: lines[2], as: UTF8.self)
    forged = forged.replacingOccurrences(of: "\"row\":2", with: "\"row\":99")
    lines.insert(Array(forged.utf8), at: 2)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .inserted)
    #expect(report.failure?.seq == 3)
  }

  @Test func duplicatedRecord() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    lines.insert(lines[1], at: 4)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .duplicated)
    #expect(report.failure?.seq == 5)
  }

  @Test func reorderedRecords() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    lines.swapAt(2, 3)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .reordered)
    #expect(report.failure?.seq == 3)
  }

  @Test func tornLastLineIsDetectedAndBlocksAppending() throws {
    let dir = try TemporaryDirectory()
    let path = try writeLog(in: dir, count: 5)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes.removeLast(40)
    try writeFile(path, bytes)
    let report = try AuditVerifier.verify(path: path)
    #expect(report.failure?.problem == .torn)
    #expect(report.failure?.seq == 5)
    let trail = try AuditTrail(path: path, context: auditContext())
    #expect(throws: AuditError.tornTail(path: path, seq: 5)) { try trail.record([sampleExplanation(row: 9)]) }
  }

  @Test func repairKeepsABackupAndRestoresTheChain() throws {
    let dir = try TemporaryDirectory()
    let path = try writeLog(in: dir, count: 5)
    let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let torn = Array(original.dropLast(100))
    try writeFile(path, torn)
    let outcome = try AuditRepair.repair(path: path)
    #expect(outcome.seq == 5)
    let backup = try #require(outcome.backupPath)
    #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: backup))) == torn)
    #expect(try AuditVerifier.verify(path: path).isIntact)
    #expect(try logLines(path).count == 4)
    // Appending continues the chain at seq 5.
    let trail = try AuditTrail(path: path, context: auditContext())
    try trail.record([sampleExplanation(row: 7)])
    try trail.finish()
    let report = try AuditVerifier.verify(path: path)
    #expect(report.isIntact && report.records == 5)
    // Nothing to do on a whole log.
    #expect(try AuditRepair.repair(path: path).backupPath == nil)
  }

  @Test func repairRefusesWhenTheDamageIsNotOnlyATornTail() throws {
    let dir = try TemporaryDirectory()
    let path = try writeLog(in: dir, count: 5)
    var lines = try logLines(path)
    lines.remove(at: 1)
    var bytes = lines.flatMap { $0 + [UInt8(ascii: "\n")] }
    bytes.removeLast(30)
    try writeFile(path, bytes)
    #expect(throws: AuditError.self) { try AuditRepair.repair(path: path) }
    #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
  }

  @Test func prefetchedFileHashesEqualDirectOnesAndAreUsedOnce() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("model.json", String(repeating: "{\"x\":1}\n", count: 50_000))
    let direct = try AuditSchema.fileSHA256(path: path)
    FileHashPrefetch.start(paths: [path, path])
    #expect(try AuditSchema.fileSHA256(path: path) == direct)
    // The prefetched result was taken: a changed file is hashed afresh.
    try writeFile(path, Array("changed".utf8))
    #expect(try AuditSchema.fileSHA256(path: path) == AuditSchema.sha256Hex(Array("changed".utf8)))
    FileHashPrefetch.start(paths: [dir.file("absent.json")])
    #expect(throws: AuditError.self) { try AuditSchema.fileSHA256(path: dir.file("absent.json")) }
  }

  @Test func concurrentAppendersKeepOneChain() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("shared.log")
    let writers = 4
    let perWriter = 50
    nonisolated(unsafe) var failures: [String] = []
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: writers) { w in
      do {
        let trail = try AuditTrail(path: path, context: auditContext())
        for k in 0..<perWriter {
          try trail.record([sampleExplanation(row: w * 1000 + k)])
        }
        try trail.finish()
      } catch {
        lock.lock()
        failures.append("\(error)")
        lock.unlock()
      }
    }
    #expect(failures.isEmpty)
    let report = try AuditVerifier.verify(path: path)
    #expect(report.isIntact)
    #expect(report.records == writers * perWriter)
    let rows = try RecordedExplanation.readAll(path: path).map(\.row)
    #expect(Set(rows).count == writers * perWriter)
  }
}
