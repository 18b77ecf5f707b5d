import GlassboxData

/// The outcome of verifying a log.
public struct VerifyReport: Sendable {
  /// What is wrong with a log.
  public enum Problem: String, Sendable {
    /// A record's bytes differ from what the next record's `prev_hash` committed to.
    case changed
    /// A seq is missing.
    case deleted
    /// A line that was never written by the chain sits in it.
    case inserted
    /// A line repeats an earlier line byte for byte.
    case duplicated
    /// Records are out of seq order.
    case reordered
    /// The last line has no line end: a write was cut short.
    case torn
    /// A line is not an audit record.
    case malformed
    /// A checkpoint's root or counts do not match the lines before it.
    case checkpoint
    /// A checkpoint's signature is invalid or from another key.
    case signature
    /// An external checkpoint, witnessed head, head hash or expected count covers more than
    /// the log holds: lines were removed from its end.
    case truncated
    /// A witnessed head is not a prefix of the log (its RFC 6962 consistency proof fails).
    case witness
    /// With a public key: the log is empty, has no valid checkpoint, or records follow
    /// the last one.
    case unsealed
    /// A `record_id` repeats an earlier record's: a record was replayed.
    case duplicateRecordID = "duplicate-record-id"
    /// A writer's record is older than that writer's previous record.
    case timeOrder = "time-order"
    /// base + Σφ differs from the prediction (semantic).
    case additivity
    /// A sensitive input value is stored in clear (semantic).
    case sensitiveInClear = "sensitive-in-clear"
    /// A database store's query tables (`records`, `attributions`, `reason_codes`) differ
    /// from what its chained lines say: a row was changed, added or removed in SQL.
    case tables

    /// Integrity problems mean the log was altered or damaged; the others are about content.
    public var isIntegrity: Bool { self != .additivity && self != .sensitiveInClear }
  }

  /// The first problem found.
  public struct Failure: Sendable, Equatable {
    public var problem: Problem
    /// The first bad seq, when the problem can be placed.
    public var seq: Int?
    public var message: String
  }

  /// Lines read (records and checkpoints).
  public var lines = 0
  /// Explanation records among them.
  public var records = 0
  public var checkpoints = 0
  /// Checkpoint signatures checked with a public key.
  public var signaturesChecked = 0
  /// The first integrity failure (verification stops there).
  public var failure: Failure?
  /// The first content failure (verification goes on past it).
  public var semanticFailure: Failure?
  /// Remarks that are not failures.
  public var notes: [String] = []

  /// The last checkpoint of the log, as far as verification got.
  public struct Seal: Sendable, Equatable {
    /// The checkpoint's line.
    public var seq: Int
    /// Explanation records before it.
    public var records: Int
    public var keyID: String
    public var time: String
    /// True when its signature was checked with a public key.
    public var signatureChecked: Bool
  }

  /// The last checkpoint (nil when there is none).
  public var lastSeal: Seal?
  /// Explanation records after the last checkpoint (all records when there is none).
  public var unsealedRecords = 0
  /// The RFC 6962 root over every line read, and the SHA-256 of the last (empty when none).
  public var root: [UInt8] = []
  public var head: [UInt8] = []
  /// Witnessed heads proven to be prefixes of the log.
  public var witnessesProven = 0
  /// The line holding `VerifyPolicy.head`, when it was given and found.
  public var headFoundAt: Int?
  /// Records that carry no `writer` (written before writers were named): their time order
  /// per writer cannot be checked.
  public var recordsWithoutWriter = 0
  /// Records read from standard input that carry no hash of it (written before inputs that
  /// can be read only once were hashed).
  public var recordsWithoutInputHash = 0
  /// Whether a model card judged the sensitive features.
  public var judgedByCard = false

  /// True when nothing is wrong.
  public var isIntact: Bool { failure == nil && semanticFailure == nil }
}

/// Checks a log's hash chain, seq order, checkpoints and records, under a `VerifyPolicy`.
///
/// The check reads the stored bytes and never re-serializes a record. Checks per line:
/// a line end; a JSON object with the known `schema`; `seq` equal to the line number;
/// `prev_hash` equal to SHA-256 of the previous line (the genesis value for the first);
/// for records, a `record_id` no earlier record has, a `time` not before the previous
/// record of the same `writer`, and the content rules of `RecordContentPolicy`; for
/// checkpoints, the counts, the RFC 6962 root, and with a public key the Ed25519 signature.
/// At the end, the policy's outside facts (seal, witnessed heads, head hash, counts).
public enum AuditVerifier {
  /// Verifies the log file at `path`.
  /// - Parameters:
  ///   - publicKey: checkpoint signatures must be valid for it, and the log sealed by it.
  ///   - external: a checkpoint kept outside the log: the log must still hold the lines
  ///     it covers, unchanged.
  /// - Throws: `AuditError.cannotRead` when the log cannot be read.
  /// - Complexity: O(log size) time; memory O(lines) for the duplicate checks.
  public static func verify(
    path: String, publicKey: AuditPublicKey? = nil, external: Checkpoint? = nil
  ) throws(AuditError) -> VerifyReport {
    try verify(store: FileLogStore(path: path), policy: VerifyPolicy(publicKey: publicKey, external: external))
  }

  /// Verifies the log kept in `store`, reading its lines once, in order.
  /// - Throws: what the store throws when it cannot be read (`AuditError.cannotRead`).
  public static func verify(
    store: any LogStore, publicKey: AuditPublicKey? = nil, external: Checkpoint? = nil
  ) throws(AuditError) -> VerifyReport {
    try verify(store: store, policy: VerifyPolicy(publicKey: publicKey, external: external))
  }

  /// Verifies the log kept in `store` under `policy`, reading its lines once, in order.
  /// - Throws: what the store throws when it cannot be read (`AuditError.cannotRead`).
  /// - Complexity: O(log size) time; with witnessed heads, O(lines) hashes once (the tree's
  ///   levels) and O(log² lines) per head.
  public static func verify(store: any LogStore, policy: VerifyPolicy) throws(AuditError) -> VerifyReport {
    var verification = LogVerification(policy: policy)
    guard let tables = store as? any DerivedTablesStore else {
      try store.forEachStoredLine { verification.consume($0) }
      return verification.finish()
    }
    var tablesCheck = DerivedTablesCheck(store: tables)
    var tablesFailure: AuditError?
    try store.forEachStoredLine { line in
      do throws(AuditError) {
        try tablesCheck.add(line)
      } catch {
        tablesFailure = error
        return false
      }
      return verification.consume(line)
    }
    if let tablesFailure { throw tablesFailure }
    var report = verification.finish()
    if report.failure == nil, let mismatch = try tablesCheck.finish() {
      report.failure = VerifyReport.Failure(
        problem: .tables, seq: mismatch.seq,
        message: "seq \(mismatch.seq): the \(mismatch.table) rows differ from its chained line (changed, added or removed in SQL)")
    }
    return report
  }

  /// Verifies lines already read.
  public static func verify(lines: [LogLine], publicKey: AuditPublicKey?, external: Checkpoint?) -> VerifyReport {
    var verification = LogVerification(policy: VerifyPolicy(publicKey: publicKey, external: external))
    for line in lines where !verification.consume(line) { break }
    return verification.finish()
  }
}
