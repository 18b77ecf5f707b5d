import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxTestSupport
import Testing

/// The log committed in Tests/Fixtures/audit, written before the chain and the store were split.
let committedLogPath = fixturesDirectory + "/audit/signed-before-log-store.log"
let committedLogPublicKey = fixturesDirectory + "/audit/signed-before-log-store.key.pub"

/// The body of a stored line: what follows `"prev_hash":"sha256:<64 hex>",`.
func body(of line: [UInt8]) throws -> [UInt8] {
  let marker = Array(",\"prev_hash\":\"".utf8)
  let start = try #require((0...(line.count - marker.count)).first { line[$0..<($0 + marker.count)].elementsEqual(marker) })
  let bodyStart = start + marker.count + AuditSchema.genesisHash.utf8.count + 2  // the hash, then `",`
  #expect(line[bodyStart - 2] == UInt8(ascii: "\"") && line[bodyStart - 1] == UInt8(ascii: ","))
  return Array(line[bodyStart...])
}

@Suite("HashChain: the exact lines, without a store")
struct HashChainTests {
  /// Replays the writers of the committed log with `HashChain` alone: its record bodies and
  /// checkpoints (whose time and signature cannot be made again) must give back its bytes.
  @Test func rechainingTheCommittedLogGivesBackItsBytes() throws {
    let stored = try logLines(committedLogPath)
    #expect(stored.count == 11)
    var written: [UInt8] = []

    // The chain's checkpoint for the lines so far must be the stored one, bar time and signature.
    func appendCheckpoint(_ chain: inout HashChain, line: [UInt8]) throws {
      let object = try #require(try JSONParser.parse(line, path: "").object)
      let storedCheckpoint = try Checkpoint(object, path: "", lineNumber: 0)
      let ours = chain.checkpoint(milliseconds: 0, key: AuditSigningKey())
      #expect(ours.treeSize == storedCheckpoint.treeSize)
      #expect(ours.records == storedCheckpoint.records)
      #expect(ours.root == storedCheckpoint.root)
      #expect(storedCheckpoint.body() == (try body(of: line)))
      chain.appendCheckpoint(storedCheckpoint, to: &written)
    }

    // The first run: --checkpoint-every 4, records 1-4, checkpoint, 6-7, closing checkpoint.
    var first = HashChain(checkpointEvery: 4)
    let firstResumed = first.resume(after: nil)
    #expect(firstResumed)
    for k in 0..<4 {
      #expect(!first.isCheckpointDue)
      first.appendRecord(body: try body(of: stored[k]), to: &written)
    }
    #expect(first.isCheckpointDue)
    try appendCheckpoint(&first, line: stored[4])
    for k in 5..<7 { first.appendRecord(body: try body(of: stored[k]), to: &written) }
    #expect(!first.isCheckpointDue && first.hasRecordsSinceCheckpoint)
    try appendCheckpoint(&first, line: stored[7])
    #expect(!first.hasRecordsSinceCheckpoint)

    // The second run, another process: it continues after line 8 and reads lines 1-8 into its tree.
    var second = HashChain(checkpointEvery: 4)
    let secondResumed = second.resume(after: stored[7])
    #expect(secondResumed)
    #expect(second.head.nextSeq == 9)
    for line in stored.prefix(8) { second.include(storedLine: line) }
    #expect(second.tree.count == 8 && second.recordsInTree == 6)
    for k in 8..<10 { second.appendRecord(body: try body(of: stored[k]), to: &written) }
    try appendCheckpoint(&second, line: stored[10])

    let committed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: committedLogPath)))
    #expect(written == committed)
  }

  @Test func aLogWrittenNowAndTheCommittedOneBothVerify() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    // The committed log's shape: two trails on one file, checkpoints every 4 records.
    let path = dir.file("now.log")
    for rows in [0..<6, 6..<8] {
      let trail = try AuditTrail(path: path, context: auditContext(), signingKey: key, checkpointEvery: 4)
      try trail.record(rows.map { sampleExplanation(row: $0) })
      try trail.finish()
    }
    let now = try AuditVerifier.verify(path: path, publicKey: key.publicKey)
    let committed = try AuditVerifier.verify(path: committedLogPath, publicKey: AuditPublicKey(path: committedLogPublicKey))
    for report in [now, committed] {
      #expect(report.isIntact, "\(String(describing: report.failure ?? report.semanticFailure))")
      #expect(report.records == 8 && report.checkpoints == 3 && report.signaturesChecked == 3 && report.lines == 11)
    }
    // Same line kinds in the same places.
    let kinds = { (lines: [[UInt8]]) in lines.map(HashChain.isCheckpoint) }
    #expect(kinds(try logLines(path)) == kinds(try logLines(committedLogPath)))
    #expect(try RecordedExplanation.readAll(path: committedLogPath).map(\.seq) == [1, 2, 3, 4, 6, 7, 9, 10])
  }

  @Test func lineLengthIsExactAcrossDigitCountsAndTheGenesisLine() {
    let body = Array("\"type\":\"explanation\",\"x\":1}".utf8)
    for seq in [1, 9, 10, 99, 100, 999_999, 1_000_000] {
      var chain = HashChain(head: ChainHead(nextSeq: seq, lastHash: seq == 1 ? [] : AuditSchema.sha256(Array("x".utf8))))
      let expected = chain.lineLength(bodyCount: body.count)
      var out: [UInt8] = [7, 7]  // appended after what is there
      chain.appendRecord(body: body, to: &out)
      #expect(out.count - 2 == expected, "seq \(seq)")
      let text = String(decoding: out.dropFirst(2), as: UTF8.self)
      let hash = seq == 1 ? AuditSchema.genesisHash : "sha256:" + AuditSchema.sha256Hex(Array("x".utf8))
      #expect(text == "{\"schema\":\"glassbox-audit/1\",\"seq\":\(seq),\"prev_hash\":\"\(hash)\",\"type\":\"explanation\",\"x\":1}\n")
      #expect(chain.head == ChainHead(nextSeq: seq + 1, lastHash: AuditSchema.sha256(Array(out.dropFirst(2).dropLast()))))
    }
  }

  @Test func checkNamesTheBreakWithoutMovingTheChain() {
    var chain = HashChain.verifying()
    #expect(chain.check(seq: 1, prevHash: AuditSchema.genesisHash) == nil)
    #expect(chain.check(seq: 2, prevHash: AuditSchema.genesisHash) == .seq)
    #expect(chain.check(seq: 1, prevHash: "sha256:" + String(repeating: "1", count: 64)) == .prevHash)
    #expect(chain.check(seq: 1, prevHash: nil) == .prevHash)
    let hash = AuditSchema.sha256(Array("line one".utf8))
    chain.advance(lineHash: hash, isCheckpoint: false)
    #expect(chain.check(seq: 2, prevHash: "sha256:" + AuditSchema.hex(hash)) == nil)
    #expect(chain.check(seq: 2, prevHash: AuditSchema.genesisHash) == .prevHash)
    #expect(chain.tree.count == 1 && chain.recordsInTree == 1)
    #expect(chain.tree.root == MerkleTree.root(leaves: [hash]))
  }

  @Test func resumeReadsTheLastLinesSeqAndRefusesALineWithout() {
    var chain = HashChain()
    let line = Array("{\"schema\":\"glassbox-audit/1\",\"seq\":41,\"prev_hash\":\"x\",\"type\":\"explanation\"}".utf8)
    let resumed = chain.resume(after: line)
    #expect(resumed)
    #expect(chain.head == ChainHead(nextSeq: 42, lastHash: AuditSchema.sha256(line)))
    let resumedAfterText = chain.resume(after: Array("not json".utf8))
    #expect(!resumedAfterText)
    let resumedEmpty = chain.resume(after: nil)
    #expect(resumedEmpty)
    #expect(chain.head == .empty)
  }
}
