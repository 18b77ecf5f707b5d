import GlassboxData

/// What a record says about a model glassbox does not hold (`--model-command`,
/// `--model-url`): enough to start the same command or query the same endpoint again.
///
/// Written as the member `"remote"` of the record's `"model"` object, which otherwise keeps
/// its layout: `"path"` is the command line or the endpoint, `"sha256"` the script's hash
/// (a command) or null. Records of model files have no `"remote"` member, so logs written
/// before it existed read, verify and replay as they did.
///
/// Never recorded: request headers (`--header-file`), and the user name, password, query
/// and fragment of a URL.
public struct RemoteModelReference: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case command
    case url
  }

  public var kind: Kind
  /// The command line (`/bin/sh -c` runs it), for a command.
  public var command: String?
  /// The script the command runs and its SHA-256 (`CommandScript` says which argument).
  public var script: FileReference?
  /// The URL without credentials, query or fragment, for an endpoint.
  public var endpoint: String?
  /// "v2" or "mlflow", for an endpoint.
  public var servingProtocol: String?
  /// The model's name and version from the server's metadata (v2 `GET /v2/models/NAME`).
  public var modelName: String?
  public var modelVersion: String?
  /// Where the name and version came from: "GET <url>", or why there is none.
  public var metadata: String?
  /// v2: "tensor" or "columns"; v2: the output read (nil: the first).
  public var layout: String?
  public var outputName: String?
  /// What the answers are: "probability", "margin" or "value".
  public var outputKind: String
  /// The most distinct rows per batch.
  public var batchRows: Int

  public init(
    kind: Kind, command: String? = nil, script: FileReference? = nil, endpoint: String? = nil,
    servingProtocol: String? = nil, modelName: String? = nil, modelVersion: String? = nil, metadata: String? = nil,
    layout: String? = nil, outputName: String? = nil, outputKind: String, batchRows: Int
  ) {
    self.kind = kind
    self.command = command
    self.script = script
    self.endpoint = endpoint
    self.servingProtocol = servingProtocol
    self.modelName = modelName
    self.modelVersion = modelVersion
    self.metadata = metadata
    self.layout = layout
    self.outputName = outputName
    self.outputKind = outputKind
    self.batchRows = batchRows
  }

  /// Writes the `"remote"` object (members in a fixed order, each kind its own).
  func write(into w: inout JSONLineWriter) {
    w.beginObject()
    w.key("kind")
    w.string(kind.rawValue)
    switch kind {
    case .command:
      w.key("command")
      w.optionalString(command)
      w.key("script")
      AuditRecordBuilder.writeFile(script, into: &w)
    case .url:
      w.key("endpoint")
      w.optionalString(endpoint)
      w.key("protocol")
      w.optionalString(servingProtocol)
      w.key("model_name")
      w.optionalString(modelName)
      w.key("model_version")
      w.optionalString(modelVersion)
      w.key("metadata")
      w.optionalString(metadata)
      w.key("layout")
      w.optionalString(layout)
      w.key("output_name")
      w.optionalString(outputName)
    }
    w.key("output_kind")
    w.string(outputKind)
    w.key("batch_rows")
    w.int(batchRows)
    w.endObject()
  }

  /// Reads a `"remote"` object; nil when it is not one.
  public init?(_ value: JSONValue?) {
    guard let o = value?.object, let kind = o["kind"]?.string.flatMap(Kind.init(rawValue:)) else { return nil }
    self.kind = kind
    command = o["command"]?.string
    if let s = o["script"]?.object, let path = s["path"]?.string, let hash = s["sha256"]?.string {
      script = FileReference(path: path, sha256: hash)
    }
    endpoint = o["endpoint"]?.string
    servingProtocol = o["protocol"]?.string
    modelName = o["model_name"]?.string
    modelVersion = o["model_version"]?.string
    metadata = o["metadata"]?.string
    layout = o["layout"]?.string
    outputName = o["output_name"]?.string
    outputKind = o["output_kind"]?.string ?? "probability"
    batchRows = o["batch_rows"]?.number.flatMap { Int(exactly: $0) } ?? 1024
  }

  /// How the record's path names the model: the command line or the endpoint.
  public var shown: String { (kind == .command ? command : endpoint) ?? "" }
}

/// Work a remote model did for a run, as `"model_calls"` in JSON Lines and audit records.
public struct ModelCallCounts: Sendable, Equatable {
  /// Rows the explainers asked the model for.
  public var evaluations: Int
  /// Distinct rows sent (duplicates within a group of requests are sent once).
  public var rowsSent: Int
  /// Batches sent: HTTP requests, or protocol frames to a command.
  public var requests: Int

  public init(evaluations: Int, rowsSent: Int, requests: Int) {
    self.evaluations = evaluations
    self.rowsSent = rowsSent
    self.requests = requests
  }

  /// `{"evaluations":E,"rows_sent":S,"requests":R}`.
  public var json: String {
    "{\"evaluations\":\(evaluations),\"rows_sent\":\(rowsSent),\"requests\":\(requests)}"
  }

  func write(into w: inout JSONLineWriter) {
    w.key("model_calls")
    w.raw(Array(json.utf8))
  }
}
