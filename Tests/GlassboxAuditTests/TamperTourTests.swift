import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxTestSupport
import Testing

/// The tampering tour of issue 21, row by row, on a real signed log of 200 records: each
/// tampering is caught by the verification mode docs/audit-log.md says catches it (and the
/// weaker modes are shown to miss it, so the table in the docs stays honest).
@Suite("Tampering tour: every attack is caught by the mode the docs name")
struct TamperTourTests {
  @Test func emptiedLogIsCaughtByTheKeyAndTheWitness() throws {
    let log = try SignedTourLog()
    #expect(try log.verify([], .plain).isIntact)  // the chain alone cannot tell
    #expect(try log.verify([], .publicKey).failure?.problem == .unsealed)
    #expect(try log.verify([], .witness).failure?.problem == .truncated)
    let counted = try AuditVerifier.verify(
      store: FileLogStore(path: log.dir.file("empty.log").also { try writeFile($0, [UInt8]()) }),
      policy: VerifyPolicy(expectAtLeast: 200))
    #expect(counted.failure?.problem == .truncated)
  }

  @Test func tailCutBackToAnEarlierCheckpointIsCaughtByTheWitnessAndTheCheckpoint() throws {
    let log = try SignedTourLog()
    let cut = Array(log.lines.prefix(182))  // ends with the valid checkpoint after record 180
    #expect(try log.verify(cut, .plain).isIntact)
    let sealed = try log.verify(cut, .publicKey)
    #expect(sealed.isIntact)  // the signature over records 1-180 is genuine
    #expect(sealed.lastSeal?.records == 180)
    let witnessed = try log.verify(cut, .witness)
    #expect(witnessed.failure?.problem == .truncated)
    #expect(witnessed.failure?.seq == 183)
    let path = log.dir.file("cut.log")
    try writeLines(cut, to: path)
    let external = try AuditVerifier.verify(path: path, publicKey: log.key.publicKey, external: log.lastCheckpoint)
    #expect(external.failure?.problem == .truncated)
    let head = try AuditVerifier.verify(store: FileLogStore(path: path), policy: VerifyPolicy(head: log.witnessed.head))
    #expect(head.failure?.problem == .truncated)
  }

  @Test func editedTailWithItsCheckpointDroppedIsCaughtByTheKey() throws {
    let log = try SignedTourLog()
    var lines = Array(log.lines.prefix(202))  // the closing checkpoint dropped
    lines[190] = try Attacker.replacing("\"row\":188,", with: "\"row\":1188,", in: lines[190])
    lines = try Attacker.rechain(Array(lines[182...]), after: Array(lines.prefix(182)))
    #expect(lines.count == 202)
    #expect(try log.verify(lines, .plain).isIntact)
    let sealed = try log.verify(lines, .publicKey)
    #expect(sealed.failure?.problem == .unsealed)
    #expect(sealed.failure?.seq == 183)
    #expect(try log.verify(lines, .witness).failure != nil)
    // A run killed before its closing checkpoint looks the same: --allow-unsealed-tail
    // accepts the tail, and says it is unsealed.
    let allowed = try AuditVerifier.verify(
      store: FileLogStore(path: log.dir.file("tail.log").also { try writeLines(lines, to: $0) }),
      policy: VerifyPolicy(publicKey: log.key.publicKey, allowUnsealedTail: true))
    #expect(allowed.isIntact)
    #expect(allowed.unsealedRecords == 20)
    #expect(VerifyStatement.render(allowed, policy: VerifyPolicy(publicKey: log.key.publicKey), log: "L")
      .contains("unsealed: 20 record(s) after it, seq 183-202"))
  }

  @Test func replayedRecordWithARecomputedChainIsCaughtInEveryMode() throws {
    let log = try SignedTourLog()
    let replayed = try Attacker.rechain(log.lines + [log.lines[4]], resignWith: nil)
    // The copy's seq and prev_hash are new, so its bytes differ from line 5's.
    #expect(replayed.last != log.lines[4])
    for mode in SignedTourLog.Mode.allCases {
      let report = try log.verify(replayed, mode)
      #expect(report.failure?.problem == .duplicateRecordID, "\(mode)")
      #expect(report.failure?.seq == 201, "\(mode)")
    }
  }

  @Test func rewrittenLogWithCheckpointsDroppedOrResignedIsCaughtByTheKeyAndTheWitness() throws {
    let log = try SignedTourLog()
    var edited = log.lines
    edited[10] = try Attacker.replacing("\"row\":10,", with: "\"row\":1010,", in: edited[10])
    let dropped = try Attacker.rechain(edited)
    let resigned = try Attacker.rechain(edited, resignWith: AuditSigningKey())
    for lines in [dropped, resigned] {
      #expect(try log.verify(lines, .plain).isIntact)
      #expect(try log.verify(lines, .witness).failure?.problem != nil)
    }
    #expect(try log.verify(dropped, .publicKey).failure?.problem == .unsealed)
    #expect(try log.verify(resigned, .publicKey).failure?.problem == .signature)
    #expect(try log.verify(resigned, .witness).failure?.problem == .witness)
  }

  @Test(arguments: [
    ("\"additivity_tolerance\":1e-09", "\"additivity_tolerance\":1e+300"),
    ("\"additive\":true", "\"additive\":false"),
  ])
  func recordsOwnToleranceOrAdditiveFlagDoesNotExcuseAWrongAttribution(flag: String, forged: String) throws {
    let log = try SignedTourLog()
    var edited = log.lines
    // Row 7's first φ is 0.25; make it 100 so that base + Σφ misses the prediction.
    edited[7] = try Attacker.replacing("\"phi\":{\"income\":0.25,", with: "\"phi\":{\"income\":100,", in: edited[7])
    let honest = try Attacker.rechain(edited)
    #expect(try log.verify(honest, .plain).semanticFailure?.problem == .additivity)
    edited[7] = try Attacker.replacing(flag, with: forged, in: edited[7])
    let forgedLog = try Attacker.rechain(edited)
    let report = try log.verify(forgedLog, .plain)
    #expect(report.failure == nil)
    #expect(report.semanticFailure?.problem == .additivity)
    #expect(report.semanticFailure?.seq == 8)
    #expect(try log.verify(forgedLog, .publicKey).failure?.problem == .unsealed)
  }

  @Test func emptiedRedactionListWithASensitiveValueInClearIsCaughtWithTheCard() throws {
    let log = try SignedTourLog()
    var edited = log.lines
    edited[3] = try Attacker.replacing("\"fields\":[\"sex\",\"age\"]", with: "\"fields\":[]", in: edited[3])
    edited[3] = try Attacker.replacing("\"input\":{\"income\":50003", with: "\"input\":{\"income\":50003,\"sex\":\"Male\"", in: edited[3])
    let forged = try Attacker.rechain(edited)
    #expect(try log.verify(forged, .plain).isIntact)  // the record's own list is empty
    let judged = try log.verify(forged, .card)
    #expect(judged.semanticFailure?.problem == .sensitiveInClear)
    #expect(judged.semanticFailure?.seq == 4)
    #expect(judged.judgedByCard)
    // A card that does not mark the feature sensitive allows it in clear.
    let lenient = try AuditVerifier.verify(
      store: FileLogStore(path: log.dir.file("lenient.log").also { try writeLines(forged, to: $0) }),
      policy: VerifyPolicy(sensitiveFeatures: ["age"]))
    #expect(lenient.isIntact)
  }

  @Test func aWritersTimeGoingBackIsCaught() throws {
    let log = try SignedTourLog()
    var edited = log.lines
    let time = try #require(String(decoding: edited[50], as: UTF8.self).firstMatch(of: /"time":"([^"]+)"/)?.1)
    edited[50] = try Attacker.replacing("\"time\":\"\(time)\"", with: "\"time\":\"2020-01-01T00:00:00.000Z\"", in: edited[50])
    let report = try log.verify(try Attacker.rechain(edited), .plain)
    #expect(report.failure?.problem == .timeOrder)
    #expect(report.failure?.seq == 51)
  }

  @Test func aRunKilledBeforeItsClosingCheckpointIsReportedUnsealedNeverIntact() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let path = dir.file("killed.log")
    do {
      // The appender is dropped without `close()`: no closing checkpoint, as after kill -9.
      let trail = try AuditTrail(path: path, context: auditContext(), signingKey: key, checkpointEvery: 4)
      try trail.record((0..<6).map { sampleExplanation(row: $0) })
    }
    #expect(try logLines(path).count == 7)  // 4 records, a checkpoint, 2 records
    let strict = try AuditVerifier.verify(store: FileLogStore(path: path), policy: VerifyPolicy(publicKey: key.publicKey))
    #expect(strict.failure?.problem == .unsealed)
    #expect(strict.failure?.seq == 6)
    let plain = try AuditVerifier.verify(store: FileLogStore(path: path), policy: VerifyPolicy())
    #expect(plain.unsealedRecords == 2)
    let text = VerifyStatement.render(plain, policy: VerifyPolicy(), log: "L")
    #expect(text.hasPrefix("L: chain intact: 6 record(s)"))
    #expect(text.contains("unsealed: 2 record(s) after it, seq 6-7"))
  }
}

extension String {
  /// Runs `body` on the string (a path), then returns it.
  func also(_ body: (String) throws -> Void) rethrows -> String {
    try body(self)
    return self
  }
}
