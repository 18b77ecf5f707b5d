import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxTestSupport
import Testing

/// What an attacker who can write the log (but holds no trusted key) does after an edit:
/// recompute every `seq` and `prev_hash`, and drop the checkpoints or re-sign them with a
/// key of their own. Built on the chain's public API, as anyone could.
enum Attacker {
  /// The body of a stored line: everything after the chain members (`"type":...}`).
  static func body(of line: [UInt8]) throws -> [UInt8] {
    let marker = Array(",\"type\":".utf8)
    var k = 0
    while k + marker.count <= line.count {
      if line[k..<(k + marker.count)].elementsEqual(marker) { return Array(line[(k + 1)...]) }
      k += 1
    }
    Issue.record("no type member")
    throw CancellationError()
  }

  /// Rebuilds the chain over `lines`: records keep their bodies; checkpoints are dropped,
  /// or, with `resignWith`, replaced by ones over the rebuilt tree signed with that key.
  /// With `prefix`, the rebuilt lines continue after those untouched lines (returned too).
  static func rechain(_ lines: [[UInt8]], after prefix: [[UInt8]] = [], resignWith key: AuditSigningKey? = nil) throws -> [[UInt8]] {
    var chain = HashChain(checkpointEvery: 1_000_000)
    for line in prefix { chain.include(storedLine: line) }
    _ = chain.resume(after: prefix.last)
    var out: [UInt8] = []
    for line in lines {
      if HashChain.isCheckpoint(line) {
        if let key { chain.appendCheckpoint(chain.checkpoint(milliseconds: 1_780_000_000_000, key: key), to: &out) }
        continue
      }
      chain.appendRecord(body: try body(of: line), to: &out)
    }
    return prefix + out.split(separator: UInt8(ascii: "\n")).map(Array.init)
  }

  /// `line` with `old` replaced by `new` (which must occur).
  static func replacing(_ old: String, with new: String, in line: [UInt8]) throws -> [UInt8] {
    let text = String(decoding: line, as: UTF8.self)
    try #require(text.contains(old), "no \(old) in the line")
    return Array(text.replacingOccurrences(of: old, with: new).utf8)
  }
}

/// A signed log of 200 records written by the library: checkpoints after records 90 and
/// 180 and a closing one, so 203 lines; its witnessed head and last checkpoint are kept
/// "elsewhere" (in memory) as an auditor would.
struct SignedTourLog {
  let dir: TemporaryDirectory
  let key = AuditSigningKey()
  let lines: [[UInt8]]
  let witnessed: WitnessedHead
  let lastCheckpoint: Checkpoint

  init() throws {
    dir = try TemporaryDirectory()
    let path = try writeLog(in: dir, count: 200, signingKey: key, checkpointEvery: 90)
    lines = try logLines(path)
    guard case .head(let head) = try AuditWitness.head(of: FileLogStore(path: path), name: path) else {
      Issue.record("the fresh log was not witnessed")
      throw CancellationError()
    }
    witnessed = head
    lastCheckpoint = try Checkpoint(try #require(try JSONParser.parse(lines[202], path: "").object), path: "", lineNumber: 203)
  }

  /// Verifies `lines` (written to a file) in one mode.
  func verify(_ lines: [[UInt8]], _ mode: Mode) throws -> VerifyReport {
    let path = dir.file("tampered-\(UUID().uuidString).log")
    try writeLines(lines, to: path)
    return try AuditVerifier.verify(store: FileLogStore(path: path), policy: mode.policy(self))
  }

  /// The verification modes of the tour's table.
  enum Mode: CaseIterable {
    case plain, publicKey, witness, card

    func policy(_ log: SignedTourLog) -> VerifyPolicy {
      switch self {
      case .plain: VerifyPolicy()
      case .publicKey: VerifyPolicy(publicKey: log.key.publicKey)
      case .witness: VerifyPolicy(witnesses: [log.witnessed])
      case .card: VerifyPolicy(sensitiveFeatures: ["sex", "age"])
      }
    }
  }
}
