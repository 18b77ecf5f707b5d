import GlassboxData

/// A model file format glassbox reads: how to recognise it by content, and how to load it.
///
/// To add a format, write one type that conforms (in its own file, next to its loader) and
/// add it to `ModelFormats.all`; detection, loading, `inspect` and the list of supported
/// formats in error messages all read that array.
public protocol ModelFormat: Sendable {
  /// The format's name in reports and audit records ("xgboost-json", ...).
  var name: String { get }
  /// How users know the format, for the list of supported formats ("XGBoost JSON").
  var displayName: String { get }
  /// True when `file` is in this format. Called in `ModelFormats.all` order; the first
  /// format that recognises a file loads it. Must not throw: a file a format does not
  /// recognise is simply not its.
  func recognizes(_ file: ModelFile) -> Bool
  /// Reads the model.
  /// - Throws: `ModelError` or `DataError` with the file's path and the field at fault.
  func load(_ file: ModelFile) throws -> any Model
  /// The relative gap |base + Σφ − prediction| / scale that an exact explanation of a model
  /// in this format may show from rounding alone: 1e-9 when the format's models compute in
  /// double (the default), 1e-5 when the library sums in float32 (XGBoost). `audit verify`
  /// judges records by this value, never by the tolerance a record states.
  var additivityTolerance: Double { get }
}

extension ModelFormat {
  public var additivityTolerance: Double { 1e-9 }
}

/// A model file's bytes, with its JSON parsed at most once for the formats that need it.
public final class ModelFile: @unchecked Sendable {
  /// The file's path, for error messages.
  public let path: String
  /// The whole content.
  public let bytes: [UInt8]
  /// Offset of the first byte after a UTF-8 byte-order mark and leading white space.
  public let contentStart: Int
  // Parsed on first use; only `ModelLoader` reads a file, on one thread.
  private var parsed: Result<JSONValue, DataError>?
  private var parsedUBJSON: Result<JSONValue, DataError>?

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
    var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while start < bytes.count, Self.isSpace(bytes[start]) { start += 1 }
    contentStart = start
  }

  /// The first content byte, nil for an empty (or all-blank) file.
  public var firstByte: UInt8? { contentStart < bytes.count ? bytes[contentStart] : nil }

  /// True when the content starts with `prefix` (after a byte-order mark and white space).
  public func starts(with prefix: String) -> Bool { bytes[contentStart...].starts(with: Array(prefix.utf8)) }

  /// True when the content opens a JSON object: `{` followed by a key or `}`. (UBJSON also
  /// opens with `{` but continues with a type marker.)
  public var looksLikeJSONObject: Bool {
    guard firstByte == UInt8(ascii: "{") else { return false }
    var next = contentStart + 1
    while next < bytes.count, Self.isSpace(bytes[next]) { next += 1 }
    return next >= bytes.count || bytes[next] == UInt8(ascii: "\"") || bytes[next] == UInt8(ascii: "}")
  }

  /// The parsed JSON document.
  /// - Throws: `DataError.malformedJSON` with the position of the first error.
  public func json() throws(DataError) -> JSONValue {
    if let parsed { return try parsed.get() }
    let result = Result { () throws(DataError) -> JSONValue in try JSONParser.parse(bytes, path: path) }
    parsed = result
    return try result.get()
  }

  /// True when the content may be a UBJSON object or array: `{` or `[` followed by a type
  /// marker (a letter, `$` or `#`), which JSON text never has there.
  public var looksLikeUBJSON: Bool {
    guard let first = firstByte, first == UInt8(ascii: "{") || first == UInt8(ascii: "["), contentStart + 1 < bytes.count
    else { return false }
    return Array("ZNTFiUIlLdDHCS$#".utf8).contains(bytes[contentStart + 1])
  }

  /// The document decoded as UBJSON (from the first content byte; offsets count from the file start).
  /// - Throws: `DataError.malformedUBJSON` with the byte offset of the first error.
  public func ubjson() throws(DataError) -> JSONValue {
    if let parsedUBJSON { return try parsedUBJSON.get() }
    let result = Result { () throws(DataError) -> JSONValue in try UBJSONParser.parse(bytes, path: path, start: contentStart) }
    parsedUBJSON = result
    return try result.get()
  }

  /// The root object.
  /// - Throws: `DataError` for malformed JSON, `ModelError` when the root is not an object.
  public func rootObject() throws -> JSONObject {
    guard let object = try json().object else {
      throw ModelError.unknownFormat(path: path, hint: "the JSON is not an object")
    }
    return object
  }

  /// The root object when the file is a well-formed JSON object, else nil.
  public var jsonObject: JSONObject? {
    guard looksLikeJSONObject else { return nil }
    return (try? json())?.object
  }

  private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
}

/// The registry of model formats: the one list detection and loading go through.
public enum ModelFormats {
  /// Every format glassbox reads, in detection order.
  public static let all: [any ModelFormat] = [
    GlassboxLinearFormat(), XGBoostJSONFormat(), LightGBMTextFormat(), LightGBMDumpFormat(), GlassboxTreesFormat(),
    XGBoostUBJSONFormat(),
    CatBoostJSONFormat(), ONNXTreesFormat(),
  ]

  /// The format called `name` (as audit records keep it), if glassbox reads it.
  public static func format(named name: String) -> (any ModelFormat)? { all.first { $0.name == name } }

  /// The formats' display names, for messages ("supported: ...").
  public static var supportedList: String { all.map(\.displayName).joined(separator: ", ") }

  /// Why no format recognised `file`: the most specific hint its content allows.
  /// - Throws: the JSON parser's error when the file is malformed JSON (its position is the news).
  static func unrecognized(_ file: ModelFile) throws -> ModelError {
    guard let first = file.firstByte else { return .unknownFormat(path: file.path, hint: "the file is empty") }
    if file.looksLikeUBJSON {
      switch Result(catching: { () throws(DataError) -> JSONValue in try file.ubjson() }) {
      case .success(let document):
        if document.object == nil { return .unknownFormat(path: file.path, hint: "a UBJSON document that is not an object") }
      case .failure(.malformedUBJSON(_, let offset, let problem)):
        return .unknownFormat(path: file.path, hint: "malformed UBJSON at byte \(offset): \(problem)")
      case .failure(let error):
        throw error
      }
      return .unknownFormat(path: file.path, hint: "a UBJSON object without \"learner\" (not an XGBoost model)")
    }
    if first == UInt8(ascii: "[") {
      _ = try file.json()
      return .unknownFormat(path: file.path, hint: "the JSON is not an object")
    }
    if first == UInt8(ascii: "{") && !file.looksLikeJSONObject || first < 0x20 {
      return .unknownFormat(path: file.path, hint: "binary content in no format glassbox reads")
    }
    guard first == UInt8(ascii: "{") else { return .unknownFormat(path: file.path, hint: "it is not JSON") }
    guard let root = try file.json().object else {
      return .unknownFormat(path: file.path, hint: "the JSON is not an object")
    }
    if let format = root["format"]?.string { return .unknownFormat(path: file.path, hint: "unknown format \"\(format)\"") }
    return .unknownFormat(path: file.path, hint: "no \"format\" member")
  }
}

/// glassbox's linear-model JSON (docs/linear-model.md).
struct GlassboxLinearFormat: ModelFormat {
  var name: String { "glassbox-linear" }
  var displayName: String { "glassbox-linear JSON (docs/linear-model.md)" }
  func recognizes(_ file: ModelFile) -> Bool { file.jsonObject?["format"]?.string == name }
  func load(_ file: ModelFile) throws -> any Model { try LinearModel.load(file.json(), path: file.path) }
}

/// XGBoost's JSON model (`save_model("m.json")`).
struct XGBoostJSONFormat: ModelFormat {
  var name: String { "xgboost-json" }
  var displayName: String { "XGBoost JSON" }
  /// XGBoost sums leaf values in float32.
  var additivityTolerance: Double { 1e-5 }
  func recognizes(_ file: ModelFile) -> Bool {
    guard let root = file.jsonObject else { return false }
    return root["format"] == nil && root["learner"] != nil
  }
  func load(_ file: ModelFile) throws -> any Model {
    try XGBoostJSONLoader.loadModel(file.rootObject(), path: file.path)
  }
}

/// LightGBM's text model (`save_model`).
struct LightGBMTextFormat: ModelFormat {
  var name: String { "lightgbm-text" }
  var displayName: String { "LightGBM text" }
  func recognizes(_ file: ModelFile) -> Bool { file.starts(with: "tree") }
  func load(_ file: ModelFile) throws -> any Model { try LightGBMTextLoader.load(file.bytes, path: file.path) }
}

/// LightGBM's `dump_model()` JSON.
struct LightGBMDumpFormat: ModelFormat {
  var name: String { "lightgbm-dump-json" }
  var displayName: String { "LightGBM dump_model JSON" }
  func recognizes(_ file: ModelFile) -> Bool {
    guard let root = file.jsonObject else { return false }
    return root["format"] == nil && root["learner"] == nil && root["name"]?.string == "tree" && root["tree_info"] != nil
  }
  func load(_ file: ModelFile) throws -> any Model {
    try LightGBMDumpLoader.load(file.rootObject(), path: file.path)
  }
}

/// glassbox-trees JSON, written by tools/export_sklearn.py for scikit-learn ensembles.
struct GlassboxTreesFormat: ModelFormat {
  var name: String { "glassbox-trees" }
  var displayName: String { "glassbox-trees JSON (docs/tree-models.md)" }
  func recognizes(_ file: ModelFile) -> Bool { file.jsonObject?["format"]?.string == name }
  func load(_ file: ModelFile) throws -> any Model {
    try SklearnTreesLoader.load(file.rootObject(), path: file.path)
  }
}
