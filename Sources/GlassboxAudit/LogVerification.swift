import GlassboxData

/// The check of one log, fed its stored lines one at a time, in order (see `AuditVerifier`
/// for what is checked). Needs no store: `AuditVerifier.verify(store:)` feeds it.
///
/// Verification stops at the first integrity failure, with one exception: a line whose
/// `seq` is out of place is told apart as deleted, inserted or reordered by the `seq`s
/// the later lines claim, so `consume` keeps asking for lines (reading only their
/// leading `seq`) until the log ends.
public struct LogVerification {
  public let policy: VerifyPolicy
  public var publicKey: AuditPublicKey? { policy.publicKey }
  public var external: Checkpoint? { policy.external }
  var report = VerifyReport()
  var chain = HashChain.verifying()
  /// Every line's hash and the line it is on (duplicates, `--head`).
  var seen: [[UInt8]: Int] = [:]
  /// Line hashes in order, kept only when witnessed heads need consistency proofs.
  var lineHashes: [[UInt8]] = []
  /// The lines that hold checkpoints.
  var checkpointLines: [Int] = []
  private var recordsAtLastCheckpoint = 0
  private var externalChecked = false
  /// Every `record_id` and its line; each writer's last record time and line.
  private var recordIDs: [String: Int] = [:]
  private var lastTimeOfWriter: [String: (time: String, line: Int)] = [:]
  /// The first line whose `seq` is out of place, the `seq` it claims, and what the lines
  /// from it on claim (their leading `seq`s), for `finish` to name the problem.
  private var misplaced: (line: Int, seq: Int)?
  private var laterClaims: Set<Int> = []
  private var laterClaimsOfTheMisplacedSeq = false
  private var lineCount = 0

  /// - Parameters:
  ///   - publicKey: checks checkpoint signatures (without it, roots are still checked).
  ///   - external: a checkpoint kept outside the log: the log must still hold the lines
  ///     it covers, unchanged.
  public init(publicKey: AuditPublicKey?, external: Checkpoint?) {
    self.init(policy: VerifyPolicy(publicKey: publicKey, external: external))
  }

  /// Verification under `policy` (see `VerifyPolicy`).
  public init(policy: VerifyPolicy) {
    self.policy = policy
    report.judgedByCard = policy.sensitiveFeatures != nil
  }

  mutating func fail(_ problem: VerifyReport.Problem, _ seq: Int?, _ message: String) {
    report.failure = VerifyReport.Failure(problem: problem, seq: seq, message: message)
  }

  /// Checks the next line (its `number` one more than the previous line's).
  /// - Returns: false when verification needs no more lines.
  /// - Complexity: O(line length): one parse, one SHA-256.
  public mutating func consume(_ line: LogLine) -> Bool {
    lineCount = line.number
    if let misplaced {
      let claim = HashChain.leadingSeq(of: line.bytes)
      if let claim { laterClaims.insert(claim) }
      if claim == misplaced.line { laterClaimsOfTheMisplacedSeq = true }
      return true
    }
    guard report.failure == nil else { return false }
    let p = line.number
    guard line.isComplete else {
      fail(.torn, p, "seq \(p): the last line is incomplete (\(line.bytes.count) bytes, no line end): a write was cut short; "
        + "'glassbox audit repair' removes it and keeps a backup")
      return false
    }
    guard let object = try? JSONParser.parse(line.bytes, path: "").object,
      object["schema"]?.string == AuditSchema.name,
      let seq = object["seq"]?.number.flatMap({ Int(exactly: $0) }), seq == HashChain.leadingSeq(of: line.bytes)
    else {
      fail(.malformed, p, "seq \(p): line \(p) is not an audit record (changed or corrupted)")
      return false
    }
    let hash = AuditSchema.sha256(line.bytes)
    switch chain.check(seq: seq, prevHash: object["prev_hash"]?.string) {
    case .seq?:
      if let earlier = seen[hash] {
        fail(.duplicated, p, "seq \(p): line \(p) is a copy of line \(earlier) (seq \(seq))")
      } else if seq < p {
        fail(.inserted, seq, "seq \(seq): claimed twice (lines \(seq) and \(p)): a record was inserted")
      } else {
        misplaced = (p, seq)
        laterClaims.insert(seq)
        return true
      }
      return false
    case .prevHash?:
      if p == 1 {
        fail(.changed, 1, "seq 1: changed (its prev_hash is not the genesis value)")
      } else {
        fail(.changed, p - 1, "seq \(p - 1): changed (its SHA-256 no longer matches the prev_hash of seq \(p), or that was changed)")
      }
      return false
    case nil:
      break
    }
    let isCheckpoint: Bool
    switch object["type"]?.string {
    case "explanation":
      isCheckpoint = false
      report.records += 1
      guard checkIdentity(object, line: p) else { return false }
      if report.semanticFailure == nil, let problem = RecordContentPolicy.problem(object, sensitive: policy.sensitiveFeatures) {
        report.semanticFailure = VerifyReport.Failure(problem: problem.0, seq: p, message: "seq \(p): " + problem.1)
      }
    case "checkpoint":
      isCheckpoint = true
      report.checkpoints += 1
      guard checkCheckpoint(object, line: p) else { return false }
    default:
      fail(.malformed, p, "seq \(p): unknown record type")
      return false
    }
    chain.advance(lineHash: hash, isCheckpoint: isCheckpoint)
    seen[hash] = p
    if !policy.witnesses.isEmpty { lineHashes.append(hash) }
    report.lines = p
    if let external, chain.tree.count == external.treeSize {
      externalChecked = true
      if let problem = Self.externalProblem(external, root: chain.tree.root, records: report.records, publicKey: publicKey) {
        fail(.truncated, nil, problem)
        return false
      }
    }
    return true
  }

  /// Checks a checkpoint at line `p` against the lines before it; false when it fails.
  private mutating func checkCheckpoint(_ object: JSONObject, line p: Int) -> Bool {
    guard let checkpoint = try? Checkpoint(object, path: "", lineNumber: p) else {
      fail(.malformed, p, "seq \(p): malformed checkpoint")
      return false
    }
    if checkpoint.treeSize != p - 1 || checkpoint.records != report.records || checkpoint.root != chain.tree.root {
      fail(.checkpoint, p, "seq \(p): the checkpoint does not match the \(p - 1) lines before it")
      return false
    }
    if let publicKey {
      guard checkpoint.keyID == publicKey.keyID, publicKey.isValid(checkpoint.signature, for: checkpoint.message) else {
        fail(.signature, p, "seq \(p): the checkpoint's signature is not valid for the public key \(publicKey.keyID)")
        return false
      }
      report.signaturesChecked += 1
    }
    recordsAtLastCheckpoint = report.records
    checkpointLines.append(p)
    report.lastSeal = VerifyReport.Seal(
      seq: p, records: report.records, keyID: checkpoint.keyID, time: checkpoint.time, signatureChecked: publicKey != nil)
    return true
  }

  /// Checks that a record's `record_id` is new and that its `time` is not before the
  /// previous record of its `writer`; false when it fails.
  private mutating func checkIdentity(_ object: JSONObject, line p: Int) -> Bool {
    if let id = object["record_id"]?.string {
      if let earlier = recordIDs[id] {
        fail(.duplicateRecordID, p, "seq \(p): its record_id \(id) is the record_id of seq \(earlier): a record was replayed")
        return false
      }
      recordIDs[id] = p
    }
    if let data = object["data"]?.object, data["source"]?.string == "stdin", data["sha256"] == nil {
      report.recordsWithoutInputHash += 1
    }
    guard let writer = object["writer"]?.string else {
      report.recordsWithoutWriter += 1
      return true
    }
    let time = object["time"]?.string ?? ""
    if let last = lastTimeOfWriter[writer], time < last.time {
      fail(.timeOrder, p, "seq \(p): its time \(time) is before \(last.time), the time of seq \(last.line) by the same writer \(writer)")
      return false
    }
    lastTimeOfWriter[writer] = (time, p)
    return true
  }

  /// The report, once every line was consumed (or `consume` returned false).
  public mutating func finish() -> VerifyReport {
    if let misplaced {
      let (p, seq) = (misplaced.line, misplaced.seq)
      if laterClaimsOfTheMisplacedSeq {
        // Lines before p claim 1..<p; a repeated or missing claim later means an insertion.
        let distinct = (p - 1) + laterClaims.filter { $0 < 1 || $0 >= p }.count
        if distinct < lineCount {
          fail(.inserted, p, "seq \(p): line \(p) holds seq \(seq): a record was inserted")
        } else {
          fail(.reordered, p, "seq \(p): out of order (line \(p) holds seq \(seq); seq \(p) comes later)")
        }
      } else {
        let missing = seq - 1 == p ? "seq \(p) is" : "seqs \(p) to \(seq - 1) are"
        fail(.deleted, p, "seq \(p): deleted (\(missing) missing; line \(p) holds seq \(seq))")
      }
      self.misplaced = nil
    }
    if report.failure == nil, let external {
      if external.treeSize == 0, let problem = Self.externalProblem(external, root: MerkleFrontier().root, records: 0, publicKey: publicKey) {
        fail(.truncated, nil, problem)
      } else if !externalChecked && external.treeSize > 0 {
        fail(.truncated, report.lines + 1, "seq \(report.lines + 1): missing: the external checkpoint covers \(external.treeSize) lines, "
          + "the log has \(report.lines): its tail was removed")
      }
    }
    report.root = chain.tree.root
    report.head = chain.head.lastHash
    report.unsealedRecords = report.records - recordsAtLastCheckpoint
    if report.failure == nil { checkOutsideFacts() }
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
}
