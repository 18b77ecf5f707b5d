/// Removes a torn last line from a log, after saving the whole file.
///
/// Repair touches nothing else: it refuses when the lines before the torn one do not
/// form a valid chain, because that is tampering or corruption that a person must look
/// at. It holds the writers' lock, so it can run while other processes append.
public enum AuditRepair {
  /// What `repair` did.
  public struct Outcome: Sendable, Equatable {
    /// Bytes removed from the end of the log (0 when nothing needed repair).
    public var removedBytes: Int
    /// The seq the torn line would have had.
    public var seq: Int?
    /// The copy of the log as it was before the repair.
    public var backupPath: String?
  }

  /// Repairs the log file at `path`.
  /// - Returns: nothing removed when the log ends with a whole line.
  /// - Throws: `AuditError.notRepairable` when the chain before the torn line is broken;
  ///   `.cannotRead`/`.cannotWrite` for I/O failures (the log is then unchanged).
  /// - Complexity: O(log size): the log is verified and copied.
  public static func repair(path: String) throws(AuditError) -> Outcome {
    try repair(store: FileLogStore(path: path))
  }

  /// Repairs the log kept in `store` (see `LogStore.removeTornTail`).
  public static func repair(store: any LogStore) throws(AuditError) -> Outcome {
    var tornLine = 0
    let removal = try store.removeTornTail { () throws(AuditError) in
      // Verify every whole line; the torn one is the last.
      var verification = LogVerification(publicKey: nil, external: nil)
      try store.forEachStoredLine { line in
        guard line.isComplete else {
          tornLine = line.number
          return false
        }
        return verification.consume(line)
      }
      if let failure = verification.finish().failure {
        throw .notRepairable(
          path: store.location,
          problem: "the log is damaged before its torn last line (\(failure.message)); repair only removes a torn last line")
      }
    }
    guard let removal else { return Outcome(removedBytes: 0, seq: nil, backupPath: nil) }
    return Outcome(removedBytes: removal.removedBytes, seq: tornLine, backupPath: removal.backup)
  }
}
