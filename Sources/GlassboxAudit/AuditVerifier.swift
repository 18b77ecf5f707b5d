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
  /// - Parameters:
  ///   - publicKey: checks checkpoint signatures (without it, roots are still checked).
  ///   - external: a checkpoint kept outside the log: the log must still hold the lines
  ///     it covers, unchanged.
  /// - Throws: `AuditError.cannotRead` when the log cannot be read.
  /// - Complexity: O(log size) time and memory.
  public static func verify(
    path: String, publicKey: AuditPublicKey? = nil, external: Checkpoint? = nil
  ) throws(AuditError) -> VerifyReport {
    verify(lines: try LogFile.readLines(path: path), publicKey: publicKey, external: external)
  }

  /// Verifies lines already read.
  public static func verify(lines: [LogLine], publicKey: AuditPublicKey?, external: Checkpoint?) -> VerifyReport {
    var report = VerifyReport()
    var frontier = MerkleFrontier()
    var previous: [UInt8]? = nil
    var seen: [[UInt8]: Int] = [:]
    var recordsAtLastCheckpoint = 0
    var externalChecked = false
    let claimed = lines.map { line -> Int? in LogFile.leadingSeq(of: line.bytes) }

    func fail(_ problem: VerifyReport.Problem, _ seq: Int?, _ message: String) {
      report.failure = VerifyReport.Failure(problem: problem, seq: seq, message: message)
    }

    for line in lines {
      let p = line.number
      guard line.isComplete else {
        fail(.torn, p, "seq \(p): the last line is incomplete (\(line.bytes.count) bytes, no line end): a write was cut short; "
          + "'glassbox audit repair' removes it and keeps a backup")
        break
      }
      guard let object = try? JSONParser.parse(line.bytes, path: "").object,
        object["schema"]?.string == AuditSchema.name,
        let seq = object["seq"]?.number.flatMap({ Int(exactly: $0) }), seq == claimed[p - 1]
      else {
        fail(.malformed, p, "seq \(p): line \(p) is not an audit record (changed or corrupted)")
        break
      }
      let hash = AuditSchema.sha256(line.bytes)
      if seq != p {
        if let earlier = seen[hash] {
          fail(.duplicated, p, "seq \(p): line \(p) is a copy of line \(earlier) (seq \(seq))")
        } else if seq < p {
          fail(.inserted, seq, "seq \(seq): claimed twice (lines \(seq) and \(p)): a record was inserted")
        } else if claimed[p...].contains(p) {
          let distinct = Set(claimed.compactMap { $0 }).count
          if distinct < lines.count {
            fail(.inserted, p, "seq \(p): line \(p) holds seq \(seq): a record was inserted")
          } else {
            fail(.reordered, p, "seq \(p): out of order (line \(p) holds seq \(seq); seq \(p) comes later)")
          }
        } else {
          let missing = seq - 1 == p ? "seq \(p) is" : "seqs \(p) to \(seq - 1) are"
          fail(.deleted, p, "seq \(p): deleted (\(missing) missing; line \(p) holds seq \(seq))")
        }
        break
      }
      let expected = previous.map { "sha256:" + AuditSchema.hex($0) } ?? AuditSchema.genesisHash
      if object["prev_hash"]?.string != expected {
        if p == 1 {
          fail(.changed, 1, "seq 1: changed (its prev_hash is not the genesis value)")
        } else {
          fail(.changed, p - 1, "seq \(p - 1): changed (its SHA-256 no longer matches the prev_hash of seq \(p), or that was changed)")
        }
        break
      }
      switch object["type"]?.string {
      case "explanation":
        report.records += 1
        if report.semanticFailure == nil, let problem = contentProblem(object) {
          report.semanticFailure = VerifyReport.Failure(problem: problem.0, seq: p, message: "seq \(p): " + problem.1)
        }
      case "checkpoint":
        report.checkpoints += 1
        guard let checkpoint = try? Checkpoint(object, path: "", lineNumber: p) else {
          fail(.malformed, p, "seq \(p): malformed checkpoint")
          break
        }
        if checkpoint.treeSize != p - 1 || checkpoint.records != report.records || checkpoint.root != frontier.root {
          fail(.checkpoint, p, "seq \(p): the checkpoint does not match the \(p - 1) lines before it")
          break
        }
        if let publicKey {
          guard checkpoint.keyID == publicKey.keyID, publicKey.isValid(checkpoint.signature, for: checkpoint.message) else {
            fail(.signature, p, "seq \(p): the checkpoint's signature is not valid for the public key \(publicKey.keyID)")
            break
          }
          report.signaturesChecked += 1
        }
        recordsAtLastCheckpoint = report.records
      default:
        fail(.malformed, p, "seq \(p): unknown record type")
      }
      if report.failure != nil { break }
      frontier.append(hash)
      seen[hash] = p
      previous = hash
      report.lines = p
      if let external, frontier.count == external.treeSize {
        externalChecked = true
        if let problem = externalProblem(external, root: frontier.root, records: report.records, publicKey: publicKey) {
          fail(.truncated, nil, problem)
          break
        }
      }
    }
    if report.failure == nil, let external {
      if external.treeSize == 0, let problem = externalProblem(external, root: MerkleFrontier().root, records: 0, publicKey: publicKey) {
        fail(.truncated, nil, problem)
      } else if !externalChecked && external.treeSize > 0 {
        fail(.truncated, report.lines + 1, "seq \(report.lines + 1): missing: the external checkpoint covers \(external.treeSize) lines, "
          + "the log has \(report.lines): its tail was removed")
      }
    }
    if report.failure == nil {
      if report.checkpoints > 0 && publicKey == nil {
        report.notes.append("checkpoint signatures not checked: give --public-key")
      }
      if publicKey != nil && report.checkpoints == 0 && report.records > 0 {
        fail(.signature, nil, "no signed checkpoint in the log")
      } else if report.checkpoints > 0 && report.records > recordsAtLastCheckpoint {
        report.notes.append("\(report.records - recordsAtLastCheckpoint) record(s) after the last checkpoint are not covered by a signature")
      }
    }
    return report
  }

  private static func externalProblem(
    _ external: Checkpoint, root: [UInt8], records: Int, publicKey: AuditPublicKey?
  ) -> String? {
    if let publicKey {
      guard external.keyID == publicKey.keyID, publicKey.isValid(external.signature, for: external.message) else {
        return "the external checkpoint's signature is not valid for the public key \(publicKey.keyID)"
      }
    }
    if root != external.root || records != external.records {
      return "the first \(external.treeSize) lines differ from the external checkpoint: the log was rewritten"
    }
    return nil
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
