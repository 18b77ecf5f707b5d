/// The checks of a verified chain against facts kept outside the log (`VerifyPolicy`).
extension LogVerification {
  /// Runs after the last line, when the chain itself is intact: witnessed heads, the head
  /// hash, the expected record count, then the seal a public key demands.
  mutating func checkOutsideFacts() {
    if !policy.witnesses.isEmpty {
      let tree = MerkleLevels(leaves: lineHashes)
      for witnessed in policy.witnesses {
        guard checkWitnessed(witnessed, tree: tree) else { return }
        report.witnessesProven += 1
      }
    }
    if let head = policy.head {
      guard let line = seen[head] else {
        fail(
          .truncated, nil,
          "no line of the log has the head sha256:\(AuditSchema.hex(head)): the log was cut back or rewritten below it")
        return
      }
      report.headFoundAt = line
    }
    if let expected = policy.expectAtLeast, report.records < expected {
      fail(
        .truncated, report.lines + 1,
        "seq \(report.lines + 1): missing: the log holds \(report.records) record(s), fewer than the \(expected) expected: records were removed")
      return
    }
    checkSeal()
  }

  /// Proves `witnessed` is a prefix of the log with an RFC 6962 consistency proof.
  private mutating func checkWitnessed(_ witnessed: WitnessedHead, tree: MerkleLevels) -> Bool {
    let m = witnessed.treeSize
    let n = report.lines
    let when = witnessed.time.isEmpty ? "" : " at \(witnessed.time)"
    if m > n {
      fail(
        .truncated, n + 1,
        "seq \(n + 1): missing: the head witnessed\(when) covers \(m) lines, the log has \(n): its tail was removed")
      return false
    }
    let proof = m == 0 ? [] : ConsistencyProof.make(oldSize: m, tree: tree)
    let consistent = ConsistencyProof.verify(
      oldSize: m, oldRoot: witnessed.root, newSize: n, newRoot: report.root, proof: proof)
    let recordsMatch = m == 0 || recordsBefore(line: m + 1) == witnessed.records
    if !consistent || !recordsMatch || (m > 0 && lineHashes[m - 1] != witnessed.head) {
      fail(
        .witness, nil,
        "the head witnessed\(when) (\(m) lines, root sha256:\(AuditSchema.hex(witnessed.root).prefix(16))…) is not a prefix "
          + "of the log: lines 1 to \(m) were changed, removed or reordered")
      return false
    }
    return true
  }

  /// Explanation records on lines before `line`, counted from the line hashes' owners.
  private func recordsBefore(line: Int) -> Int {
    line - 1 - checkpointLines.filter { $0 < line }.count
  }

  /// With a public key, the log must be sealed: not empty, at least one valid checkpoint,
  /// and no record after the last (unless the policy allows an unsealed tail).
  private mutating func checkSeal() {
    guard let publicKey = policy.publicKey else { return }
    if report.lines == 0 {
      fail(.unsealed, nil, "the log is empty: nothing is sealed by the key \(publicKey.keyID)")
      return
    }
    guard let seal = report.lastSeal else {
      fail(.unsealed, nil, "no signed checkpoint in the log: none of its \(report.records) record(s) is sealed by the key \(publicKey.keyID)")
      return
    }
    if report.unsealedRecords > 0 && !policy.allowUnsealedTail {
      fail(
        .unsealed, seal.seq + 1,
        "seq \(seal.seq + 1): \(report.unsealedRecords) record(s) after the last checkpoint (seq \(seal.seq)) are not sealed: "
          + "a run stopped before its closing checkpoint, or the tail was changed and its checkpoint dropped "
          + "(--allow-unsealed-tail accepts them as unsealed)")
    }
  }
}
