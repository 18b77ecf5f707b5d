/// What `AuditCopy.copy` did and proved.
public struct AuditCopyOutcome: Sendable {
  /// Lines copied (records and checkpoints).
  public var lines: Int
  public var records: Int
  public var checkpoints: Int
  /// SHA-256 of the last line, and the RFC 6962 root over all lines: the same in both stores.
  public var head: [UInt8]
  public var root: [UInt8]
}

/// Moves a trail from one store to another (`glassbox audit copy SRC DST`), byte for byte.
public enum AuditCopy {
  /// Verifies `source`, copies its lines into the empty `destination` in one batch, then
  /// verifies `destination` and compares: same lines, same head hash, same Merkle root.
  /// - Throws: `AuditError.cannotUse` when the source's chain is broken, the
  ///   destination already holds lines, or the copy does not verify the same; what the
  ///   stores throw.
  /// A write that fails midway can leave a prefix of the source in `destination`, whole and
  /// chained; the error says so.
  /// - Complexity: O(log size) time and memory (the lines are held while written).
  public static func copy(from source: any LogStore, to destination: any LogStore) throws(AuditError) -> AuditCopyOutcome {
    let before = try AuditVerifier.verify(store: source, policy: VerifyPolicy())
    if let failure = before.failure {
      throw .cannotUse(path: destination.location, problem: "the source's chain is broken (\(failure.message)); nothing was copied")
    }
    var lines: [[UInt8]] = []
    try source.forEachStoredLine { line in
      lines.append(line.bytes)
      return true
    }
    try destination.openForAppend()
    defer { destination.close() }
    let tail = try destination.beginAppend()
    guard tail.lastLine == nil else {
      destination.abandonAppend()
      throw .cannotUse(path: destination.location, problem: "it already holds lines; copy into an empty log")
    }
    do throws(AuditError) {
      var pending: [UInt8] = []
      for line in lines {
        pending += line
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= 1 << 20 {
          _ = try destination.write(pending)
          pending.removeAll(keepingCapacity: true)
        }
      }
      if !pending.isEmpty { _ = try destination.write(pending) }
    } catch {
      destination.abandonAppend()
      throw error
    }
    try destination.commitAppend()
    let after = try AuditVerifier.verify(store: destination, policy: VerifyPolicy())
    guard after.failure == nil, after.lines == before.lines, after.head == before.head, after.root == before.root else {
      throw .cannotUse(
        path: destination.location,
        problem: "the copy does not verify the same as the source (\(after.failure?.message ?? "other head or root"))")
    }
    return AuditCopyOutcome(
      lines: after.lines, records: after.records, checkpoints: after.checkpoints, head: after.head, root: after.root)
  }
}
