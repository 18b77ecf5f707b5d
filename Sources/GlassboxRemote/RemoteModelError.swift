import GlassboxSystem

/// A model behind a command or an endpoint could not answer: it did not start, it ended,
/// it answered something that is not the protocol, or it answered values that are not
/// usable numbers.
///
/// The message names the model (the command line, or the URL without credentials), the
/// batch when one was in flight, and the last lines the command wrote on its standard
/// error. Transport failures exit with 69 (unavailable); a setup the user must change
/// (no card, a label the protocol cannot carry) with 64.
public struct RemoteModelError: UserFacingError, Equatable {
  /// "the model command 'python3 predict.py'" or "the model at http://host/v2/models/m".
  public var source: String
  /// The batch in flight (1-based), if any.
  public var batch: Int?
  /// The number of rows of that batch.
  public var batchRows: Int?
  /// What went wrong.
  public var problem: String
  /// The command's last standard-error lines, oldest first.
  public var stderrTail: [String]
  public var kind: FailureKind

  public init(
    source: String, batch: Int? = nil, batchRows: Int? = nil, problem: String, stderrTail: [String] = [],
    kind: FailureKind = .unavailable
  ) {
    self.source = source
    self.batch = batch
    self.batchRows = batchRows
    self.problem = problem
    self.stderrTail = stderrTail
    self.kind = kind
  }

  public var description: String {
    var text = "\(source) \(problem)"
    if let batch {
      text += " (batch \(batch)"
      if let batchRows { text += " of \(batchRows) row\(batchRows == 1 ? "" : "s")" }
      text += ")"
    }
    if !stderrTail.isEmpty {
      text += "; its last standard-error lines: " + stderrTail.map { TerminalSafe.line($0) }.joined(separator: " | ")
    }
    return text
  }
}
