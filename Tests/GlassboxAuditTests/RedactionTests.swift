import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxTestSupport
import Testing

@Suite("Privacy: sensitive values never in clear")
struct RedactionTests {
  /// A value no other part of a record can produce by chance.
  private let plantedAge = 61.987654321

  private func logBytes(in dir: TemporaryDirectory, redactor: Redactor?) throws -> ([UInt8], String) {
    let path = dir.file("audit.log")
    let trail = try AuditTrail(path: path, context: auditContext(), redactor: redactor)
    try trail.record([sampleExplanation(row: 0, age: plantedAge), sampleExplanation(row: 1, age: plantedAge)])
    try trail.finish()
    return ([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path)
  }

  @Test func omittedByDefault() throws {
    let dir = try TemporaryDirectory()
    let (bytes, path) = try logBytes(in: dir, redactor: nil)
    #expect(!bytes.contains(bytes: Array("61.98".utf8)))
    #expect(!bytes.contains(bytes: Array("\"Male\"".utf8)) && !bytes.contains(bytes: Array("\"Female\"".utf8)))
    let record = try #require(RecordedExplanation.readAll(path: path).first)
    #expect(record.inputs["age"] == nil && record.inputs["sex"] == nil)
    #expect(record.inputs["income"] == .number(50_000))
    #expect(record.redactedFields == ["sex", "age"])
    #expect(record.redactionMethod == "omit")
    #expect(try AuditVerifier.verify(path: path).isIntact)
  }

  @Test func hashedWithAKey() throws {
    let redactor = Redactor(key: Array("0123456789abcdef0123456789abcdef".utf8))
    let dir = try TemporaryDirectory()
    let (bytes, path) = try logBytes(in: dir, redactor: redactor)
    #expect(!bytes.contains(bytes: Array("61.98".utf8)))
    #expect(!bytes.contains(bytes: Array("\"Male\"".utf8)) && !bytes.contains(bytes: Array("\"Female\"".utf8)))
    let records = try RecordedExplanation.readAll(path: path)
    let age = try #require(records[0].inputs["age"]?.object?["hmac"]?.string)
    #expect(age == redactor.hash(feature: "age", value: "61.987654321"))
    #expect(records[1].inputs["age"]?.object?["hmac"]?.string == age)  // equal values, equal hashes
    #expect(records[0].inputs["sex"]?.object?["hmac"]?.string == redactor.hash(feature: "sex", value: "Female"))
    #expect(records[1].inputs["sex"]?.object?["hmac"]?.string == redactor.hash(feature: "sex", value: "Male"))
    #expect(records[0].redactionKeyID == redactor.keyID)
    // Another key gives other hashes, and the recorded inputs check against the data with the right key only.
    let other = Redactor(key: Array("another key of 32 bytes........!".utf8))
    #expect(other.hash(feature: "age", value: "61.987654321") != age)
    let row = [50_000.0, 0, plantedAge]
    #expect(records[0].inputMismatch(row, schema: auditSchema(), redactor: redactor) == nil)
    #expect(records[0].inputMismatch([50_000, 0, 62], schema: auditSchema(), redactor: redactor) == "age")
  }

  @Test func hmacIsKeyedSHA256OfFeatureZeroValue() {
    // Reference from Python: hmac.new(b"Jefe", b"age\x0039", hashlib.sha256).hexdigest()
    let redactor = Redactor(key: Array("Jefe".utf8))
    #expect(redactor.hash(feature: "age", value: "39") == "2b9214594e2e8b25f04ff00f5449aa0aa995eed05dfbea7aae9c24effd5f3730")
  }

  @Test func verifyFlagsASensitiveValueInClear() throws {
    let dir = try TemporaryDirectory()
    let (_, path) = try logBytes(in: dir, redactor: nil)
    var lines = try logLines(path)
    let text = String(decoding: lines[1], as: UTF8.self)
    lines[1] = Array(text.replacingOccurrences(of: "\"input\":{", with: "\"input\":{\"age\":61,").utf8)
    let tampered = dir.file("clear.log")
    try writeLines(lines, to: tampered)
    let report = try AuditVerifier.verify(path: tampered)
    #expect(report.semanticFailure?.problem == .sensitiveInClear)
    #expect(report.semanticFailure?.seq == 2)
  }

  @Test func redactionKeyFiles() throws {
    let dir = try TemporaryDirectory()
    try AuditKeyFile.generateRedactionKey(path: dir.file("r"))
    let a = try Redactor(path: dir.file("r"))
    let b = try Redactor(path: dir.file("r"))
    #expect(a.keyID == b.keyID && a.hash(feature: "age", value: "39") == b.hash(feature: "age", value: "39"))
    let short = try dir.write("short", "tiny")
    chmod(short, 0o600)
    #expect(throws: AuditError.self) { try Redactor(path: short) }
  }
}
