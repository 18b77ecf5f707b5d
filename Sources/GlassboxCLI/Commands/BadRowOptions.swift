import ArgumentParser
import GlassboxData
import GlassboxPipeline
import GlassboxSystem

/// `--on-bad-row` and `--rejects`: what happens to rows with data errors, shared by the
/// commands that read a CSV (explain, bias). No row is lost silently: a rejected row is
/// on stderr and in the rejects file, and by default the run's status says so (65).
struct BadRowOptions: ParsableArguments {
  @Option(
    help: """
      A row with a data error (a cell that is not a number, an unknown label, a value outside the \
      card's range, a missing required value): skip (report it on stderr, write it to the rejects \
      file, go on; exit 0), fail (stop with its line, column and value; exit 65), or explain (treat \
      bad cells as missing, attach the findings). Default: as skip, but the run exits 65 when any \
      row was rejected, so that no row is lost silently.
      """)
  var onBadRow: BadRowPolicyArgument?

  @Option(
    help: """
      Write every rejected row here: its line number, the reason, and its fields (CSV). Default: \
      FILE.rejects.csv beside --out FILE; with standard output, rejected rows are only counted and \
      listed on stderr.
      """)
  var rejects: String?

  enum BadRowPolicyArgument: String, ExpressibleByArgument, CaseIterable {
    case skip, fail, explain
    var policy: BadRowPolicy { BadRowPolicy(rawValue: rawValue) ?? .skip }
  }

  func validate() throws {
    if rejects != nil && (onBadRow == .fail || onBadRow == .explain) {
      throw ValidationError("--rejects goes with the default policy or --on-bad-row skip (fail stops, explain keeps every row)")
    }
  }

  /// The policy for rows of a CSV: skip unless given.
  var policy: BadRowPolicy { onBadRow?.policy ?? .skip }

  /// Collects the rejected rows of one run: warnings on stderr (the first 20), the rejects
  /// file (`out` + `.rejects.csv` unless `--rejects` names one), and the closing line.
  /// - Parameter columns: the input's columns when known before reading (the header of
  ///   a named rejects file that stays empty); else taken from the first rejected row.
  func collector(out: String?, columns: [String]? = nil) throws -> RejectedRows {
    let path = rejects ?? out.map { $0 + ".rejects.csv" }
    let sink = try path.map { try OutputSink(path: $0) }
    let rows = RejectedRows(path: path, sink: sink, named: rejects != nil, failsRun: onBadRow == nil)
    if let columns { try rows.writeHeader(columns) }
    return rows
  }
}

/// The rejected rows of one run (see `BadRowOptions.collector`).
final class RejectedRows {
  let path: String?
  private let sink: OutputSink?
  private let named: Bool
  private let failsRun: Bool
  private let warns: Bool
  private(set) var count = 0
  private var headerWritten = false

  /// - Parameter warns: print a warning for each of the first 20 rejected rows (`check`
  ///   lists its findings in its report instead).
  init(path: String?, sink: OutputSink?, named: Bool, failsRun: Bool, warns: Bool = true) {
    self.path = path
    self.sink = sink
    self.named = named
    self.failsRun = failsRun
    self.warns = warns
  }

  /// Reports one rejected row; `beforeWarning` runs before a warning is printed (to clear
  /// a progress line).
  func add(_ rejected: RejectedRow, beforeWarning: () -> Void = {}) throws {
    if !headerWritten { try writeHeader(rejected.columns) }
    count += 1
    if warns && count <= 20 {
      beforeWarning()
      Terminal.printError("glassbox: warning: " + ParameterSpelling.flags.render(rejected.message))
    }
    try sink?.write(rejected.csvLine)
  }

  /// Starts the rejects file with its header line.
  func writeHeader(_ columns: [String]) throws {
    try sink?.write(RejectedRow.csvHeader(columns: columns))
    headerWritten = true
  }

  /// After the run's output is committed: writes the rejects file (when rows were rejected
  /// or it was named; a stale one beside the output is removed otherwise), prints the
  /// closing line, and under the default policy ends the run with exit 65 when rows were
  /// rejected.
  /// - Parameter outcome: what happened to the rest ("explained 97", "analysed 97").
  /// - Parameter columns: the input's columns, for the header of a named rejects file that
  ///   no rejected row has started.
  /// - Parameter verdict: what the rejected rows were.
  func finish(
    of total: Int, outcome: String, columns: [String]? = nil, verdict: String = "had data errors and were skipped"
  ) throws {
    if !headerWritten, named, let columns { try writeHeader(columns) }
    if count > 0 || named {
      try sink?.commit()
    } else if let path {
      OutputSink.removeStale(path)
    }
    guard count > 0 else { return }
    Terminal.printError(
      "glassbox: \(count) of \(total) rows \(verdict)"
        + (warns && count > 20 ? " (the first 20 are listed above)" : "") + "; \(outcome)"
        + (path.map { "; the rejected rows are in '\($0)'" } ?? "")
        + (failsRun ? "; exit 65 (--on-bad-row skip accepts the loss with exit 0)" : ""))
    if failsRun { throw ExitCode(65) }
  }
}
