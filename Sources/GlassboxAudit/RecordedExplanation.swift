import GlassboxData

/// An explanation record read back from a log: what show, export and replay need.
public struct RecordedExplanation: Sendable {
  public var seq: Int
  public var recordID: String
  public var time: String
  public var model: FileReference
  public var modelFormat: String
  /// The command or endpoint of a model glassbox does not hold; nil for a model file.
  public var remote: RemoteModelReference?
  public var card: FileReference?
  /// "file", "stdin" or "instance".
  public var dataSource: String
  /// The data file, when `dataSource` is "file".
  public var dataFile: FileReference?
  public var idColumn: String?
  public var row: Int
  public var id: String?
  public var output: Int?
  /// Input values by feature: a number, a label, null (missing), or `{"hmac": ...}`;
  /// sensitive features without a redaction key are absent.
  public var inputs: JSONObject
  /// The features whose values are omitted or hashed.
  public var redactedFields: [String]
  /// "omit" or "hmac-sha256".
  public var redactionMethod: String
  public var redactionKeyID: String?
  public var space: String
  public var prediction: Double
  public var method: String
  public var requestedMethod: String
  public var exact: Bool
  public var seed: UInt64
  public var threads: Int
  public var outputSpace: String
  public var background: FileReference?
  public var parameters: JSONObject
  public var baseValue: Double
  /// Attributions by feature, in the model's feature order.
  public var attributions: [(feature: String, phi: Double)]
  /// Features of the reason codes, by rank.
  public var reasons: [String]
  public var warnings: [String]
  /// A remote model's calls up to this record (`ModelCallCounts`), when recorded.
  public var modelCalls: ModelCallCounts?

  /// Reads a record line.
  /// - Throws: `AuditError.malformedLine` naming the missing member.
  public init(_ o: JSONObject, path: String, line: Int) throws(AuditError) {
    func fail(_ member: String) -> AuditError {
      .malformedLine(path: path, line: line, problem: "missing or invalid '\(member)'")
    }
    func file(_ value: JSONValue?) -> FileReference? {
      guard let f = value?.object, let p = f["path"]?.string, let h = f["sha256"]?.string else { return nil }
      return FileReference(path: p, sha256: h)
    }
    guard o["type"]?.string == "explanation" else { throw fail("type") }
    guard let seq = o["seq"]?.number.flatMap({ Int(exactly: $0) }) else { throw fail("seq") }
    self.seq = seq
    recordID = o["record_id"]?.string ?? ""
    time = o["time"]?.string ?? ""
    guard let modelObject = o["model"]?.object else { throw fail("model") }
    remote = RemoteModelReference(modelObject["remote"])
    if let model = file(o["model"]) {
      self.model = model
    } else if let remote, let path = modelObject["path"]?.string {
      // A remote model without a script file has no hash.
      self.model = FileReference(path: path, sha256: remote.script?.sha256 ?? "")
    } else {
      throw fail("model")
    }
    modelFormat = modelObject["format"]?.string ?? ""
    card = file(modelObject["card"])
    let data = o["data"]?.object
    dataSource = data?["source"]?.string ?? "stdin"
    dataFile = dataSource == "file" ? file(o["data"]) : nil
    idColumn = data?["id_column"]?.string
    guard let row = o["row"]?.number.flatMap({ Int(exactly: $0) }) else { throw fail("row") }
    self.row = row
    id = o["id"]?.string
    output = o["output"]?.number.flatMap { Int(exactly: $0) }
    inputs = o["input"]?.object ?? JSONObject()
    let redaction = o["redaction"]?.object
    redactedFields = redaction?["fields"]?.array?.compactMap(\.string) ?? []
    redactionMethod = redaction?["method"]?.string ?? "omit"
    redactionKeyID = redaction?["key_id"]?.string
    guard let prediction = o["prediction"]?.object, let value = prediction["value"]?.number else { throw fail("prediction") }
    space = prediction["space"]?.string ?? "raw"
    self.prediction = value
    guard let explainer = o["explainer"]?.object, let method = explainer["method"]?.string else { throw fail("explainer") }
    self.method = method
    requestedMethod = explainer["requested"]?.string ?? method
    exact = explainer["exact"]?.bool ?? true
    if let n = explainer["seed"]?.number, let s = UInt64(exactly: n) {
      seed = s
    } else if let text = explainer["seed"]?.string, let s = UInt64(text) {
      seed = s
    } else {
      throw fail("explainer.seed")
    }
    threads = explainer["threads"]?.number.flatMap { Int(exactly: $0) } ?? 1
    outputSpace = explainer["output_space"]?.string ?? "raw"
    background = file(explainer["background"])
    parameters = explainer["parameters"]?.object ?? JSONObject()
    guard let attribution = o["attribution"]?.object, let base = attribution["base"]?.number,
      let phi = attribution["phi"]?.object
    else { throw fail("attribution") }
    baseValue = base
    attributions = phi.members.map { ($0.key, $0.value.number ?? .nan) }
    reasons = o["reasons"]?.array?.compactMap { $0.object?["feature"]?.string } ?? []
    warnings = o["warnings"]?.array?.compactMap(\.string) ?? []
    if let calls = o["model_calls"]?.object, let e = calls["evaluations"]?.number.flatMap({ Int(exactly: $0) }),
      let s = calls["rows_sent"]?.number.flatMap({ Int(exactly: $0) }),
      let r = calls["requests"]?.number.flatMap({ Int(exactly: $0) })
    {
      modelCalls = ModelCallCounts(evaluations: e, rowsSent: s, requests: r)
    }
  }

  /// The explanation records of the log file at `path`, skipping checkpoints.
  /// - Throws: `AuditError` for an unreadable log or a malformed record.
  public static func readAll(path: String) throws(AuditError) -> [RecordedExplanation] {
    try readAll(from: FileLogStore(path: path))
  }

  /// The explanation records of the log in `store`, in order, skipping checkpoints and
  /// a torn last line.
  /// - Throws: `AuditError` for an unreadable log or a malformed record.
  /// - Complexity: O(log size) time; memory O(records kept).
  public static func readAll(from store: any LogStore) throws(AuditError) -> [RecordedExplanation] {
    let location = store.location
    var out: [RecordedExplanation] = []
    var failure: AuditError?
    try store.forEachStoredLine { line in
      guard line.isComplete else { return true }
      do throws(AuditError) {
        guard let object = try? JSONParser.parse(line.bytes, path: location).object else {
          throw .malformedLine(path: location, line: line.number, problem: "not JSON")
        }
        if object["type"]?.string == "checkpoint" { return true }
        out.append(try RecordedExplanation(object, path: location, line: line.number))
        return true
      } catch {
        failure = error
        return false
      }
    }
    if let failure { throw failure }
    return out
  }

  /// The encoded input row (model feature order, labels turned into codes), or nil
  /// when a value was redacted or cannot be read with `schema`.
  public func encodedInputs(schema: FeatureSchema) -> [Double]? {
    var row: [Double] = []
    row.reserveCapacity(schema.count)
    for (j, name) in schema.names.enumerated() {
      guard let value = inputs[name] else { return nil }
      switch value {
      case .null: row.append(.nan)
      case .number(let x): row.append(x)
      case .string(let label):
        guard case .categorical(let labels) = schema.features[j].kind,
          let code = labels.first(where: { $0.label == label })?.code
        else { return nil }
        row.append(code)
      default: return nil
      }
    }
    return row
  }

  /// The first recorded input that differs from `row` (encoded, model order), if any.
  /// Hashed values are checked when `redactor` holds the key they were made with.
  public func inputMismatch(_ row: [Double], schema: FeatureSchema, redactor: Redactor?) -> String? {
    for (j, name) in schema.names.enumerated() where j < row.count {
      guard let value = inputs[name] else { continue }
      let shown = schema.displayValue(row[j], feature: j)
      if let hmac = value.object?["hmac"]?.string {
        guard let redactor, redactor.keyID == redactionKeyID else { continue }
        if redactor.hash(feature: name, value: AuditRecordBuilder.text(of: shown)) != hmac { return name }
        continue
      }
      let same: Bool
      switch (value, shown) {
      case (.null, .missing): same = true
      case (.number(let a), .number(let b)): same = a == b
      case (.string(let a), .label(let b)): same = a == b
      default: same = false
      }
      if !same { return name }
    }
    return nil
  }
}
