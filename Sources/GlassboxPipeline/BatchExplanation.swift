import GlassboxSystem
import Dispatch
import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxReports
import Synchronization

/// What `--on-bad-row` does with a row that has an error-level data problem (a cell that
/// is not a number, an unknown label, a value outside the card's range, a missing value of
/// a required feature).
public enum BadRowPolicy: String, CaseIterable, Sendable {
  /// Report the row on stderr, leave it out, go on; the run ends with a count.
  case skip
  /// Stop at the first bad row with its file, line, column and value (exit 65).
  case fail
  /// Explain it anyway: bad cells count as missing and the findings go with the explanation.
  case explain
}

/// Where the batch pipeline writes its text: standard output, a file, a buffer.
public protocol TextOutput: AnyObject {
  /// Queues `text` for writing.
  func write(_ text: String) throws
  /// Writes everything queued (called after each round of blocks, so streamed output flows).
  func flush() throws
}

/// Streams a CSV through checks, explainer and renderer on several threads, writing
/// results in input order: the pipeline behind `glassbox explain --data`.
///
/// Blocks of records are read on the calling thread; each round hands up to
/// `2 × threads` blocks to `threads` workers, which check, encode, explain and render them
/// independently, and the results are written in block order. Memory is bounded by one
/// round of blocks, whatever the input's size; output does not depend on `threads`.
/// With an audit trail, each block's records are appended in input order right after
/// its output, on a serial queue that overlaps the next round's work.
public struct BatchExplanation {
  /// How rows are chosen, checked and spread over threads.
  public struct Options: Sendable {
    /// What happens to a row with an error-level data problem.
    public var badRows: BadRowPolicy = .skip
    /// The rows to explain (nil: all).
    public var selection: RowSelection?
    /// A column whose value identifies each row (copied into outputs; seeds its random stream).
    public var idColumn: String?
    /// Only this output of a multi-output model.
    public var outputClass: Int?
    public var threads: Int = 1
    public var blockSize: Int = 1024
    /// The relative tolerance within which every additive explanation must add up
    /// (`additivityTolerance(explainer:model:)`); nil: not checked.
    public var additivityTolerance: Double?
    public init() {}
  }

  /// Totals of a run.
  public struct Summary: Sendable {
    /// Rows read that the selection kept.
    public var selected = 0
    /// Rows explained.
    public var explained = 0
    /// Rows left out by `BadRowPolicy.skip`.
    public var skipped = 0
  }

  /// Where the run is: rows read, bytes consumed, and the input's size when known.
  public struct Progress: Sendable {
    public var rows: Int
    public var bytes: Int
    public var totalBytes: Int?
  }

  let reader: CSVReader
  let processor: BlockProcessor
  let options: Options
  let audit: AuditTrail?

  /// Prepares the pipeline for `reader`'s columns.
  /// - Parameters:
  ///   - reference: the background's profile, for the data checks' drift findings.
  ///   - audit: receives one record per explanation, in input order.
  /// - Throws: `DataError` when a model feature or the id column is missing from the input.
  public init(
    reader: CSVReader, schema: FeatureSchema, explainer: any Explainer, renderer: any ExplanationRenderer,
    reference: ReferenceProfile? = nil, audit: AuditTrail? = nil, options: Options = Options()
  ) throws {
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: reader.sourceName)
    var idIndex: Int? = nil
    if let idColumn = options.idColumn {
      guard let k = reader.index(of: idColumn) else {
        throw DataError.missingColumn(path: reader.sourceName, column: idColumn, available: reader.columns)
      }
      idIndex = k
    }
    let checker = RowChecker(schema: schema, columns: reader.columns, source: reader.sourceName, reference: reference)
    self.reader = reader
    self.options = options
    self.audit = audit
    processor = BlockProcessor(
      encoder: encoder, checker: checker, badRows: options.badRows, explainer: explainer, selection: options.selection,
      idColumn: idIndex, classFilter: options.outputClass, render: renderer.render, auditBuilder: audit?.builder,
      additivityTolerance: options.additivityTolerance)
  }

  /// Runs to the end of input (or past the last selected row).
  /// - Parameters:
  ///   - progress: called after each round of blocks.
  ///   - report: receives each skipped row, in input order.
  /// - Throws: the first error in input order (a bad cell names its line and column).
  public func run(
    into sink: TextOutput, progress: (Progress) -> Void = { _ in }, report: (RejectedRow) throws -> Void
  ) throws -> Summary {
    let threads = options.threads, blockSize = options.blockSize
    var summary = Summary()
    // Audit records are appended, in order, on their own serial queue while the workers
    // explain the next round, so the chain's serial work overlaps the parallel work.
    let appender = audit.map { AuditPipeline(trail: $0) }
    defer { appender?.drain() }
    let roundSize = max(2, threads * 2)
    let selection = processor.selection
    var done = false
    // One time per round, never earlier than the previous round's: a writer's records do
    // not go back in time, though the blocks of a round finish in any order.
    var stamp: Int64 = 0
    while !done {
      var blocks: [CSVBlock] = []
      while blocks.count < roundSize {
        if let last = selection?.last, let previous = blocks.last, previous.rowIndex(previous.count - 1) >= last {
          done = true  // past the last selected row: stop reading
          break
        }
        guard let block = try reader.nextBlock(maxRecords: blockSize) else {
          done = true
          break
        }
        blocks.append(block)
        // A short block means the reader had no more bytes at hand (a pipe between
        // lines): process now rather than wait, so each line's output flows at once.
        if block.count < blockSize { break }
      }
      if let last = selection?.last, let previous = blocks.last, previous.rowIndex(previous.count - 1) >= last {
        done = true
      }
      if blocks.isEmpty { break }
      let work = blocks
      let processor = self.processor
      stamp = max(stamp, AuditClock.nowMilliseconds())
      let milliseconds = stamp
      // Each block's result (or error) in block order; errors surface in input order below.
      let results = parallelMap(work.count, threads: threads) { index in
        Result { try processor.process(work[index], milliseconds: milliseconds) }
      }
      for k in 0..<work.count {
        let result = try results[k].get()
        try sink.write(result.text)
        try appender?.append(result.auditRecords)
        for row in result.skipped { try report(row) }
        summary.selected += result.selected
        summary.explained += result.explained
        summary.skipped += result.skipped.count
      }
      try sink.flush()
      if let last = blocks.last {
        progress(Progress(rows: last.rowIndex(last.count - 1) + 1, bytes: reader.bytesConsumed, totalBytes: reader.totalBytes))
      }
    }
    try appender?.finish()
    return summary
  }
}

/// Appends audit records on a serial queue, in submission order; the first failure is
/// reported by the next `append` or by `finish`, and nothing after it is written.
/// `append` never waits for earlier appends (the failure is read under a lock), so the
/// serial work overlaps the explaining of the following blocks. At most `inFlight`
/// blocks wait in the queue, which bounds memory when the log is slower than the explainer.
/// `@unchecked Sendable`: `trail` is used only on `queue`, and `failure` under its lock.
final class AuditPipeline: @unchecked Sendable {
  private let trail: AuditTrail
  private let queue = DispatchQueue(label: "glassbox.audit")
  private let failure = Mutex<Error?>(nil)
  private static let inFlight = 8
  private let slots = DispatchSemaphore(value: AuditPipeline.inFlight)

  init(trail: AuditTrail) { self.trail = trail }

  /// Queues one block's records (after rethrowing any earlier failure).
  func append(_ records: [AuditRecordBody]) throws {
    if let failure = failure.withLock({ $0 }) { throw failure }
    guard !records.isEmpty else { return }
    slots.wait()
    queue.async {
      defer { self.slots.signal() }
      guard self.failure.withLock({ $0 == nil }) else { return }
      do { try self.trail.append(records: records) } catch let error { self.failure.withLock { $0 = error } }
    }
  }

  /// Waits for every queued record; rethrows the first failure.
  func finish() throws {
    drain()
    if let failure = failure.withLock({ $0 }) { throw failure }
  }

  /// Waits for every queued record.
  func drain() { queue.sync {} }
}

/// The per-block work of a batch: select, check and encode, explain, render. Pure apart
/// from its inputs, so blocks can be processed on any thread in any order.
struct BlockProcessor: Sendable {
  let encoder: FeatureEncoder
  /// The per-row data checks; they also encode the row (no second parse).
  let checker: RowChecker
  let badRows: BadRowPolicy
  let explainer: any Explainer
  let selection: RowSelection?
  let idColumn: Int?
  let classFilter: Int?
  let render: @Sendable ([Explanation]) -> String
  /// Builds the block's audit records, when auditing.
  let auditBuilder: AuditRecordBuilder?
  let additivityTolerance: Double?

  struct Result: Sendable {
    var text: String
    var selected: Int
    var explained: Int
    /// The skipped rows, in order.
    var skipped: [RejectedRow]
    var auditRecords: [AuditRecordBody]
  }

  /// Processes `block`; its audit records are stamped with `milliseconds`.
  func process(_ block: CSVBlock, milliseconds: Int64) throws -> Result {
    let m = encoder.schema.count
    var keep: [Int] = []
    keep.reserveCapacity(block.count)
    for r in 0..<block.count where selection?.contains(block.rowIndex(r)) ?? true { keep.append(r) }
    if keep.isEmpty { return Result(text: "", selected: 0, explained: 0, skipped: [], auditRecords: []) }

    // Check and encode each row; decide what happens to rows with problems.
    var encoded = [Double](repeating: .nan, count: keep.count * m)
    var explainedRecords: [Int] = []
    explainedRecords.reserveCapacity(keep.count)
    var notes: [Int: [String]] = [:]
    var skipped: [RejectedRow] = []
    try encoded.withUnsafeMutableBufferPointer { all in
      for r in keep {
        let slot = UnsafeMutableBufferPointer(rebasing: all[(explainedRecords.count * m)..<((explainedRecords.count + 1) * m)])
        let findings = checker.check(block, record: r, into: slot)
        if findings.isEmpty {
          explainedRecords.append(r)
          continue
        }
        switch try badRows.decide(findings, block: block, record: r, row: slot, checker: checker, encoder: encoder) {
        case .reject(let rejected):
          skipped.append(rejected)
          for j in 0..<m { slot[j] = .nan }
        case .keep(let rowNotes):
          if !rowNotes.isEmpty { notes[block.rowIndex(r)] = rowNotes }
          explainedRecords.append(r)
        }
      }
    }
    encoded.removeLast((keep.count - explainedRecords.count) * m)

    var explanations: [Explanation] = []
    explanations.reserveCapacity(explainedRecords.count)
    let rowIndices = explainedRecords.map { block.rowIndex($0) }
    let ids = idColumn.map { column in explainedRecords.map { block.string($0, column) } }
    if !explainedRecords.isEmpty {
      try encoded.withUnsafeBufferPointer { p in
        try explainer.explain(p, count: explainedRecords.count, rowIndices: rowIndices[...], ids: ids, into: &explanations)
      }
    }
    if let ids {
      var byRow: [Int: String] = [:]
      for (i, r) in rowIndices.enumerated() { byRow[r] = ids[i] }
      for i in explanations.indices { explanations[i].id = byRow[explanations[i].row] }
    }
    if !notes.isEmpty {
      for i in explanations.indices {
        if let extra = notes[explanations[i].row] { explanations[i].notes += extra }
      }
    }
    if let classFilter { explanations.removeAll { ($0.output ?? 0) != classFilter } }
    let place = { (row: Int) -> (place: String, row: Int?) in
      let line = explainedRecords.first { block.rowIndex($0) == row }.map { block.lines[$0] }
      return (line.map { "\(checker.source):\($0)" } ?? checker.source, row)
    }
    try checkBeforeWriting(
      explanations, featureNames: encoder.schema.names, additivity: additivityTolerance, place: place)
    return Result(
      text: render(explanations), selected: keep.count, explained: explainedRecords.count, skipped: skipped,
      auditRecords: auditBuilder?.records(explanations, milliseconds: milliseconds) ?? [])
  }

}

extension Parameter {
  /// What happens to a row with a data error.
  public static let onBadRow = Parameter("onBadRow")
}

/// A row left out of a batch for a data error, with everything needed to find and fix it.
public struct RejectedRow: Sendable, Equatable {
  /// The physical line (one-based) the record starts on.
  public var line: Int
  /// The zero-based data-row index.
  public var row: Int
  /// The input's name.
  public var source: String
  /// The first error-level finding, as a sentence (column, value, what is wrong).
  public var reason: String
  /// The record's fields, as read.
  public var fields: [String]
  /// The input's column names (shared by every row of one input).
  public var columns: [String]

  public init(line: Int, row: Int, source: String, reason: String, fields: [String], columns: [String]) {
    self.line = line
    self.row = row
    self.source = source
    self.reason = reason
    self.fields = fields
    self.columns = columns
  }

  /// The warning line for people (with parameter markers: see `Parameter`).
  public var message: String { "\(source): \(reason); row skipped (\(Parameter.onBadRow) explain keeps it, fail stops)" }

  /// The rejects-file header: `line,reason` and then the input's columns.
  public static func csvHeader(columns: [String]) -> String {
    (["line", "reason"] + columns).map(TextEscaping.csvCell).joined(separator: ",") + "\n"
  }

  /// The rejects-file line: the line number, the reason, and the record's fields.
  public var csvLine: String {
    ([String(line), reason] + fields).map(TextEscaping.csvCell).joined(separator: ",") + "\n"
  }
}

/// A row with an error-level data problem under `--on-bad-row fail`.
struct BadRowError: ParameterNamingError {
  var finding: Finding
  let source: String
  var remedy = "fix the value, or use \(Parameter.onBadRow) skip or explain"
  var kind: FailureKind { .data }
  var markedMessage: String {
    var place = source
    if let line = finding.line { place += ":\(line)" }
    if let column = finding.column { place += ", column '\(column)'" }
    if let value = finding.value { place += ", value '\(value)'" }
    return "\(place): \(finding.detail); \(remedy)"
  }
}

extension BatchExplanation {
  /// Checks one instance (`FeatureEncoder.instanceBlock`) with the same data checks as a
  /// CSV row (types, labels, the card's ranges and required features, drift against the
  /// reference) and encodes it.
  /// - Returns: the encoded row and the notes that go with its explanation (warnings;
  ///   under `.explain` also the errors, with bad cells treated as missing).
  /// - Throws: under `.fail` and `.skip` (an instance is a single row: skipping it would
  ///   leave nothing), the first error-level finding with its column and value.
  public static func checkInstance(
    _ block: CSVBlock, schema: FeatureSchema, reference: ReferenceProfile?, policy: BadRowPolicy
  ) throws -> (inputs: [Double], notes: [String]) {
    let checker = RowChecker(schema: schema, columns: schema.names, source: "\(Parameter.instance)", reference: reference)
    var inputs = [Double](repeating: .nan, count: schema.count)
    let decided: RowDecision
    do {
      decided = try inputs.withUnsafeMutableBufferPointer { row in
        let findings = checker.check(block, record: 0, into: row)
        // An instance is a single row: skipping it would leave nothing, so skip fails too.
        return try (policy == .explain ? .explain : BadRowPolicy.fail).decide(
          findings, block: block, record: 0, row: row, checker: checker, encoder: nil)
      }
    } catch var error as BadRowError {
      // An instance has no line; its remedy is to keep the row as missing.
      error.finding.line = nil
      error.remedy = "fix the value, or use \(Parameter.onBadRow) explain"
      throw error
    }
    guard case .keep(let notes) = decided else { return (inputs, []) }
    return (inputs, notes)
  }
}
