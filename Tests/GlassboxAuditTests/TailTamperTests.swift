import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxTestSupport
import Testing

/// Tampering at the end of a log, where the chain has the fewest lines after the change to
/// expose it. (A verifier that skipped the last line's `prev_hash` check once went unnoticed.)
@Suite("Hash chain: tampering with the last lines is caught")
struct TailTamperTests {
  private func verify(
    _ lines: [[UInt8]], in dir: TemporaryDirectory, key: AuditSigningKey? = nil, external: Checkpoint? = nil
  ) throws -> VerifyReport {
    let path = dir.file("tampered.log")
    try writeLines(lines, to: path)
    return try AuditVerifier.verify(path: path, publicKey: key?.publicKey, external: external)
  }

  /// `line` with one hex digit of its `prev_hash` changed.
  private func changingPrevHash(_ line: [UInt8]) throws -> [UInt8] {
    let text = String(decoding: line, as: UTF8.self)
    let range = try #require(text.range(of: "\"prev_hash\":\"sha256:"))
    let digit = text.index(range.upperBound, offsetBy: 10)
    var changed = text
    changed.replaceSubrange(digit...digit, with: text[digit] == "a" ? "b" : "a")
    return Array(changed.utf8)
  }

  /// The checkpoint a line holds, as an auditor would keep it outside the log.
  private func checkpoint(in line: [UInt8]) throws -> Checkpoint {
    try Checkpoint(try #require(try JSONParser.parse(line, path: "").object), path: "", lineNumber: 0)
  }

  @Test func changedSecondToLastRecord() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    lines[4] = try changingTime(lines[4])
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .changed)
    #expect(report.failure?.seq == 5)
    #expect(report.failure?.message.hasPrefix("seq 5: changed") == true)
    #expect(report.lines == 5)  // line 5 is well formed; line 6's prev_hash gives it away
  }

  @Test func changedPrevHashOfTheLastLine() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    lines[5] = try changingPrevHash(lines[5])
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .changed)
    #expect(report.failure?.seq == 5)
    #expect(report.lines == 5)
  }

  @Test func changedPrevHashOfTheOnlyLine() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 1))
    let text = String(decoding: lines[0], as: UTF8.self)
    lines[0] = Array(text.replacingOccurrences(of: AuditSchema.genesisHash, with: "sha256:" + String(repeating: "0", count: 63) + "1").utf8)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .changed)
    #expect(report.failure?.seq == 1)
  }

  @Test func changedLastRecordOfASignedLog() throws {
    // 6 records and the closing checkpoint: the checkpoint's prev_hash covers record 6.
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    var lines = try logLines(try writeLog(in: dir, count: 6, signingKey: key))
    #expect(lines.count == 7)
    lines[5] = try changingTime(lines[5])
    let report = try verify(lines, in: dir, key: key)
    #expect(report.failure?.problem == .changed)
    #expect(report.failure?.seq == 6)
  }

  @Test func changedLastLineIsCaughtByAnExternalCheckpoint() throws {
    // Nothing follows the last line, so only a checkpoint kept elsewhere can expose it.
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    var lines = try logLines(try writeLog(in: dir, count: 5, signingKey: key, checkpointEvery: 5))
    #expect(lines.count == 6)
    let saved = try checkpoint(in: lines[5])
    #expect(saved.treeSize == 5)
    lines[4] = try changingTime(lines[4])
    lines.removeLast()  // the checkpoint in the log would expose it; the forger drops it too
    let report = try verify(lines, in: dir, key: key, external: saved)
    #expect(report.failure?.problem == .truncated)
    #expect(report.failure?.message.contains("rewritten") == true)
  }

  @Test func deletedLastRecordOfASignedLog() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    var lines = try logLines(try writeLog(in: dir, count: 6, signingKey: key))
    lines.remove(at: 5)  // record 6; the closing checkpoint (seq 7) now sits on line 6
    let report = try verify(lines, in: dir, key: key)
    #expect(report.failure?.problem == .deleted)
    #expect(report.failure?.seq == 6)
    #expect(report.failure?.message.contains("seq 6 is missing") == true)
  }

  @Test func deletedLastRecordAndCheckpointAreCaughtByAnExternalCheckpoint() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    var lines = try logLines(try writeLog(in: dir, count: 6, signingKey: key, checkpointEvery: 3))
    // 3 records, checkpoint, 3 records, checkpoint: 8 lines; the last checkpoint (over
    // lines 1-7) is kept elsewhere.
    #expect(lines.count == 8)
    let saved = try checkpoint(in: lines[7])
    #expect(try verify(lines, in: dir, key: key, external: saved).isIntact)
    lines.removeLast(2)  // the last record and the checkpoint after it: a valid chain of 6 lines
    #expect(try verify(lines, in: dir).isIntact)
    // The key demands a seal: records 4 and 5 follow the last checkpoint now.
    let unsealed = try verify(lines, in: dir, key: key)
    #expect(unsealed.failure?.problem == .unsealed)
    #expect(unsealed.failure?.seq == 5)
    let report = try verify(lines, in: dir, key: key, external: saved)
    #expect(report.failure?.problem == .truncated)
    #expect(report.failure?.seq == 7)
  }

  /// A copy of the last or the second-to-last record appended at the end.
  @Test(arguments: [5, 4]) func duplicatedRecordAtTheEnd(copied index: Int) throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    lines.append(lines[index])
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .duplicated)
    #expect(report.failure?.seq == 7)
    #expect(report.failure?.message.contains("copy of line \(index + 1)") == true)
  }

  @Test func swappedLastTwoRecords() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    lines.swapAt(4, 5)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .reordered)
    #expect(report.failure?.seq == 5)
  }

  @Test func insertedBeforeTheLastRecord() throws {
    let dir = try TemporaryDirectory()
    var lines = try logLines(try writeLog(in: dir, count: 6))
    // A forged line claiming seq 6 before the real seq 6.
    let forged = String(decoding: lines[5], as: UTF8.self).replacingOccurrences(of: "\"row\":5", with: "\"row\":55")
    lines.insert(Array(forged.utf8), at: 5)
    let report = try verify(lines, in: dir)
    #expect(report.failure?.problem == .inserted)
    #expect(report.failure?.seq == 6)
    #expect(report.failure?.message.contains("claimed twice (lines 6 and 7)") == true)
  }
}
