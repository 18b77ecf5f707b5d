import GlassboxSystem
import ArgumentParser
import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxModels

extension Audit {
  /// `glassbox audit replay`: re-runs recorded explanations and compares them bit for bit.
  struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Re-run recorded explanations from the recorded model and data; report identical, or the largest difference.",
      discussion: """
        The model, card, background and data file must still have their recorded SHA-256 (checked first).
        A row read from a file is re-read by its index; a row read from standard input or given with
        --instance is re-explained from its recorded input values, which is impossible when sensitive
        values were omitted or hashed. Exit status 1 when any record differs or cannot be replayed.
        """)

    @Argument(help: "The audit log.")
    var log: String

    @Option(help: "Replay only this seq, or an inclusive range such as 10-20.")
    var seq: String?

    @Option(help: "The redaction key the log was written with: hashed sensitive inputs are then checked against the data.")
    var redactKey: String?

    func run() throws {
      var filter = AuditFilter()
      if let seq {
        let parts = seq.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let low = Int(parts[0]), let high = Int(parts.last ?? ""), low <= high else {
          throw ValidationError("--seq takes a seq or an inclusive range such as 10-20")
        }
        filter.seqs = low...high
      }
      let redactor = try redactKey.map { (p: String) throws(AuditError) in try Redactor(path: p) }
      let records = try RecordedExplanation.readAll(path: log).filter(filter.matches)
      var needed: [String: Set<Int>] = [:]
      for r in records { if let file = r.dataFile { needed[file.path, default: []].insert(r.row) } }
      var replayer = Replayer(redactor: redactor, neededRows: needed)
      var results: [ReplayResult] = []
      for record in records {
        do {
          results.append(try replayer.replay(record))
        } catch let error as UserFacingError {
          results.append(ReplayResult(seq: record.seq, status: .failed, detail: error.describe(spelling: .flags)))
        }
      }
      let sink = try OutputSink(path: nil)
      try sink.write(AuditReplay.render(results))
      try sink.commit()
      if results.contains(where: { $0.status != .identical }) { throw ExitCode(1) }
    }
  }
}

/// Re-creates explainers and input rows for recorded explanations, caching loaded
/// models, explainers, file hashes and re-read rows across records.
struct Replayer {
  let redactor: Redactor?
  /// The rows to re-read, by data file: each file is read once per model schema.
  let neededRows: [String: Set<Int>]
  private var hashes: [String: String] = [:]
  private var setups: [String: (LoadedModel, any Explainer)] = [:]
  private var rows: [String: [Int: [Double]]] = [:]

  init(redactor: Redactor?, neededRows: [String: Set<Int>]) {
    self.redactor = redactor
    self.neededRows = neededRows
  }

  mutating func replay(_ r: RecordedExplanation) throws -> ReplayResult {
    try check(r.model, "model")
    if let card = r.card { try check(card, "model card") }
    if let background = r.background { try check(background, "background") }
    let (loaded, explainer) = try setup(r)
    let schema = loaded.schema
    let inputs: [Double]
    if r.dataSource == "file", let file = r.dataFile {
      try check(file, "data file")
      guard let row = try readRow(r.row, of: file.path, schema: schema) else {
        return ReplayResult(seq: r.seq, status: .failed, detail: "'\(file.path)' has no row \(r.row)")
      }
      if let name = r.inputMismatch(row, schema: schema, redactor: redactor) {
        return ReplayResult(seq: r.seq, status: .failed, detail: "row \(r.row) of '\(file.path)' no longer holds the recorded '\(name)'")
      }
      inputs = row
    } else {
      guard let row = r.encodedInputs(schema: schema) else {
        return ReplayResult(
          seq: r.seq, status: .failed,
          detail: "the input came from \(r.dataSource) and its sensitive values were not stored (\(r.redactedFields.joined(separator: ", ")))")
      }
      inputs = row
    }
    var out: [Explanation] = []
    try inputs.withUnsafeBufferPointer { p in
      if let stochastic = explainer as? any StochasticExplainer {
        let stream = r.id.map(RowStream.forID) ?? RowStream.forRow(r.row)
        try stochastic.explain(p, count: 1, rowIndices: [r.row][...], streams: [stream][...], into: &out)
      } else {
        try explainer.explain(p, count: 1, rowIndices: [r.row][...], into: &out)
      }
    }
    guard var recomputed = out.first(where: { $0.output == r.output }) else {
      return ReplayResult(seq: r.seq, status: .failed, detail: "the model has no output \(r.output.map(String.init) ?? "")")
    }
    recomputed.id = r.id
    return AuditReplay.compare(r, with: recomputed, featureNames: schema.names)
  }

  /// Fails when the file at `file.path` no longer has the recorded hash.
  private mutating func check(_ file: FileReference, _ what: String) throws {
    let found: String
    if let known = hashes[file.path] {
      found = known
    } else {
      found = try AuditSchema.fileSHA256(path: file.path)
      hashes[file.path] = found
    }
    if found != file.sha256 {
      throw AuditError.hashMismatch(what: what, path: file.path, recorded: file.sha256, found: found)
    }
  }

  /// The explainer the recorded run used, made the way `explain` makes it, from the flags
  /// the record's settings stand for (`ExplainerOptions.arguments(...)`).
  private mutating func setup(_ r: RecordedExplanation) throws -> (LoadedModel, any Explainer) {
    guard let method = ExplanationMethod(rawValue: r.requestedMethod) else {
      throw ValidationError("seq \(r.seq): this glassbox cannot re-create the method '\(r.requestedMethod)'")
    }
    let arguments = ExplainerOptions.arguments(
      method: method, seed: r.seed, outputSpace: r.outputSpace, backgroundPath: r.background?.path,
      recorded: r.parameters)
    let key = ([r.model.path, r.card?.path ?? ""] + arguments).joined(separator: "\u{1}")
    if let known = setups[key] { return known }
    let options: ExplainerOptions
    do {
      options = try ExplainerOptions.parse(arguments)
    } catch {
      throw ValidationError(
        "seq \(r.seq): this glassbox cannot re-create the recorded settings (\(arguments.joined(separator: " "))): \(ExplainerOptions.message(for: error))")
    }
    let loaded = try ModelLoader.load(path: r.model.path, cardPath: r.card?.path)
    let explainer = try ExplainerFactory.make(options.settings(threads: 1), loaded: loaded)
    setups[key] = (loaded, explainer)
    return (loaded, explainer)
  }

  /// Row `index` of the CSV at `path`, encoded for `schema`. The first call per file
  /// and schema reads the file once and keeps every needed row of it.
  /// - Complexity: O(file size) once, then O(1).
  private mutating func readRow(_ index: Int, of path: String, schema: FeatureSchema) throws -> [Double]? {
    let key = path + "\u{1}" + schema.names.joined(separator: ",")
    if let cached = rows[key] { return cached[index] }
    let wanted = neededRows[path] ?? [index]
    let last = wanted.max() ?? index
    let reader = try CSVReader(path: path)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: reader.sourceName)
    var found: [Int: [Double]] = [:]
    while let block = try reader.nextBlock(maxRecords: 4096) {
      for r in 0..<block.count where wanted.contains(block.rowIndex(r)) {
        var row = [Double](repeating: 0, count: schema.count)
        try row.withUnsafeMutableBufferPointer { p in try encoder.encode(block, record: r, into: p) }
        found[block.rowIndex(r)] = row
      }
      if block.count > 0, block.rowIndex(block.count - 1) >= last { break }
    }
    rows[key] = found
    return found[index]
  }
}
