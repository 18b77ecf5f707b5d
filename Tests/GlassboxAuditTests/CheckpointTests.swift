import Foundation
import GlassboxAudit
import GlassboxTestSupport
import Testing

@Suite("Signed checkpoints and key files")
struct CheckpointTests {
  @Test func checkpointsEveryNRecordsAndAtTheEndVerifyWithThePublicKey() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let path = try writeLog(in: dir, count: 7, signingKey: key, checkpointEvery: 3)
    let lines = try logLines(path)
    // 3 records, checkpoint, 3 records, checkpoint, 1 record, closing checkpoint.
    #expect(lines.count == 10)
    let report = try AuditVerifier.verify(path: path, publicKey: key.publicKey)
    #expect(report.isIntact)
    #expect(report.checkpoints == 3 && report.signaturesChecked == 3)
    #expect(report.records == 7)
  }

  @Test func aBatchLargerThanOneWriteKeepsWholeLinesAndCheckpointsInPlace() throws {
    // 1,500 records of about 1.2 KB in one batch: more than one 1 MiB write, with
    // checkpoints every 97 records falling between the writes.
    let dir = try TemporaryDirectory()
    let path = dir.file("big.log")
    let key = AuditSigningKey()
    let trail = try AuditTrail(path: path, context: auditContext(), signingKey: key, checkpointEvery: 97)
    try trail.record((0..<1500).map { sampleExplanation(row: $0) })
    try trail.finish()
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(bytes.count > 1 << 20)
    let report = try AuditVerifier.verify(path: path, publicKey: key.publicKey)
    #expect(report.isIntact)
    #expect(report.records == 1500)
    #expect(report.checkpoints == 1500 / 97 + 1 && report.signaturesChecked == report.checkpoints)
    let lines = try logLines(path)
    #expect(lines.count == 1500 + report.checkpoints)
    #expect(try RecordedExplanation.readAll(path: path).map(\.row) == Array(0..<1500))
  }

  @Test func wrongKeyOrAlteredSignatureFails() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let path = try writeLog(in: dir, count: 4, signingKey: key, checkpointEvery: 2)
    let other = AuditSigningKey()
    let wrong = try AuditVerifier.verify(path: path, publicKey: other.publicKey)
    #expect(wrong.failure?.problem == .signature)
    #expect(wrong.failure?.seq == 3)
    // Flip one hex digit of the last checkpoint's signature (the last line, so the chain still holds).
    var lines = try logLines(path)
    var last = String(decoding: lines[lines.count - 1], as: UTF8.self)
    let range = try #require(last.range(of: "\"signature\":\"ed25519:"))
    let digit = last.index(range.upperBound, offsetBy: 3)
    last.replaceSubrange(digit...digit, with: last[digit] == "0" ? "1" : "0")
    lines[lines.count - 1] = Array(last.utf8)
    try writeLines(lines, to: path)
    let altered = try AuditVerifier.verify(path: path, publicKey: key.publicKey)
    #expect(altered.failure?.problem == .signature)
    #expect(altered.failure?.seq == lines.count)
  }

  @Test func aCheckpointKeptElsewhereExposesATruncatedTail() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let path = try writeLog(in: dir, count: 6, signingKey: key, checkpointEvery: 100)
    var lines = try logLines(path)
    let external = dir.file("checkpoint.json")
    try writeLines([lines[lines.count - 1]], to: external)
    let checkpoint = try Checkpoint.load(path: external)
    #expect(try AuditVerifier.verify(path: path, publicKey: key.publicKey, external: checkpoint).isIntact)
    // Remove the last two records and the closing checkpoint: the chain alone still holds...
    lines.removeLast(3)
    try writeLines(lines, to: path)
    #expect(try AuditVerifier.verify(path: path).isIntact)
    // ...but not against the checkpoint kept elsewhere.
    let report = try AuditVerifier.verify(path: path, publicKey: key.publicKey, external: checkpoint)
    #expect(report.failure?.problem == .truncated)
    #expect(report.failure?.seq == 5)
  }

  @Test func aRewrittenPrefixDoesNotMatchTheExternalCheckpoint() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let path = try writeLog(in: dir, count: 3, signingKey: key)
    let external = try Checkpoint.load(path: path)  // the closing checkpoint, seq 4
    // Rewrite the whole log with other records (a valid chain, re-signed by the same key).
    try FileManager.default.removeItem(atPath: path)
    let trail = try AuditTrail(path: path, context: auditContext(), signingKey: key)
    try trail.record((10..<13).map { sampleExplanation(row: $0) })
    try trail.finish()
    #expect(try AuditVerifier.verify(path: path, publicKey: key.publicKey).isIntact)
    let report = try AuditVerifier.verify(path: path, publicKey: key.publicKey, external: external)
    #expect(report.failure?.problem == .truncated)
  }

  @Test func keyFilesRoundTripAndSecretsMustBePrivate() throws {
    let dir = try TemporaryDirectory()
    let id = try AuditKeyFile.generateSigningPair(privatePath: dir.file("k"), publicPath: dir.file("k.pub"))
    let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("k"))
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    let key = try AuditSigningKey(path: dir.file("k"))
    let publicKey = try AuditPublicKey(path: dir.file("k.pub"))
    #expect(key.publicKey.keyID == id && publicKey.keyID == id)
    let message = Array("hello".utf8)
    #expect(publicKey.isValid(key.sign(message), for: message))
    #expect(!publicKey.isValid(key.sign(message), for: Array("hellO".utf8)))
    // Never overwritten.
    #expect(throws: AuditError.self) {
      try AuditKeyFile.generateSigningPair(privatePath: dir.file("k"), publicPath: dir.file("k2.pub"))
    }
    // Refused once others can read it.
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.file("k"))
    #expect(throws: AuditError.insecureKeyFile(path: dir.file("k"), mode: 0o100644)) { try AuditSigningKey(path: dir.file("k")) }
    // A public key file is not a private key.
    #expect(throws: AuditError.self) { try AuditPublicKey(path: dir.file("k")) }
  }
}
