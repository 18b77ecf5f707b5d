import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// The explanation methods the CLI offers.
enum ExplanationMethod: String, CaseIterable, Sendable {
  /// The best exact method for the model: linear SHAP for linear models, path-dependent
  /// TreeSHAP for tree ensembles.
  case auto
  /// Exact interventional SHAP of a linear model.
  case linear
  /// Path-dependent TreeSHAP (xgboost's pred_contribs, lightgbm's pred_contrib).
  case tree
  /// Interventional TreeSHAP over `--background` (shap's feature_perturbation="interventional").
  case treeInterventional = "tree-interventional"
}

/// Chooses and builds the explainer for a model and method.
enum ExplainerFactory {
  /// - Throws: `ExplainerError.unsupportedModel` when the method does not fit the model,
  ///   `DataError` for an unreadable background.
  static func make(
    method: ExplanationMethod, loaded: LoadedModel, backgroundPath: String?, space: OutputSpace
  ) throws -> any Explainer {
    let background = try backgroundPath.map { try Background.read(path: $0, schema: loaded.schema) }
    if space == .probability && method != .treeInterventional {
      throw ExplainerError.unsupportedOutput(
        method: method.rawValue,
        problem: "--output probability needs --method tree-interventional (exact SHAP values add up in the raw margin space)")
    }
    switch (method, loaded.model) {
    case (.auto, let linear as LinearModel), (.linear, let linear as LinearModel):
      return try LinearSHAP(model: linear, background: background)
    case (.auto, let trees as TreeEnsemble), (.tree, let trees as TreeEnsemble):
      if background != nil {
        throw ExplainerError.unsupportedOutput(
          method: "tree",
          problem: "path-dependent TreeSHAP uses the trees' covers, not a background; use --method tree-interventional with --background")
      }
      return TreeSHAP(ensemble: trees)
    case (.treeInterventional, let trees as TreeEnsemble):
      guard let background else {
        throw ExplainerError.unsupportedOutput(
          method: "tree-interventional", problem: "give the reference rows with --background CSV")
      }
      return try InterventionalTreeSHAP(ensemble: trees, background: background, space: space)
    default:
      let kind = loaded.model is LinearModel ? "linear" : loaded.format
      throw ExplainerError.unsupportedModel(
        method: method.rawValue, model: kind, hint: "use --method auto to pick the method that fits the model")
    }
  }
}
