// Audit log lines: `audit verify`'s checks of every line (JSON, seq, hash chain,
// checkpoints and their signatures, with the fixture log's public key), and the records
// `audit replay` reads back. Lines are split as the file store splits them; the input
// stays in memory (a file per input is ten times slower).
import GlassboxAudit
import GlassboxData

let fixturePublicKey: AuditPublicKey = {
  do {
    return try AuditPublicKey(path: "Tests/Fixtures/audit/signed-before-log-store.key.pub")
  } catch {
    fatalError("run the fuzz targets from the repository root: \(error)")
  }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudit(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = FuzzInput.bytes(data, size)
  var lines: [LogLine] = []
  var start = 0
  while start < bytes.count {
    let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
    let end = newline ?? bytes.count
    lines.append(LogLine(number: lines.count + 1, offset: start, bytes: Array(bytes[start..<end]), isComplete: newline != nil))
    start = end + 1
  }
  _ = AuditVerifier.verify(lines: lines, publicKey: fixturePublicKey, external: nil)
  for line in lines {
    _ = HashChain.leadingSeq(of: line.bytes)
    guard let object = try? JSONParser.parse(line.bytes, path: "fuzz-input").object else { continue }
    if object["type"]?.string == "checkpoint" {
      _ = try? Checkpoint(object, path: "fuzz-input", lineNumber: line.number)
    } else {
      _ = try? RecordedExplanation(object, path: "fuzz-input", line: line.number)
    }
  }
  return 0
}
