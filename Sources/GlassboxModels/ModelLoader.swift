import GlassboxData

/// A model read from disk with what is known about it.
public struct LoadedModel: Sendable {
  public let model: any Model
  /// The file it came from.
  public let path: String
  /// The format's name ("glassbox-linear", ...).
  public let format: String
  /// The model card, if one was found or given.
  public let card: ModelCard?
  /// The card's path, if a card was read.
  public let cardPath: String?
  /// The model's schema: its features as the card describes them.
  public var schema: FeatureSchema { FeatureSchema(names: model.featureNames, card: card) }
}

/// Reads a model file, recognising its format by content, and its card.
public enum ModelLoader {
  /// Loads the model at `path` and its card: `cardPath` if given, else the sidecar
  /// `<model>.card.json` when it exists.
  /// - Throws: `DataError` (missing file, malformed JSON with position) or `ModelError`.
  public static func load(path: String, cardPath: String? = nil) throws -> LoadedModel {
    let bytes = try ByteSource.contents(of: path)
    let (model, format) = try decode(bytes, path: path)
    var card: ModelCard? = nil
    var usedCardPath: String? = nil
    if let cardPath {
      card = try ModelCard.load(path: cardPath)
      usedCardPath = cardPath
    } else {
      let sidecar = ModelCard.sidecarPath(forModel: path)
      if sidecar != path, fileExists(sidecar) {
        card = try ModelCard.load(path: sidecar)
        usedCardPath = sidecar
      }
    }
    if let card {
      let unknown = card.features.map(\.name).filter { !model.featureNames.contains($0) }
      if !unknown.isEmpty, card.features.count == model.featureNames.count {
        throw ModelError.invalid(
          path: usedCardPath ?? "", field: "features",
          problem: "the card describes \(unknown.joined(separator: ", ")), which the model does not have")
      }
    }
    return LoadedModel(model: model, path: path, format: format, card: card, cardPath: usedCardPath)
  }

  static func decode(_ bytes: [UInt8], path: String) throws -> (any Model, String) {
    let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    var start = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
    while start < bytes.count, isSpace(bytes[start]) { start += 1 }
    guard start < bytes.count else { throw ModelError.unknownFormat(path: path, hint: "the file is empty") }
    let firstByte = bytes[start]
    guard firstByte == UInt8(ascii: "{") else {
      if bytes[start...].starts(with: Array("tree".utf8)) {
        return (try LightGBMTextLoader.load(bytes, path: path), "lightgbm-text")
      }
      if firstByte == UInt8(ascii: "[") || firstByte < 0x20 {
        throw ModelError.unknownFormat(path: path, hint: "binary content; UBJSON models are not supported, save as JSON")
      }
      throw ModelError.unknownFormat(path: path, hint: "it is not JSON")
    }
    // UBJSON also opens with '{' but continues with a type marker, not a quote.
    var next = start + 1
    while next < bytes.count, isSpace(bytes[next]) { next += 1 }
    if next < bytes.count, bytes[next] != UInt8(ascii: "\""), bytes[next] != UInt8(ascii: "}") {
      throw ModelError.unknownFormat(
        path: path, hint: "binary content; UBJSON models are not supported, save the model as .json")
    }
    let document = try JSONParser.parse(bytes, path: path)
    guard let root = document.object else { throw ModelError.unknownFormat(path: path, hint: "the JSON is not an object") }
    if let format = root["format"]?.string {
      switch format {
      case "glassbox-linear": return (try LinearModel.load(document, path: path), format)
      case "glassbox-trees": return (try SklearnTreesLoader.load(root, path: path), format)
      default: throw ModelError.unknownFormat(path: path, hint: "unknown format \"\(format)\"")
      }
    }
    if root["learner"] != nil {
      return (try XGBoostJSONLoader.load(root, path: path), "xgboost-json")
    }
    if root["name"]?.string == "tree", root["tree_info"] != nil {
      return (try LightGBMDumpLoader.load(root, path: path), "lightgbm-dump-json")
    }
    throw ModelError.unknownFormat(path: path, hint: "no \"format\" member")
  }
}

#if canImport(Glibc)
  import Glibc
#endif

func fileExists(_ path: String) -> Bool {
  var info = stat()
  return stat(path, &info) == 0
}
