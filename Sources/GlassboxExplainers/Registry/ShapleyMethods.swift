import GlassboxData
import GlassboxModels
import GlassboxSystem

/// `auto`: the best exact method for the model: linear SHAP for linear models,
/// path-dependent TreeSHAP for tree ensembles; Kernel SHAP (its defaults) for any other
/// model, such as one behind a command.
struct AutoMethod: ExplainerMethod {
  var name: String { "auto" }
  var summary: String { "linear SHAP for linear models, path-dependent TreeSHAP for trees, Kernel SHAP otherwise" }
  var parameters: [ExplainerParameter] { TreeMethod().parameters }

  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    if loaded.model is LinearModel { return try LinearMethod().make(setup, model: loaded) }
    if (loaded.model as? TreeEnsemble)?.library == .onnx { return try InterventionalTreeMethod().make(setup, model: loaded) }
    if loaded.model is TreeEnsemble { return try TreeMethod().make(setup, model: loaded) }
    if loaded.model is LinearTreeEnsemble { return try InterventionalTreeMethod().make(setup, model: loaded) }
    var kernel = setup
    kernel.parameters = ExplainerParameters([:])
    return try KernelMethod().make(kernel, model: loaded)
  }
}

/// `linear`: exact interventional SHAP of a linear model.
struct LinearMethod: ExplainerMethod {
  var name: String { "linear" }
  var summary: String { "exact SHAP of a linear model against its stored means or the background" }
  var parameters: [ExplainerParameter] { [] }

  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    guard let linear = loaded.model as? LinearModel else { throw unsupportedModel(self, loaded) }
    try requireMarginSpace(setup)
    return try LinearSHAP(model: linear, background: setup.background)
  }
}

/// `tree`: path-dependent TreeSHAP (xgboost's pred_contribs, lightgbm's pred_contrib).
struct TreeMethod: ExplainerMethod {
  var name: String { "tree" }
  var summary: String { "path-dependent TreeSHAP, as xgboost pred_contribs and lightgbm pred_contrib" }
  var parameters: [ExplainerParameter] { [.init("tree_algorithm", default: .string("fast"))] }

  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    if loaded.model is LinearTreeEnsemble { throw linearTreesNeedBackground(name) }
    guard let trees = loaded.model as? TreeEnsemble else { throw unsupportedModel(self, loaded) }
    if trees.library == .onnx {
      throw ExplainerError.unsupportedOutput(
        method: name,
        problem: "ONNX files store no data counts per node, which path-dependent TreeSHAP weighs by; use \(Parameter.method) tree-interventional with \(Parameter.background) CSV")
    }
    try requireMarginSpace(setup)
    if setup.background != nil || setup.backgroundPath != nil {
      throw ExplainerError.unsupportedOutput(
        method: "tree",
        problem: "path-dependent TreeSHAP uses the trees' covers, not a background; use \(Parameter.method) tree-interventional with \(Parameter.background)")
    }
    if !trees.coversStored {
      throw ExplainerError.unsupportedOutput(
        method: "tree",
        problem: "the model file stores no covers (vector-leaf trees saved by xgboost 3.1 or older), which path-dependent TreeSHAP weighs paths by; use \(Parameter.method) tree-interventional with \(Parameter.background), or re-save the model with xgboost 3.2 or newer")
    }
    let text = setup.parameters.text("tree_algorithm", "fast")
    guard let algorithm = TreeSHAP.Algorithm(named: text) else {
      throw ExplainerError.unsupportedOutput(
        method: name, problem: "\(Parameter("tree_algorithm")) '\(text)' is not \(TreeSHAP.Algorithm.names.joined(separator: ", "))")
    }
    return TreeSHAP(ensemble: trees, algorithm: algorithm)
  }
}

/// `tree-interventional`: interventional TreeSHAP over a background
/// (shap's feature_perturbation="interventional").
struct InterventionalTreeMethod: ExplainerMethod {
  var name: String { "tree-interventional" }
  var summary: String { "interventional TreeSHAP over the background" }
  var parameters: [ExplainerParameter] { [.init("background_sample")] }
  var streamsBackground: Bool { true }

  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    var setup = setup
    if let stream = setup.backgroundStream, setup.background == nil {
      // Tree ensembles fold the background in chunk by chunk (a sample is drawn in two
      // passes); linear trees need every row.
      if let trees = loaded.model as? TreeEnsemble {
        var source = stream
        if let count = try sampleCount(setup) {
          switch try stream.sample(count: count, seed: setup.seed) {
          case .all(let again): source = again
          case .rows(let sample):
            return try InterventionalTreeSHAP(ensemble: trees, background: sample, space: setup.space ?? .raw)
          }
        }
        return try InterventionalTreeSHAP(ensemble: trees, stream: source, space: setup.space ?? .raw)
      }
      setup.background = try stream.readAll()
    }
    if let linear = loaded.model as? LinearTreeEnsemble {
      guard let background = setup.background else { throw linearTreesNeedBackground(name) }
      try requireMarginSpace(setup)
      return try LinearTreeSHAP(model: linear, background: background)
    }
    guard let trees = loaded.model as? TreeEnsemble else { throw unsupportedModel(self, loaded) }
    guard let background = setup.background else {
      throw ExplainerError.unsupportedOutput(method: name, problem: "give the reference rows with \(Parameter.background) CSV")
    }
    var used = background
    if let count = try sampleCount(setup) { used = BackgroundSummary.sample(background, count: count, seed: setup.seed) }
    return try InterventionalTreeSHAP(ensemble: trees, background: used, space: setup.space ?? .raw)
  }

  /// `background_sample`, when given.
  private func sampleCount(_ setup: ExplainerSetup) throws -> Int? {
    guard let value = setup.parameters["background_sample"] else { return nil }
    guard let count = setup.parameters.integer("background_sample"), count >= 1 else {
      throw ExplainerError.unsupportedOutput(
        method: name, problem: "\(Parameter("background_sample")) must be a whole number of at least 1, not \(value)")
    }
    return count
  }
}

/// The error for a method that cannot explain this kind of model.
func unsupportedModel(_ method: any ExplainerMethod, _ loaded: LoadedModel) -> ExplainerError {
  let kind = loaded.model is LinearModel ? "linear" : loaded.format
  return ExplainerError.unsupportedModel(
    method: method.name, model: kind, hint: "use \(Parameter.method) auto to pick the method that fits the model")
}

/// LightGBM linear trees have exact interventional values only (no covers apply to their leaves).
func linearTreesNeedBackground(_ method: String) -> ExplainerError {
  ExplainerError.unsupportedOutput(
    method: method,
    problem: "LightGBM linear trees have no path-dependent TreeSHAP (LightGBM's pred_contrib refuses them too); give "
      + "reference rows with \(Parameter.background) CSV for exact interventional values")
}

/// Linear SHAP and path-dependent TreeSHAP add up in the margin only.
func requireMarginSpace(_ setup: ExplainerSetup) throws {
  if setup.space == .probability {
    throw ExplainerError.unsupportedOutput(
      method: setup.method,
      problem: "\(Parameter.output) probability needs \(Parameter.method) tree-interventional, kernel, exact or lime (linear and path-dependent TreeSHAP values add up in the raw margin space)")
  }
}
