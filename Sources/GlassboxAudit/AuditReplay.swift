import GlassboxExplainers

/// The outcome of re-running one recorded explanation.
public struct ReplayResult: Sendable, Equatable {
  public enum Status: String, Sendable {
    /// Prediction, base value and every attribution are bit-for-bit the recorded ones.
    case identical
    /// Some number differs; `maxDifference` says by how much.
    case differs
    /// The record could not be re-run (changed file, redacted input, unknown method).
    case failed
  }

  public var seq: Int
  public var status: Status
  /// The largest |recomputed − recorded| over prediction, base value and attributions.
  public var maxDifference: Double
  /// Where the largest difference is ("prediction", "base", "phi[age]"), or the failure.
  public var detail: String
  /// What changed besides the numbers (a remote model's script hash or version); a result
  /// with changes is `.differs` even when every number is the same.
  public var changes: [String] = []

  public init(seq: Int, status: Status, maxDifference: Double = 0, detail: String = "") {
    self.seq = seq
    self.status = status
    self.maxDifference = maxDifference
    self.detail = detail
  }
}

/// Compares re-computed explanations with recorded ones and reports the results.
public enum AuditReplay {
  /// Compares `recomputed` with the record, number by number (bitwise equality; NaN
  /// equals NaN). Recorded numbers are exact: they were written in shortest round-trip form.
  /// - Complexity: O(features).
  public static func compare(_ record: RecordedExplanation, with recomputed: Explanation, featureNames: [String]) -> ReplayResult {
    var worst = 0.0
    var worstAt = ""
    var identical = true
    func check(_ recorded: Double, _ now: Double, _ label: String) {
      if recorded == now || (recorded.isNaN && now.isNaN) { return }
      identical = false
      let difference = abs(recorded - now)
      if !(difference <= worst) {
        worst = difference.isNaN ? .infinity : difference
        worstAt = label
      }
    }
    check(record.prediction, recomputed.prediction, "prediction")
    check(record.baseValue, recomputed.baseValue, "base")
    guard record.attributions.count == recomputed.attributions.count,
      record.attributions.map(\.feature) == featureNames
    else {
      return ReplayResult(seq: record.seq, status: .failed, detail: "the model's features differ from the recorded ones")
    }
    for (j, recorded) in record.attributions.enumerated() {
      check(recorded.phi, recomputed.attributions[j], "phi[\(recorded.feature)]")
    }
    if identical { return ReplayResult(seq: record.seq, status: .identical) }
    return ReplayResult(seq: record.seq, status: .differs, maxDifference: worst, detail: worstAt)
  }

  /// One line per result and a summary line.
  public static func render(_ results: [ReplayResult]) -> String {
    var out = ""
    var counts: [ReplayResult.Status: Int] = [:]
    for r in results {
      counts[r.status, default: 0] += 1
      switch r.status {
      case .identical:
        out += "seq \(r.seq): identical\n"
      case .differs where r.detail.isEmpty:
        out += "seq \(r.seq): differs: \(r.changes.joined(separator: "; ")) (every number identical)\n"
      case .differs:
        out += "seq \(r.seq): differs: largest difference \(r.maxDifference) at \(r.detail)"
          + r.changes.map { "; " + $0 }.joined() + "\n"
      case .failed:
        out += "seq \(r.seq): not replayed: \(r.detail)\n"
      }
    }
    out += "\(results.count) record(s): \(counts[.identical] ?? 0) identical, \(counts[.differs] ?? 0) differ, "
      + "\(counts[.failed] ?? 0) not replayed\n"
    return out
  }
}
