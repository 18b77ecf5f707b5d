import GlassboxData
import GlassboxSystem

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
  /// Categorical features the card does not describe take the labels the model file
  /// gives (XGBoost ≥ 3.1 stores its category recoding).
  public var schema: FeatureSchema {
    FeatureSchema(
      names: model.featureNames, card: card, modelLabels: (model as? any CategoryLabelledModel)?.categoryLabels ?? [:])
  }

  /// A model loaded by other means than a file (a model behind a command or an endpoint):
  /// `path` is what the user gave to reach it, `format` names the transport.
  public init(model: any Model, path: String, format: String, card: ModelCard?, cardPath: String?) {
    self.model = model
    self.path = path
    self.format = format
    self.card = card
    self.cardPath = cardPath
  }
}

/// Reads a model file, recognising its format by content, and its card.
public enum ModelLoader {
  /// Loads the model at `path` and its card: `cardPath` if given, else the sidecar
  /// `<model>.card.json` when it exists.
  /// - Throws: `DataError` (missing file, malformed JSON with position) or `ModelError`.
  public static func load(path: String, cardPath: String? = nil) throws -> LoadedModel {
    try checkMemory(path: path)
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

  /// Memory a model takes while it loads, per byte of its file: measured at 5.3 for a
  /// 202 MB XGBoost JSON file (the bytes, the parsed document, the built trees).
  public static let loadingBytesPerFileByte = 6

  /// Refuses a model file whose loading would need more memory than is available
  /// (`AvailableMemory`), instead of failing mid-way.
  /// - Throws: `ModelError.tooLarge`.
  static func checkMemory(path: String, available: Int? = AvailableMemory.bytes()) throws {
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, let available else { return }
    let size = Int(info.st_size)
    let (needed, overflow) = size.multipliedReportingOverflow(by: loadingBytesPerFileByte)
    if overflow || needed > available {
      throw ModelError.tooLarge(
        path: path, fileBytes: size, neededBytes: overflow ? Int.max : needed, availableBytes: available)
    }
  }

  /// Recognises the format of `bytes` by content (the first of `ModelFormats.all` that
  /// recognises it) and loads the model.
  static func decode(_ bytes: [UInt8], path: String) throws -> (any Model, String) {
    let file = ModelFile(path: path, bytes: bytes)
    guard let format = ModelFormats.all.first(where: { $0.recognizes(file) }) else {
      throw try ModelFormats.unrecognized(file)
    }
    return (try format.load(file), format.name)
  }
}

#if canImport(Glibc)
  import Glibc
#endif

func fileExists(_ path: String) -> Bool {
  var info = stat()
  return stat(path, &info) == 0
}
