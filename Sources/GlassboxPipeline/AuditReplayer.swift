import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxSystem

/// Re-creates explainers and input rows for recorded explanations, caching loaded
/// models, explainers, file hashes and re-read rows across records.
public struct AuditReplayer {
  /// Starts the command or connects to the endpoint of a record's remote model again, and
  /// says what changed since the record (a script's hash, a model version), or throws.
  public typealias RemoteLoader = (RecordedExplanation) throws -> (model: LoadedModel, changes: [String])

  let redactor: Redactor?
  let loadRemote: RemoteLoader?
  /// The rows to re-read, by data file: each file is read once per model schema.
  let neededRows: [String: Set<Int>]
  private var hashes: [String: String] = [:]
  private var setups: [String: (LoadedModel, any Explainer, [String])] = [:]
  private var rows: [String: [Int: [Double]]] = [:]

  /// Replays `records` in order: one result each, a record that cannot be replayed
  /// (a changed file, a missing row, an unknown method) is a failed result with its reason.
  /// - Throws: errors that are not about one record (unreadable files are per record).
  /// - Complexity: each data file is read once; each distinct explainer is built once.
  /// - Parameter describe: how a failure reads in the report (a front end spells
  ///   parameters its own way).
  /// - Parameter loadRemote: how a record of a remote model gets its model (without it
  ///   such records are not replayed).
  public static func replayAll(
    _ records: [RecordedExplanation], redactor: Redactor?, loadRemote: RemoteLoader? = nil,
    describe: (any UserFacingError) -> String = { $0.description }
  ) throws -> [ReplayResult] {
    var needed: [String: Set<Int>] = [:]
    for r in records { if let file = r.dataFile { needed[file.path, default: []].insert(r.row) } }
    var replayer = AuditReplayer(redactor: redactor, neededRows: needed, loadRemote: loadRemote)
    var results: [ReplayResult] = []
    for record in records {
      do {
        results.append(try replayer.replay(record))
      } catch let error as UserFacingError {
        results.append(ReplayResult(seq: record.seq, status: .failed, detail: describe(error)))
      }
    }
    return results
  }

  public init(redactor: Redactor?, neededRows: [String: Set<Int>], loadRemote: RemoteLoader? = nil) {
    self.redactor = redactor
    self.neededRows = neededRows
    self.loadRemote = loadRemote
  }

  /// Re-explains one record and compares the result with it.
  public mutating func replay(_ r: RecordedExplanation) throws -> ReplayResult {
    if r.remote == nil { try check(r.model, "model") }
    if let card = r.card { try check(card, "model card") }
    if let background = r.background { try check(background, "background") }
    let (loaded, explainer, changes) = try setup(r)
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
      try explainer.explain(p, count: 1, rowIndices: [r.row][...], ids: r.id.map { [$0] }, into: &out)
    }
    guard var recomputed = out.first(where: { $0.output == r.output }) else {
      return ReplayResult(seq: r.seq, status: .failed, detail: "the model has no output \(r.output.map(String.init) ?? "")")
    }
    recomputed.id = r.id
    var result = AuditReplay.compare(r, with: recomputed, featureNames: schema.names)
    if !changes.isEmpty && result.status != .failed {
      result.status = .differs
      result.changes = changes
    }
    return result
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

  /// The explainer the recorded run used, re-created from the record's structured
  /// settings (method, seed, output space, background, parameters) through the registry.
  private mutating func setup(_ r: RecordedExplanation) throws -> (LoadedModel, any Explainer, [String]) {
    guard ExplainerRegistry.method(named: r.requestedMethod) != nil else {
      throw ReplayError(seq: r.seq, problem: "this glassbox cannot re-create the method '\(r.requestedMethod)'")
    }
    let setup = ExplainerRegistry.setup(
      requestedMethod: r.requestedMethod, seed: r.seed, outputSpace: r.outputSpace, backgroundPath: r.background?.path,
      recorded: r.parameters)
    let key = [r.remote.map { "\($0)" } ?? r.model.path, r.card?.path ?? "", setup.identity].joined(separator: "\u{1}")
    if let known = setups[key] { return known }
    let loaded: LoadedModel
    var changes: [String] = []
    if r.remote != nil {
      guard let loadRemote else {
        throw ReplayError(seq: r.seq, problem: "the model '\(r.model.path)' is a command or URL, which this replay cannot reach")
      }
      (loaded, changes) = try loadRemote(r)
    } else {
      loaded = try ModelLoader.load(path: r.model.path, cardPath: r.card?.path)
    }
    let explainer: any Explainer
    do {
      explainer = try ExplainerRegistry.make(setup, model: loaded)
    } catch let error as ExplainerError {
      throw ReplayError(seq: r.seq, problem: "this glassbox cannot re-create the recorded settings: \(error)")
    }
    setups[key] = (loaded, explainer, changes)
    return (loaded, explainer, changes)
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

/// A record whose explainer cannot be re-created.
struct ReplayError: UserFacingError {
  let seq: Int
  let problem: String
  var kind: FailureKind { .usage }
  var description: String { "seq \(seq): \(problem)" }
}
