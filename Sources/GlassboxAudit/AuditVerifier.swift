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
    /// An external checkpoint covers more lines than the log has, or other lines.
    case truncated
    /// base + Σφ differs from the prediction (semantic).
    case additivity
    /// A sensitive input value is stored in clear (semantic).
    case sensitiveInClear = "sensitive-in-clear"

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

  /// True when nothing is wrong.
  public var isIntact: Bool { failure == nil && semanticFailure == nil }
}

/// Checks a log's hash chain, seq order, checkpoints and record content.
///
/// The check reads the stored bytes and never re-serializes a record. Checks per line:
/// a line end; a JSON object with the known `schema`; `seq` equal to the line number;
/// `prev_hash` equal to SHA-256 of the previous line (the genesis value for the first);
/// for records, additivity |base + Σφ − prediction| ≤ tolerance × max(1, |prediction|,
/// |base| + Σ|φ|) with the record's `additivity_tolerance` (1e-9 for exact methods in
/// double, 1e-5 for float32 models, 1e-6 for sampled ones; checked when the record says its
/// attributions are additive), at most four reasons, and no sensitive
/// value in clear; for checkpoints, the counts, the RFC 6962 root, and with a public key
/// the Ed25519 signature.
public enum AuditVerifier {
  /// Verifies the log file at `path`.
  /// - Parameters:
  ///   - publicKey: checks checkpoint signatures (without it, roots are still checked).
  ///   - external: a checkpoint kept outside the log: the log must still hold the lines
  ///     it covers, unchanged.
  /// - Throws: `AuditError.cannotRead` when the log cannot be read.
  /// - Complexity: O(log size) time; memory O(lines) for the duplicate check.
  public static func verify(
    path: String, publicKey: AuditPublicKey? = nil, external: Checkpoint? = nil
  ) throws(AuditError) -> VerifyReport {
    try verify(store: FileLogStore(path: path), publicKey: publicKey, external: external)
  }

  /// Verifies the log kept in `store`, reading its lines once, in order.
  /// - Throws: what the store throws when it cannot be read (`AuditError.cannotRead`).
  public static func verify(
    store: any LogStore, publicKey: AuditPublicKey? = nil, external: Checkpoint? = nil
  ) throws(AuditError) -> VerifyReport {
    var verification = LogVerification(publicKey: publicKey, external: external)
    try store.forEachStoredLine { verification.consume($0) }
    return verification.finish()
  }

  /// Verifies lines already read.
  public static func verify(lines: [LogLine], publicKey: AuditPublicKey?, external: Checkpoint?) -> VerifyReport {
    var verification = LogVerification(publicKey: publicKey, external: external)
    for line in lines where !verification.consume(line) { break }
    return verification.finish()
  }

  /// The content problem of an explanation record, if any.
  static func contentProblem(_ record: JSONObject) -> (VerifyReport.Problem, String)? {
    let fields = record["redaction"]?.object?["fields"]?.array?.compactMap(\.string) ?? []
    if let input = record["input"]?.object {
      for name in fields {
        if let value = input[name], value.object?["hmac"]?.string == nil {
          return (.sensitiveInClear, "the sensitive feature '\(name)' is stored in clear")
        }
      }
    }
    guard let attribution = record["attribution"]?.object, let base = attribution["base"]?.number,
      let phi = attribution["phi"]?.object, let prediction = record["prediction"]?.object?["value"]?.number
    else { return nil }
    if (record["reasons"]?.array?.count ?? 0) > AuditRecordBuilder.maximumReasons {
      return (.additivity, "more than \(AuditRecordBuilder.maximumReasons) reasons")
    }
    guard attribution["additive"]?.bool ?? true else { return nil }
    var sum = base
    var scale = max(1, abs(prediction), abs(base))
    for (_, value) in phi.members {
      let x = value.number ?? .nan
      sum += x
      scale += abs(x)
    }
    let explainer = record["explainer"]?.object
    let relative = explainer?["additivity_tolerance"]?.number ?? ((explainer?["exact"]?.bool ?? true) ? 1e-9 : 1e-6)
    let tolerance = relative * scale
    let gap = abs(sum - prediction)
    if !(gap <= tolerance) {
      return (.additivity, "base + Σφ = \(sum) differs from the prediction \(prediction) by \(gap) (tolerance \(tolerance))")
    }
    return nil
  }
}
