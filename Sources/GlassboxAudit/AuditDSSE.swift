import Foundation
import GlassboxData
import GlassboxSystem

/// Signed checkpoints for third parties: each checkpoint of a log as a DSSE envelope
/// (github.com/secure-systems-lab/dsse) holding an in-toto Statement v1.
///
/// The statement's subject is the head the checkpoint seals: the SHA-256 of the last line
/// it covers, named with the line and record counts; the predicate repeats the
/// checkpoint (counts, RFC 6962 root, time, key id, its own signature). The envelope is
/// signed with Ed25519 over DSSE's pre-authentication encoding
/// `PAE = "DSSEv1" SP len(type) SP type SP len(payload) SP payload` (lengths in ASCII
/// decimal), so a reviewer checks it with standard tools and the public key alone
/// (docs/audit-databases.md shows how with openssl).
public enum AuditDSSE {
  public static let payloadType = "application/vnd.in-toto+json"
  public static let predicateType = "https://glassbox.dev/audit-checkpoint/v1"

  /// DSSE's pre-authentication encoding of `payload`.
  public static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
    let type = Array(payloadType.utf8)
    return Array("DSSEv1 \(type.count) ".utf8) + type + Array(" \(payload.count) ".utf8) + payload
  }

  /// The in-toto statement for the checkpoint `checkpoint`, written at `seq` of `log`,
  /// sealing the lines whose last has SHA-256 `head`.
  public static func statement(log: String, checkpoint: Checkpoint, seq: Int, head: [UInt8]) -> [UInt8] {
    var w = JSONWriter(capacity: 512)
    w.beginObject()
    w.key("_type")
    w.string("https://in-toto.io/Statement/v1")
    w.key("subject")
    w.beginArray()
    w.beginObject()
    w.key("name")
    w.string("glassbox-audit-head:tree_size=\(checkpoint.treeSize),records=\(checkpoint.records)")
    w.key("digest")
    w.beginObject()
    w.key("sha256")
    w.string(AuditSchema.hex(head))
    w.endObject()
    w.endObject()
    w.endArray()
    w.key("predicateType")
    w.string(predicateType)
    w.key("predicate")
    w.beginObject()
    w.key("log")
    w.string(log)
    w.key("tree_size")
    w.int(checkpoint.treeSize)
    w.key("records")
    w.int(checkpoint.records)
    w.key("root")
    w.string("sha256:" + AuditSchema.hex(checkpoint.root))
    w.key("time")
    w.string(checkpoint.time)
    w.key("key_id")
    w.string(checkpoint.keyID)
    w.key("checkpoint_seq")
    w.int(seq)
    w.key("checkpoint_signature")
    w.string("ed25519:" + Data(checkpoint.signature).base64EncodedString())
    w.endObject()
    w.endObject()
    return w.bytes
  }

  /// One DSSE envelope (a JSON line without `\n`) for `statement`, signed by `key`.
  public static func envelope(statement: [UInt8], key: AuditSigningKey) -> [UInt8] {
    let signature = key.sign(pae(payloadType: payloadType, payload: statement))
    var w = JSONWriter(capacity: statement.count * 2)
    w.beginObject()
    w.key("payloadType")
    w.string(payloadType)
    w.key("payload")
    w.string(Data(statement).base64EncodedString())
    w.key("signatures")
    w.beginArray()
    w.beginObject()
    w.key("keyid")
    w.string(key.publicKey.keyID)
    w.key("sig")
    w.string(Data(signature).base64EncodedString())
    w.endObject()
    w.endArray()
    w.endObject()
    return w.bytes
  }

  /// The envelopes of every checkpoint of the log in `store`, one JSON line each, after
  /// verifying the log with `key`'s public key (every checkpoint must be signed by it;
  /// records after the last checkpoint are allowed and not covered).
  /// - Throws: `AuditError.cannotUse` when the log does not verify or has no checkpoint.
  /// - Complexity: O(log size).
  public static func export(store: any LogStore, key: AuditSigningKey) throws(AuditError) -> [UInt8] {
    let report = try AuditVerifier.verify(
      store: store, policy: VerifyPolicy(publicKey: key.publicKey, allowUnsealedTail: true))
    if let failure = report.failure ?? report.semanticFailure {
      throw .cannotUse(path: store.location, problem: "it does not verify with this key's public key: \(failure.message)")
    }
    var out: [UInt8] = []
    var previousHash: [UInt8] = []
    var failure: AuditError?
    try store.forEachStoredLine { line in
      defer { previousHash = AuditSchema.sha256(line.bytes) }
      guard HashChain.isCheckpoint(line.bytes) else { return true }
      do throws(AuditError) {
        guard let object = try? JSONParser.parse(line.bytes, path: store.location).object else {
          throw .malformedLine(path: store.location, line: line.number, problem: "not JSON")
        }
        let checkpoint = try Checkpoint(object, path: store.location, lineNumber: line.number)
        out += envelope(statement: statement(log: store.location, checkpoint: checkpoint, seq: line.number, head: previousHash), key: key)
        out.append(UInt8(ascii: "\n"))
        return true
      } catch {
        failure = error
        return false
      }
    }
    if let failure { throw failure }
    if out.isEmpty { throw .cannotUse(path: store.location, problem: "it holds no checkpoint; write with --sign-key to make some") }
    return out
  }
}
