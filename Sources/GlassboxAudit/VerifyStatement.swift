/// The text `audit verify` prints: the verdict, then exactly what was proven, what was
/// left unsealed, and which guarantees the log or the call lacks.
///
/// ```
/// audit.log: intact: 200 record(s), 2 checkpoint(s), 2 signature(s) valid
/// proven: seq 1-181 (180 records) sealed by a signature of key 1552d9c38a22b716 at 2026-09-01T10:15:02.113Z (checkpoint seq 182)
/// unsealed: 20 record(s) after it (seq 183-202): the chain links them, no signature covers them
/// not proven: that no lines were cut from the end (give --witness, --head, --checkpoint or --expect-at-least)
/// ```
public enum VerifyStatement {
  /// The whole text, each line ending in `\n`.
  /// - Complexity: O(1) lines.
  public static func render(_ report: VerifyReport, policy: VerifyPolicy, log: String) -> String {
    var lines: [String] = []
    let summary = "\(report.records) record(s), \(report.checkpoints) checkpoint(s)"
      + (policy.publicKey == nil ? "" : ", \(report.signaturesChecked) signature(s) valid")
    if let failure = report.failure {
      return "\(log): FAILED: \(failure.message)\nverified before the failure: \(report.lines) line(s)\n"
    }
    if let failure = report.semanticFailure {
      lines.append("\(log): chain intact (\(summary)), but CONTENT FAILED: \(failure.message)")
    } else if policy.publicKey != nil {
      lines.append("\(log): intact: \(summary)")
    } else {
      lines.append("\(log): chain intact: \(summary)")
    }
    lines += proven(report, policy: policy)
    lines += lacking(report, policy: policy).map { "not proven: " + $0 }
    lines += notes(report).map { "note: " + $0 }
    return lines.map { $0 + "\n" }.joined()
  }

  private static func proven(_ report: VerifyReport, policy: VerifyPolicy) -> [String] {
    var lines: [String] = []
    if let seal = report.lastSeal {
      let covered = seal.seq - 1
      let span = covered == 0 ? "nothing" : "seq 1-\(covered) (\(seal.records) record(s))"
      if seal.signatureChecked {
        lines.append("proven: \(span) sealed by a signature of key \(seal.keyID) at \(seal.time) (checkpoint seq \(seal.seq))")
      } else {
        lines.append(
          "unchecked: \(span) under a checkpoint claiming key \(seal.keyID) at \(seal.time) (seq \(seal.seq)): "
            + "its root matches, its signature was not checked (give --public-key)")
      }
    }
    if report.unsealedRecords > 0 {
      let first = (report.lastSeal?.seq ?? 0) + 1
      let which = report.lastSeal == nil ? "all \(report.unsealedRecords) record(s) (no checkpoint)" : "\(report.unsealedRecords) record(s) after it"
      lines.append("unsealed: \(which), seq \(first)-\(report.lines): the chain links them, no signature covers them")
    }
    if report.witnessesProven > 0 {
      let longest = policy.witnesses.map(\.treeSize).max() ?? 0
      lines.append(
        "proven: \(report.witnessesProven) witnessed head(s) are prefixes of the log (RFC 6962 consistency proofs; the longest covers \(longest) line(s))")
    }
    if let line = report.headFoundAt, let head = policy.head {
      lines.append("proven: the head sha256:\(AuditSchema.hex(head).prefix(16))… is line \(line), with every line before it")
    }
    if let expected = policy.expectAtLeast {
      lines.append("proven: at least \(expected) record(s), as expected")
    }
    if let external = policy.external {
      lines.append("proven: the \(external.treeSize) line(s) of the external checkpoint are unchanged")
    }
    return lines
  }

  private static func lacking(_ report: VerifyReport, policy: VerifyPolicy) -> [String] {
    var lines: [String] = []
    if policy.publicKey == nil {
      lines.append("who wrote the log: anyone can recompute a chain and its roots (give --public-key)")
    }
    if !policy.guardsLength {
      lines.append("that no lines were cut from the end (give --witness, --head, --checkpoint or --expect-at-least)")
    }
    return lines
  }

  private static func notes(_ report: VerifyReport) -> [String] {
    var lines: [String] = []
    if report.recordsWithoutWriter > 0 {
      lines.append(
        "\(report.recordsWithoutWriter) record(s) carry no writer id (written before records named their writer): "
          + "their time order per writer was not checked")
    }
    if report.recordsWithoutInputHash > 0 {
      lines.append(
        "\(report.recordsWithoutInputHash) record(s) read from standard input carry no hash of it (written before such inputs were hashed)")
    }
    if !report.judgedByCard && report.records > 0 {
      lines.append("sensitive features were judged by each record's own redaction list (give --card to judge them by the model card)")
    }
    return lines
  }
}
