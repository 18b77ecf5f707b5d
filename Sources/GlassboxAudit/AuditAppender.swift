/// Appends records to an audit log so that any number of writers keep one hash chain.
///
/// The chain (`HashChain`) makes the lines; the store (`LogStore`) keeps them. Per batch:
/// 1. the store takes the writers' lock and reads the end of the log: the last line's
///    `seq` and SHA-256 continue the chain; a torn last line stops the writer with
///    `AuditError.tornTail`;
/// 2. with a signing key, lines other writers appended since this appender last looked
///    are added to the Merkle tree (the whole log the first time);
/// 3. the lines go to the store about 1 MiB at a time, whole lines only; with a signing
///    key a signed checkpoint follows every `checkpointEvery` records of this appender;
/// 4. the store makes the batch durable and unlocks.
///
/// Durability: when `append` returns, its records are on stable storage (group commit).
/// A crash before that loses at most the batch in flight, and can leave its last line
/// torn; `verify` reports that line and `repair` removes it, keeping a backup. A failed
/// write leaves the log ending with a whole line. See `FileLogStore` for the file store.
public final class AuditAppender {
  /// Where the lines go.
  public let store: any LogStore
  private let signingKey: AuditSigningKey?
  private var chain: HashChain
  /// The store position up to which `chain.tree` holds every line (signing only).
  private var treePosition: LogPosition?
  /// Records (not checkpoints) this appender has written.
  public private(set) var recordsWritten = 0
  /// Checkpoints this appender has written.
  public private(set) var checkpointsWritten = 0
  private var closed = false
  /// Lines chained but not yet handed to the store.
  private var pending: [UInt8] = []
  /// For a store that keeps query tables: the rows of each pending line, nil where the
  /// store derives them from the line.
  private var pendingRows: [AuditTableRows?] = []
  private let tablesStore: (any DerivedTablesStore)?
  private static let flushThreshold = 1 << 20

  /// The log file's path, for a file store; otherwise the store's location.
  public var path: String { store.location }

  /// Opens (or creates, mode 0640) the log file at `path` for appending.
  /// - Throws: `AuditError.cannotWrite`.
  public convenience init(path: String, signingKey: AuditSigningKey? = nil, checkpointEvery: Int = 1000) throws(AuditError) {
    try self.init(store: FileLogStore(path: path), signingKey: signingKey, checkpointEvery: checkpointEvery)
  }

  /// Opens `store` for appending (`openForAppend`).
  /// - Parameters:
  ///   - signingKey: signs a checkpoint every `checkpointEvery` records and at `close()`.
  ///   - checkpointEvery: records between checkpoints (at least 1).
  /// - Throws: what the store's `openForAppend` throws (`AuditError.cannotWrite`).
  public init(store: any LogStore, signingKey: AuditSigningKey? = nil, checkpointEvery: Int = 1000) throws(AuditError) {
    precondition(checkpointEvery >= 1, "checkpointEvery must be at least 1")
    self.store = store
    tablesStore = store as? any DerivedTablesStore
    self.signingKey = signingKey
    chain = HashChain(checkpointEvery: signingKey == nil ? nil : checkpointEvery)
    try store.openForAppend()
  }

  deinit {
    if !closed { store.close() }
  }

  /// Appends one record per body (from `AuditRecordBuilder.body`), in order.
  /// - Throws: `AuditError.tornTail` when the log ends in a torn line,
  ///   `.malformedLine` when its last line is not a record, `.cannotWrite`.
  /// - Complexity: O(total bytes written), plus, with a signing key, reading what other
  ///   writers appended since this appender last looked (the whole log the first time).
  public func append(_ bodies: [[UInt8]]) throws(AuditError) {
    try append(records: bodies.map { AuditRecordBody(body: $0, tableRows: nil) })
  }

  /// Appends records (from `AuditRecordBuilder.records`), in order; a store that keeps
  /// query tables takes their rows as built instead of deriving them from the lines.
  /// - Throws: as `append(_:)`.
  public func append(records: [AuditRecordBody]) throws(AuditError) {
    if records.isEmpty { return }
    try batch { () throws(AuditError) in
      for record in records {
        if pending.count + chain.lineLength(bodyCount: record.body.count) > Self.flushThreshold { try flush() }
        let previous = chain.head.lastHash
        chain.appendRecord(body: record.body, to: &pending)
        if tablesStore != nil {
          pendingRows.append(record.tableRows?.chained(prevHash: previous, hash: chain.head.lastHash))
        }
        recordsWritten += 1
        if chain.isCheckpointDue { try writeCheckpoint() }
      }
    }
  }

  /// Writes the closing checkpoint (with a signing key, when records were written since
  /// the last one) and closes the store.
  public func close() throws(AuditError) {
    guard !closed else { return }
    if chain.hasRecordsSinceCheckpoint {
      try batch { () throws(AuditError) in try writeCheckpoint() }
    }
    closed = true
    store.close()
  }

  /// One batch under the store's lock: continue the chain from the log's end, run
  /// `body`, hand over what it chained, commit.
  private func batch(_ body: () throws(AuditError) -> Void) throws(AuditError) {
    let tail = try store.beginAppend()
    do throws(AuditError) {
      if tail.isTorn {
        // Name the seq the torn line would have had.
        throw AuditError.tornTail(path: store.location, seq: (tail.lastLine.flatMap(HashChain.seq(of:)) ?? 0) + 1)
      }
      guard chain.resume(after: tail.lastLine) else {
        throw AuditError.malformedLine(path: store.location, line: 0, problem: "the last line has no seq")
      }
      if chain.tracksTree, treePosition != tail.end {
        try store.forEachLine(from: treePosition, to: tail.end) { chain.include(storedLine: $0) }
        treePosition = tail.end
      }
      pending.removeAll(keepingCapacity: true)
      pendingRows.removeAll(keepingCapacity: true)
      try body()
      try flush()
    } catch {
      store.abandonAppend()
      throw error
    }
    try store.commitAppend()
  }

  private func writeCheckpoint() throws(AuditError) {
    guard let signingKey else { return }
    let checkpoint = chain.checkpoint(milliseconds: AuditClock.nowMilliseconds(), key: signingKey)
    if pending.count + chain.lineLength(bodyCount: checkpoint.body().count) > Self.flushThreshold { try flush() }
    chain.appendCheckpoint(checkpoint, to: &pending)
    if tablesStore != nil { pendingRows.append(AuditTableRows()) }
    checkpointsWritten += 1
  }

  /// Hands the pending lines to the store. On failure the store keeps none of them, and
  /// the tree forgets them too: it is rebuilt from the store at the next batch.
  private func flush() throws(AuditError) {
    guard !pending.isEmpty else { return }
    defer {
      pending.removeAll(keepingCapacity: true)
      pendingRows.removeAll(keepingCapacity: true)
    }
    do {
      let end: LogPosition
      if let tablesStore { end = try tablesStore.write(pending, tableRows: pendingRows) } else { end = try store.write(pending) }
      if chain.tracksTree { treePosition = end }
    } catch {
      chain.forgetTree()
      treePosition = nil
      throw error
    }
  }
}
