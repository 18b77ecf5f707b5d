import GlassboxData

/// Witnessing: reading a log's current head so that it can be kept somewhere else.
public enum AuditWitness {
  /// The outcome of witnessing a log.
  public enum Outcome: Sendable {
    /// The chain is intact up to its last line; this is its head.
    case head(WitnessedHead)
    /// The chain is broken (or torn): nothing is witnessed.
    case refused(VerifyReport.Failure)
  }

  /// Verifies the chain of the log in `store` (no key, no policy) and returns its head, so
  /// that a broken log is never witnessed.
  /// - Parameter name: the log's name to record in the head.
  /// - Throws: what the store throws when it cannot be read.
  /// - Complexity: O(log size).
  public static func head(of store: any LogStore, name: String, milliseconds: Int64 = AuditClock.nowMilliseconds())
    throws(AuditError) -> Outcome
  {
    let report = try AuditVerifier.verify(store: store, policy: VerifyPolicy())
    if let failure = report.failure { return .refused(failure) }
    return .head(
      WitnessedHead(
        treeSize: report.lines, records: report.records, root: report.root, head: report.head,
        time: AuditClock.iso8601(milliseconds: milliseconds), log: name))
  }
}

extension VerifyPolicy {
  /// The features the model card at `path` marks sensitive (for `sensitiveFeatures`).
  /// - Throws: `DataError` for an unreadable or invalid card.
  public static func sensitiveFeatures(ofCardAt path: String) throws(DataError) -> Set<String> {
    Set(try ModelCard.load(path: path).features.filter(\.sensitive).map(\.name))
  }
}
