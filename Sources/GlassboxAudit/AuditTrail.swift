import GlassboxExplainers

/// The audit trail of one run: builds a record per explanation and appends them.
///
/// Feed it the explanations of each block in input order, from one thread; each call is
/// one group commit (see `AuditAppender` for the durability guarantee). Call `finish()`
/// at the end: with a signing key it writes the closing checkpoint.
public final class AuditTrail {
  public let builder: AuditRecordBuilder
  private let appender: AuditAppender
  /// The last time stamped by `record`: later records never get an earlier one.
  private var lastMilliseconds: Int64 = 0

  /// Opens the log file at `path` (created when absent).
  /// - Parameters:
  ///   - redactor: keyed hashes for sensitive values; nil omits them.
  ///   - signingKey: signs a checkpoint every `checkpointEvery` records and at the end.
  /// - Throws: `AuditError.cannotWrite`.
  public convenience init(
    path: String, context: AuditContext, redactor: Redactor? = nil, signingKey: AuditSigningKey? = nil,
    checkpointEvery: Int = 1000
  ) throws(AuditError) {
    try self.init(
      store: FileLogStore(path: path), context: context, redactor: redactor, signingKey: signingKey,
      checkpointEvery: checkpointEvery)
  }

  /// Opens the log kept in `store` for appending (see `AuditAppender`).
  /// - Throws: what the store's `openForAppend` throws.
  public init(
    store: any LogStore, context: AuditContext, redactor: Redactor? = nil, signingKey: AuditSigningKey? = nil,
    checkpointEvery: Int = 1000
  ) throws(AuditError) {
    builder = AuditRecordBuilder(context: context, redactor: redactor, tableRows: store is any DerivedTablesStore)
    appender = try AuditAppender(store: store, signingKey: signingKey, checkpointEvery: checkpointEvery)
  }

  /// Records `explanations`, in order, as one batch.
  /// - Complexity: O(records × features) plus one `fsync`.
  public func record(_ explanations: [Explanation]) throws(AuditError) {
    if explanations.isEmpty { return }
    lastMilliseconds = max(lastMilliseconds, AuditClock.nowMilliseconds())
    try appender.append(records: builder.records(explanations, milliseconds: lastMilliseconds))
  }

  /// Appends bodies built elsewhere (by `builder.bodies`, e.g. on worker threads), in order.
  public func append(bodies: [[UInt8]]) throws(AuditError) {
    try appender.append(bodies)
  }

  /// Appends records built elsewhere (by `builder.records`, e.g. on worker threads), in order.
  public func append(records: [AuditRecordBody]) throws(AuditError) {
    try appender.append(records: records)
  }

  /// Writes the closing checkpoint (when signing) and closes the log.
  public func finish() throws(AuditError) {
    try appender.close()
  }

  /// Records written so far by this trail.
  public var recordsWritten: Int { appender.recordsWritten }
  /// Checkpoints written so far by this trail.
  public var checkpointsWritten: Int { appender.checkpointsWritten }
}
