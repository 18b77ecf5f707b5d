import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxTestSupport
import Testing

@Suite("DSSE export: in-toto statements over checkpoints, signed over the PAE")
struct AuditDSSETests {
  @Test func thePAEIsTheSpecsExample() {
    // The DSSE specification's worked example: type "http://example.com/HelloWorld", body "hello world".
    let pae = AuditDSSE.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
    #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
  }

  @Test func eachCheckpointBecomesAnEnvelopeWhoseSignatureAndSubjectCheck() throws {
    let dir = try TemporaryDirectory()
    let key = AuditSigningKey()
    let path = try writeLog(in: dir, count: 7, signingKey: key, checkpointEvery: 3)
    let lines = try logLines(path)
    let out = try AuditDSSE.export(store: FileLogStore(path: path), key: key)
    let envelopes = out.split(separator: UInt8(ascii: "\n")).map { Array($0) }
    #expect(envelopes.count == 3)  // after records 3 and 6, and the closing one
    for (k, bytes) in envelopes.enumerated() {
      let envelope = try #require(try JSONParser.parse(bytes, path: "").object)
      let payload = try #require(envelope["payload"]?.string.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) })
      let signature = try #require(
        envelope["signatures"]?.array?.first?.object?["sig"]?.string.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) })
      // The PAE spelled out here, not by AuditDSSE.
      let type = "application/vnd.in-toto+json"
      let pae = Array("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8) + payload
      #expect(key.publicKey.isValid(signature, for: pae))
      #expect(!AuditSigningKey().publicKey.isValid(signature, for: pae))
      let statement = try #require(try JSONParser.parse(payload, path: "").object)
      let predicate = try #require(statement["predicate"]?.object)
      let size = try #require(predicate["tree_size"]?.number.map(Int.init))
      let expectedSizes = [3, 7, 9]  // lines before each checkpoint
      #expect(size == expectedSizes[k])
      let digest = statement["subject"]?.array?.first?.object?["digest"]?.object?["sha256"]?.string
      #expect(digest == AuditSchema.sha256Hex(lines[size - 1]))
      let records = lines[..<size].filter { !HashChain.isCheckpoint($0) }.count
      #expect(predicate["records"]?.number == Double(records))
    }
  }

  @Test func aLogWithoutCheckpointsOrSignedByAnotherKeyIsRefused() throws {
    let dir = try TemporaryDirectory()
    let unsigned = try writeLog(in: dir, name: "unsigned.log", count: 3)
    #expect(throws: AuditError.self) { try AuditDSSE.export(store: FileLogStore(path: unsigned), key: AuditSigningKey()) }
    let signed = try writeLog(in: dir, name: "signed.log", count: 3, signingKey: AuditSigningKey())
    #expect(throws: AuditError.self) { try AuditDSSE.export(store: FileLogStore(path: signed), key: AuditSigningKey()) }
  }
}
