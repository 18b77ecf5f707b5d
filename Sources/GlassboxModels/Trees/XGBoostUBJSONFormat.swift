import GlassboxData

/// XGBoost's Universal Binary JSON model (`save_model("m.ubj")`, and the default since
/// xgboost 2.1 when the file name does not end in `.json`).
///
/// The document is the one `save_model("m.json")` writes, in another encoding; it is
/// decoded by `UBJSONParser` and read by the same `XGBoostJSONLoader`, so a booster saved
/// both ways gives identical models (float32 numbers arrive exactly as their shortest
/// decimal text parses).
struct XGBoostUBJSONFormat: ModelFormat {
  var name: String { "xgboost-ubjson" }
  var displayName: String { "XGBoost UBJSON" }
  /// XGBoost sums leaf values in float32.
  var additivityTolerance: Double { 1e-5 }
  func recognizes(_ file: ModelFile) -> Bool {
    guard file.looksLikeUBJSON, let root = (try? file.ubjson())?.object else { return false }
    return root["learner"] != nil
  }
  /// - Throws: `DataError.malformedUBJSON` (with the byte offset) or the loader's `ModelError`.
  func load(_ file: ModelFile) throws -> any Model {
    guard let root = try file.ubjson().object else {
      throw ModelError.unknownFormat(path: file.path, hint: "the UBJSON document is not an object")
    }
    return try XGBoostJSONLoader.loadModel(root, path: file.path)
  }
}
