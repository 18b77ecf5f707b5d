import GlassboxData

extension TreeEnsemble {
  /// Reads a tree ensemble from the bytes of a model file in any supported tree format:
  /// XGBoost JSON, LightGBM text, LightGBM `dump_model()` JSON, or glassbox-trees JSON.
  ///
  /// - Parameter path: the name used in error messages.
  /// - Throws: `DataError` for malformed JSON (with line and column), `ModelError` for
  ///   unknown formats, unsupported variants and inconsistent content. Never traps on bad input.
  /// - Complexity: O(file size).
  public static func read(_ bytes: [UInt8], path: String) throws -> TreeEnsemble {
    let (model, format) = try ModelLoader.decode(bytes, path: path)
    guard let ensemble = model as? TreeEnsemble else {
      throw ModelError.unsupported(path: path, what: "a \(format) model where a tree ensemble is expected")
    }
    return ensemble
  }
}
