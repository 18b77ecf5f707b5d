import GlassboxData
import GlassboxModels
import GlassboxSystem

/// `kernel`: Kernel SHAP for any model over a background (exact when all coalitions fit
/// the budget).
struct KernelMethod: ExplainerMethod {
  var name: String { "kernel" }
  var summary: String { "Kernel SHAP for any model over the background" }
  /// An estimate whose efficiency is enforced.
  var isExact: Bool { false }
  var parameters: [ExplainerParameter] {
    [
      .init("samples", default: .string("auto")), .init("tolerance", default: .number(0.01)),
      .init("coalitions", default: .string(KernelSHAP.Design.perBackground.rawValue)), .init("background_size"),
    ]
  }

  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    let background = try summarizedBackground(setup, method: name)
    let p = setup.parameters
    let designName = p.text("coalitions", KernelSHAP.Design.perBackground.rawValue)
    guard let design = KernelSHAP.Design(rawValue: designName) else {
      throw ExplainerError.unsupportedOutput(method: name, problem: "\(Parameter("coalitions")) '\(designName)' is not per-background or shared")
    }
    let tolerance = p.number("tolerance", 0.01)
    guard tolerance > 0 && tolerance.isFinite else {
      throw ExplainerError.unsupportedOutput(method: name, problem: "\(Parameter("tolerance")) must be a positive number")
    }
    let configuration = KernelSHAP.Configuration(
      samples: try samples(p, method: name).map { .fixed($0) } ?? .auto, design: design,
      tolerance: tolerance, seed: setup.seed, space: setup.space ?? .raw,
      groups: try featureGroups(loaded), threads: setup.threads)
    return try KernelSHAP(model: loaded.model, background: background, configuration: configuration)
  }
}

/// `exact`: brute-force Shapley values over all coalitions (up to 20 players), for validation.
struct ExactMethod: ExplainerMethod {
  var name: String { "exact" }
  var summary: String { "brute-force Shapley values over every coalition, up to 20 players" }
  var parameters: [ExplainerParameter] { [.init("background_size")] }
  /// Records of exact runs have always carried the sampling settings they ignore.
  var recordedOnly: [String] { ["samples", "tolerance"] }

  func recorded(_ values: ExplainerParameters) -> [String: JSONValue] {
    var out: [String: JSONValue] = ["samples": .string("auto"), "tolerance": .number(0.01)]
    if let size = values["background_size"] { out["background_size"] = size }
    return out
  }

  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    let background = try summarizedBackground(setup, method: name)
    return try ExactShapley(
      model: loaded.model, background: background,
      configuration: .init(space: setup.space ?? .raw, groups: try featureGroups(loaded), threads: setup.threads))
  }
}

/// `lime`: LIME tabular surrogates (lime 0.2.0.1's algorithm) over training rows.
struct LIMEMethod: ExplainerMethod {
  var name: String { "lime" }
  var summary: String { "LIME tabular surrogates as lime 0.2.0.1, over the training rows" }
  /// A surrogate's weights describe a local fit; they do not add up to the prediction.
  var isAdditive: Bool { false }
  var isExact: Bool { false }
  var parameters: [ExplainerParameter] {
    [
      .init("samples", default: .string("auto")), .init("features", default: .number(10)),
      .init("discretizer", default: .string(LIMEDiscretizer.quartile.rawValue)),
      .init("feature_selection", default: .string(LIMEFeatureSelection.auto.rawValue)),
      .init("stability", default: .number(0)), .init("kernel_width"), .init("label"),
      .init("estimator", default: .string(LIMEEstimator.auto.rawValue)),
    ]
  }

  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    guard let background = setup.background, let backgroundPath = setup.backgroundPath else {
      throw ExplainerError.unsupportedOutput(method: name, problem: "give the training rows with \(Parameter.background) CSV")
    }
    let p = setup.parameters
    let discretizerName = p.text("discretizer", LIMEDiscretizer.quartile.rawValue)
    guard let discretizer = LIMEDiscretizer(rawValue: discretizerName) else {
      throw ExplainerError.unsupportedOutput(method: name, problem: "\(Parameter("discretizer")) '\(discretizerName)' is not quartile, decile, entropy or none")
    }
    let selectionName = p.text("feature_selection", LIMEFeatureSelection.auto.rawValue)
    guard let selection = LIMEFeatureSelection(rawValue: selectionName) else {
      throw ExplainerError.unsupportedOutput(method: name, problem: "\(Parameter("feature_selection")) '\(selectionName)' is unknown")
    }
    let estimatorName = p.text("estimator", LIMEEstimator.auto.rawValue)
    guard let estimator = LIMEEstimator(rawValue: estimatorName) else {
      throw ExplainerError.unsupportedOutput(method: name, problem: "\(Parameter.estimator) '\(estimatorName)' is not auto, exact, sampled or direct")
    }
    let limit = p["samples"]?.string == "limit"
    var configuration = LIMEConfiguration(
      samples: limit ? 5000 : try samples(p, method: name) ?? 5000, features: p.integer("features") ?? 10, discretizer: discretizer,
      kernelWidth: p["kernel_width"]?.number, featureSelection: selection, space: setup.space, seed: setup.seed,
      stabilityRuns: p.integer("stability") ?? 0, threads: setup.threads, estimator: estimator)
    configuration.sampleLimit = limit
    if let column = p["label"]?.string {
      configuration.trainingLabels = try LIMEConfiguration.readLabels(path: backgroundPath, column: column)
    }
    return try LIME(model: loaded.model, background: background, schema: loaded.schema, configuration: configuration)
  }
}

/// The `samples` parameter: nil for `auto`, else a whole number of at least 2.
func samples(_ p: ExplainerParameters, method: String) throws -> Int? {
  guard let value = p["samples"] else { return nil }
  if value.string == "auto" { return nil }
  if let n = value.string.flatMap({ Int($0) }) ?? p.integer("samples"), n >= 2 { return n }
  throw ExplainerError.unsupportedOutput(method: method, problem: "\(Parameter.samples) takes auto or a whole number of at least 2")
}

/// The background, summarized to `background_size` weighted k-means centres when asked.
func summarizedBackground(_ setup: ExplainerSetup, method: String) throws -> Background {
  guard let background = setup.background else {
    throw ExplainerError.unsupportedOutput(method: method, problem: "give the reference rows with \(Parameter.background) CSV")
  }
  if let k = setup.parameters.integer("background_size"), k < background.count {
    return BackgroundSummary.kMeans(background, clusters: k, seed: setup.seed)
  }
  return background
}

/// The card's feature groups, played as single players by Kernel SHAP and exact Shapley.
func featureGroups(_ loaded: LoadedModel) throws -> FeatureGroups? {
  guard let card = loaded.card, !card.groups.isEmpty else { return nil }
  return try FeatureGroups(named: card.groups.map { ($0.name, $0.features) }, featureNames: loaded.model.featureNames)
}
