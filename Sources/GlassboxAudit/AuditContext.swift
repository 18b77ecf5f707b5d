import GlassboxData
import GlassboxModels

/// A file named in a record: its path as given and the SHA-256 of its content.
public struct FileReference: Sendable, Equatable {
  public var path: String
  /// Lower-case hex SHA-256 of the file's bytes.
  public var sha256: String

  public init(path: String, sha256: String) {
    self.path = path
    self.sha256 = sha256
  }

  /// Hashes the file at `path`.
  public static func hashing(_ path: String) throws(AuditError) -> FileReference {
    FileReference(path: path, sha256: try AuditSchema.fileSHA256(path: path))
  }
}

/// Where the explained rows came from.
public enum DataSource: Sendable, Equatable {
  /// A CSV file, hashed before the first record.
  case file(FileReference)
  /// Standard input: not hashed (it cannot be read twice); replay re-explains the
  /// recorded input values.
  case standardInput
  /// Standard input (path `-`) or a FIFO, read once and hashed while read
  /// (`CapturedStream`); replay re-explains the recorded input values.
  case stream(path: String, sha256: String)
  /// One instance given on the command line (`--instance`).
  case instance
}

/// The program that wrote a record.
public struct ToolInfo: Sendable, Equatable {
  public var name: String
  public var version: String
  /// The build configuration (`release`/`debug`), compiler and platform.
  public var build: String
  /// SHA-256 of the running executable, when it can be read.
  public var binarySHA256: String?

  public init(name: String, version: String, build: String, binarySHA256: String?) {
    self.name = name
    self.version = version
    self.build = build
    self.binarySHA256 = binarySHA256
  }

  /// This process: `version` as given, the build from compile-time conditions, and
  /// the executable's hash read through `/proc/self/exe`.
  public static func current(name: String, version: String) -> ToolInfo {
    #if DEBUG
      var build = "debug"
    #else
      var build = "release"
    #endif
    #if compiler(>=6.3)
      build += " swift-6.3+"
    #elseif compiler(>=6.0)
      build += " swift-6.x"
    #endif
    #if arch(x86_64)
      build += " x86_64"
    #elseif arch(arm64)
      build += " arm64"
    #endif
    #if os(Linux)
      build += "-linux"
    #endif
    return ToolInfo(
      name: name, version: version, build: build, binarySHA256: try? AuditSchema.fileSHA256(path: "/proc/self/exe"))
  }
}

/// How the explanations were computed: everything replay needs to re-create the explainer.
public struct ExplainerSettings: Sendable, Equatable {
  /// The method that ran (`Explainer.method`: "linear", "tree", ...).
  public var method: String
  /// The method asked for on the command line ("auto", "tree-interventional", ...).
  public var requestedMethod: String
  /// True when the attributions are exact Shapley values.
  public var exact: Bool
  public var seed: UInt64
  public var threads: Int
  /// "raw" or "probability".
  public var outputSpace: String
  /// The reference rows, when a file was given.
  public var background: FileReference?
  /// BLAS threads and build configuration, which can change the last bits of results.
  public var blas: String?
  /// The relative tolerance `verify` allows on base + Σφ = prediction (see `AuditVerifier`):
  /// about 1e-9 for exact methods in double, 1e-5 for float32 models (XGBoost), 1e-6 for
  /// sampled estimates whose efficiency is enforced.
  public var additivityTolerance: Double
  /// Method-specific settings (sample counts, kernel width, ...); written sorted by key.
  /// Explainers that add settings put them here; replay hands them back.
  public var parameters: [String: JSONValue]

  public init(
    method: String, requestedMethod: String, exact: Bool, seed: UInt64, threads: Int, outputSpace: String,
    background: FileReference? = nil, blas: String? = nil, additivityTolerance: Double? = nil,
    parameters: [String: JSONValue] = [:]
  ) {
    self.method = method
    self.requestedMethod = requestedMethod
    self.exact = exact
    self.seed = seed
    self.threads = threads
    self.outputSpace = outputSpace
    self.background = background
    self.blas = blas
    self.additivityTolerance = additivityTolerance ?? (exact ? 1e-9 : 1e-6)
    self.parameters = parameters
  }
}

/// Everything a run's records share: computed once, written into every record.
public struct AuditContext: Sendable {
  public var tool: ToolInfo
  public var model: FileReference
  public var modelFormat: String
  /// The link of the model's raw output ("identity", "logit", "softmax", "log").
  public var objective: String
  public var card: FileReference?
  public var data: DataSource
  /// The `--id-column` name, if rows are identified by one.
  public var idColumn: String?
  public var explainer: ExplainerSettings
  /// The model's features (names in model order, sensitivity and labels from the card).
  public var schema: FeatureSchema
  /// A model behind a command or a URL (nil for a model file): written as `model.remote`.
  public var remote: RemoteModelReference?
  /// A remote model's work so far, written as each record's `"model_calls"` when set: the
  /// calls the run made up to that record's block (the last record holds the run's total).
  public var modelCalls: (@Sendable () -> ModelCallCounts)?

  public init(
    tool: ToolInfo, model: FileReference, modelFormat: String, objective: String, card: FileReference?,
    data: DataSource, idColumn: String?, explainer: ExplainerSettings, schema: FeatureSchema
  ) {
    self.tool = tool
    self.model = model
    self.modelFormat = modelFormat
    self.objective = objective
    self.card = card
    self.data = data
    self.idColumn = idColumn
    self.explainer = explainer
    self.schema = schema
  }

  /// The context of a loaded model: hashes the model (unless `remote` describes it) and
  /// card files.
  public init(
    tool: ToolInfo, loaded: LoadedModel, data: DataSource, idColumn: String?, explainer: ExplainerSettings,
    remote: RemoteModelReference? = nil
  ) throws(AuditError) {
    let model: FileReference
    if let remote {
      model = FileReference(path: remote.shown, sha256: remote.script?.sha256 ?? "")
    } else {
      model = try .hashing(loaded.path)
    }
    self.init(
      tool: tool, model: model, modelFormat: loaded.format,
      objective: loaded.model.transform.linkName, card: try loaded.cardPath.map { (p: String) throws(AuditError) in try .hashing(p) },
      data: data, idColumn: idColumn, explainer: explainer, schema: loaded.schema)
    self.remote = remote
  }
}
