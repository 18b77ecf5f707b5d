import ArgumentParser
import GlassboxAudit
import GlassboxAuditStores
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxPipeline
import GlassboxNumerics

/// The audit-trail flags shared by commands that explain predictions.
struct AuditOptions: ParsableArguments {
  @Option(help: "Append one tamper-evident JSON line per explained prediction to this audit log (hash-chained; see docs/audit-log.md).")
  var audit: String?

  @Option(help: "With --audit: store keyed HMAC-SHA256 hashes of sensitive input values (the card's 'sensitive' features) instead of omitting them; a key file from 'glassbox audit keygen --redaction'.")
  var redactKey: String?

  @Option(help: "With --audit: sign a checkpoint (record count and Merkle root) with this Ed25519 private key every --checkpoint-every records and at the end.")
  var signKey: String?

  @Option(help: "With --sign-key: records between signed checkpoints.")
  var checkpointEvery: Int = 1000

  func validate() throws {
    if audit == nil && (redactKey != nil || signKey != nil) {
      throw ValidationError("--redact-key and --sign-key apply to --audit LOG")
    }
    if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
  }

  /// What the audited run did, as `Explain` knows it.
  struct Run {
    var loaded: LoadedModel
    var explainer: any Explainer
    var requestedMethod: String
    var seed: UInt64
    var threads: Int
    var space: OutputSpace
    var backgroundPath: String?
    /// The CSV path (`-` for standard input), or nil for `--instance`.
    var dataPath: String?
    /// The input when it could be read only once (`captureStream`).
    var captured: CapturedStream? = nil
    var idColumn: String?
    /// Method-specific settings to record (sample counts, ...).
    var parameters: [String: JSONValue] = [:]
  }

  /// With `--audit`, starts hashing the executable and these files on other threads
  /// (`makeTrail` takes the results), so the hashing overlaps loading the model.
  func prefetchHashes(_ paths: String?...) {
    guard audit != nil else { return }
    FileHashPrefetch.start(paths: ["/proc/self/exe"] + paths.compactMap { $0 }.filter { !ByteSource.isStream($0) })
  }

  /// With `--audit`, reads an input that can be read only once (standard input, a FIFO,
  /// `<(...)`) whole, hashing it as it is read; the rows are then parsed from these bytes.
  /// nil without `--audit` or for a regular file (streamed, and hashed on its own).
  /// - Throws: `AuditError.cannotRead`.
  func captureStream(_ path: String?) throws -> CapturedStream? {
    guard audit != nil, let path, ByteSource.isStream(path) else { return nil }
    return try CapturedStream.read(path: path)
  }

  /// Opens the audit trail when `--audit` is given: hashes the model, card, background
  /// and data file once, and reads the keys.
  /// - Throws: `AuditError` for unreadable files or keys.
  func makeTrail(_ run: Run) throws -> AuditTrail? {
    guard let audit else { return nil }
    let data: DataSource
    switch run.dataPath {
    case nil: data = .instance
    case _? where run.captured != nil: data = run.captured!.dataSource
    case "-"?: data = .standardInput
    case let path? where ByteSource.isStream(path):
      throw ValidationError("--audit: '\(path)' can be read only once and was not captured; give a regular file")
    case let path?: data = .file(try .hashing(path))
    }
    let settings = ExplainerSettings(
      method: run.explainer.method, requestedMethod: run.requestedMethod, exact: run.explainer.isExact,
      seed: run.seed, threads: run.threads, outputSpace: run.space.rawValue,
      background: try run.backgroundPath.map { (p: String) throws(AuditError) in try FileReference.hashing(p) },
      blas: "threads=\(BLASRuntime.threads) \(BLASRuntime.configuration)",
      additivityTolerance: AdditivityError.tolerance(explainer: run.explainer, model: run.loaded.model),
      parameters: run.parameters)
    var context = try AuditContext(
      tool: .current(name: "glassbox", version: Glassbox.version), loaded: run.loaded, data: data,
      idColumn: run.idColumn, explainer: settings, remote: RemoteModelOptions.auditReference(run.loaded))
    context.modelCalls = RemoteModelOptions.callCounts(run.loaded)
    return try AuditTrail(
      store: LogStoreRegistry.withDatabases.store(for: audit), context: context, redactor: try redactKey.map { (p: String) throws(AuditError) in try Redactor(path: p) },
      signingKey: try signKey.map { (p: String) throws(AuditError) in try AuditSigningKey(path: p) },
      checkpointEvery: checkpointEvery)
  }
}
