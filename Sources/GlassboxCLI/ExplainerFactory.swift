import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// The explanation methods the CLI offers.
enum ExplanationMethod: String, CaseIterable, Sendable {
  /// The best exact method for the model: linear SHAP for linear models.
  case auto
  case linear
}

/// Chooses and builds the explainer for a model and method.
enum ExplainerFactory {
  /// - Throws: `ExplainerError.unsupportedModel` when the method does not fit the model,
  ///   `DataError` for an unreadable background.
  static func make(
    method: ExplanationMethod, loaded: LoadedModel, backgroundPath: String?
  ) throws -> any Explainer {
    let background = try backgroundPath.map { try Background.read(path: $0, schema: loaded.schema) }
    switch (method, loaded.model) {
    case (.auto, let linear as LinearModel), (.linear, let linear as LinearModel):
      return try LinearSHAP(model: linear, background: background)
    case (.linear, _):
      throw ExplainerError.unsupportedModel(
        method: "linear", model: loaded.format, hint: "use --method auto to pick the method that fits the model")
    default:
      throw ExplainerError.unsupportedModel(
        method: method.rawValue, model: loaded.format, hint: "this build explains linear models only")
    }
  }
}
