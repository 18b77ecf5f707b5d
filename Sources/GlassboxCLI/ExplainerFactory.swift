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
  /// LIME tabular surrogates (lime 0.2.0.1's algorithm) over `--background` training rows.
  case lime
  /// Kernel SHAP for any model over `--background` (exact when all coalitions fit the budget).
  case kernel
  /// Brute-force Shapley values over all coalitions (up to 20 players) for validation.
  case exact
}

/// Everything that decides which explainer is built and how.
struct ExplainerChoice: Sendable {
  var method: ExplanationMethod
  var backgroundPath: String?
  /// The background rows, when the caller has read them already (else read from the path).
  var background: Background?
  /// nil: the method's default (raw margins for SHAP, probabilities for LIME on classifiers).
  var space: OutputSpace?
  var seed: UInt64 = 42
  var threads: Int = 1
  var treeAlgorithm: TreeSHAP.Algorithm = .fast
  var lime = LIMEConfiguration()
  var kernel = KernelSHAP.Configuration()
  /// Summarize the background to this many weighted k-means centres (kernel, exact).
  var backgroundSize: Int?
  /// The label column of the background (LIME's entropy discretizer).
  var labelColumn: String?
}

/// Chooses and builds the explainer for a model and method.
enum ExplainerFactory {
  /// Builds the explainer for the common flags (used by `bias`).
  static func make(
    method: ExplanationMethod, loaded: LoadedModel, backgroundPath: String?, space: OutputSpace
  ) throws -> any Explainer {
    try make(ExplainerChoice(method: method, backgroundPath: backgroundPath, space: space), loaded: loaded)
  }

  /// - Throws: `ExplainerError.unsupportedModel` when the method does not fit the model,
  ///   `DataError` for an unreadable background.
  static func make(_ settings: ExplainerChoice, loaded: LoadedModel) throws -> any Explainer {
    let method = settings.method
    let background = try settings.background
      ?? settings.backgroundPath.map { try Background.read(path: $0, schema: loaded.schema) }
    if settings.space == .probability && [.auto, .linear, .tree].contains(method) {
      throw ExplainerError.unsupportedOutput(
        method: method.rawValue,
        problem: "--output probability needs --method tree-interventional, kernel, exact or lime (linear and path-dependent TreeSHAP values add up in the raw margin space)")
    }
    if settings.labelColumn != nil && method != .lime {
      throw ExplainerError.unsupportedOutput(method: method.rawValue, problem: "--label applies to --method lime")
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
      return TreeSHAP(ensemble: trees, algorithm: settings.treeAlgorithm)
    case (.treeInterventional, let trees as TreeEnsemble):
      guard let background else {
        throw ExplainerError.unsupportedOutput(
          method: "tree-interventional", problem: "give the reference rows with --background CSV")
      }
      return try InterventionalTreeSHAP(ensemble: trees, background: background, space: settings.space ?? .raw)
    case (.lime, let model):
      guard let background, let backgroundPath = settings.backgroundPath else {
        throw ExplainerError.unsupportedOutput(method: "lime", problem: "give the training rows with --background CSV")
      }
      var configuration = settings.lime
      configuration.seed = settings.seed
      if let column = settings.labelColumn {
        configuration.trainingLabels = try LIMEConfiguration.readLabels(path: backgroundPath, column: column)
      }
      return try LIME(model: model, background: background, schema: loaded.schema, configuration: configuration)
    case (.kernel, let model), (.exact, let model):
      guard var background else {
        throw ExplainerError.unsupportedOutput(method: method.rawValue, problem: "give the reference rows with --background CSV")
      }
      if let k = settings.backgroundSize, k < background.count {
        background = BackgroundSummary.kMeans(background, clusters: k, seed: settings.seed)
      }
      let groups = try loaded.card.flatMap { card -> FeatureGroups? in
        card.groups.isEmpty
          ? nil
          : try FeatureGroups(named: card.groups.map { ($0.name, $0.features) }, featureNames: model.featureNames)
      }
      if method == .exact {
        return try ExactShapley(
          model: model, background: background,
          configuration: .init(space: settings.space ?? .raw, groups: groups, threads: settings.kernel.threads))
      }
      var configuration = settings.kernel
      configuration.seed = settings.seed
      configuration.space = settings.space ?? .raw
      configuration.groups = groups
      return try KernelSHAP(model: model, background: background, configuration: configuration)
    default:
      let kind = loaded.model is LinearModel ? "linear" : loaded.format
      throw ExplainerError.unsupportedModel(
        method: method.rawValue, model: kind, hint: "use --method auto to pick the method that fits the model")
    }
  }
}
