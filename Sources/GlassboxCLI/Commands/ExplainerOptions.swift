import ArgumentParser
import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// The flags that choose and tune the explanation method (shared by commands that explain).
struct ExplainerOptions: ParsableArguments {
  @Option(
    help: """
      Explanation method: auto, linear, tree, tree-interventional, kernel, exact or lime (auto: \
      linear SHAP for linear models, path-dependent TreeSHAP for trees).
      """)
  var method: ExplanationMethodArgument = .auto

  @Option(
    help: """
      Reference rows (CSV): their means for linear SHAP (default: means stored in the model); the \
      background distribution for tree-interventional; the training data for lime.
      """)
  var background: String?

  @Option(
    help: """
      Output space: raw (margin; log-odds for classifiers) or probability (tree-interventional on \
      logistic models; lime's default for classifiers).
      """)
  var output: OutputSpaceArgument?

  @Option(help: "Seed for every random choice (lime): a row's result depends only on the seed and the row (or its --id-column value).")
  var seed: UInt64 = 42

  @Option(help: "tree: fast (Fast TreeSHAP v2 in double, the default) or classic (Algorithm 2; float32 for XGBoost, bit for bit with pred_contribs).")
  var treeAlgorithm: TreeAlgorithmArgument = .fast

  @Option(help: "kernel: coalitions per background row's game (shared: per row, like shap's nsamples), or auto (sample until the standard errors are small, with a cap); lime: perturbed samples per row (auto = 5000).")
  var samples: String = "auto"

  @Option(help: "kernel: per-background (each background row's game gets its own --samples coalitions, exact when they cover it; the default) or shared (one set of coalitions for all background rows, as shap's KernelExplainer).")
  var coalitions: CoalitionDesignArgument = .perBackground

  @Option(help: "kernel, with --samples auto: stop when the largest standard error is below this times the spread of the attributions.")
  var tolerance: Double = 0.01

  @Option(help: "kernel, exact: summarize the background to K weighted k-means centres (like shap.kmeans).")
  var backgroundSize: Int?

  @Option(help: "lime: features in the explanation (K).")
  var features: Int = 10

  @Option(help: "lime: binning of continuous features: quartile, decile or entropy (entropy needs --label).")
  var discretizer: DiscretizerArgument = .quartile

  @Option(help: "lime: kernel width (default 0.75·√M).")
  var kernelWidth: Double?

  @Option(help: "lime: auto, forward_selection, highest_weights, lasso_path or none.")
  var featureSelection: FeatureSelectionArgument = .auto

  @Option(help: "lime: re-run with N derived seeds and report sign agreement and top-K overlap.")
  var stability: Int = 0

  @Option(help: "lime: the label column of --background (for the entropy discretizer).")
  var label: String?

  enum OutputSpaceArgument: String, ExpressibleByArgument, CaseIterable {
    case raw, probability
    var space: OutputSpace { self == .raw ? .raw : .probability }
  }

  enum CoalitionDesignArgument: String, ExpressibleByArgument, CaseIterable {
    case perBackground = "per-background", shared
    var value: KernelSHAP.Design { self == .shared ? .shared : .perBackground }
  }

  enum TreeAlgorithmArgument: String, ExpressibleByArgument, CaseIterable {
    case fast, classic
    var value: TreeSHAP.Algorithm { self == .fast ? .fast : .classic }
  }

  struct ExplanationMethodArgument: ExpressibleByArgument, Sendable {
    let value: ExplanationMethod
    static let auto = ExplanationMethodArgument(value: .auto)
    init(value: ExplanationMethod) { self.value = value }
    init?(argument: String) {
      guard let v = ExplanationMethod(rawValue: argument) else { return nil }
      value = v
    }
    static var allValueStrings: [String] { ExplanationMethod.allCases.map(\.rawValue) }
  }

  struct DiscretizerArgument: ExpressibleByArgument, Sendable {
    let value: LIMEDiscretizer
    static let quartile = DiscretizerArgument(value: .quartile)
    init(value: LIMEDiscretizer) { self.value = value }
    init?(argument: String) {
      guard let v = LIMEDiscretizer(rawValue: argument) else { return nil }
      value = v
    }
    static var allValueStrings: [String] { LIMEDiscretizer.allCases.map(\.rawValue) }
  }

  struct FeatureSelectionArgument: ExpressibleByArgument, Sendable {
    let value: LIMEFeatureSelection
    static let auto = FeatureSelectionArgument(value: .auto)
    init(value: LIMEFeatureSelection) { self.value = value }
    init?(argument: String) {
      guard let v = LIMEFeatureSelection(rawValue: argument) else { return nil }
      value = v
    }
    static var allValueStrings: [String] { LIMEFeatureSelection.allCases.map(\.rawValue) }
  }

  func validate() throws {
    if samples != "auto" && (Int(samples) ?? 0) < 2 { throw ValidationError("--samples takes auto or a whole number of at least 2") }
    if features < 1 { throw ValidationError("--features must be at least 1") }
    if stability < 0 { throw ValidationError("--stability must be 0 or more") }
    if !(tolerance > 0 && tolerance.isFinite) { throw ValidationError("--tolerance must be a positive number") }
    if let backgroundSize, backgroundSize < 1 { throw ValidationError("--background-size must be at least 1") }
    let m = method.value
    let flags: [(String, Bool, [ExplanationMethod])] = [
      ("--samples", samples != "auto", [.lime, .kernel]),
      ("--tolerance", tolerance != 0.01, [.kernel]), ("--coalitions", coalitions != .perBackground, [.kernel]),
      ("--background-size", backgroundSize != nil, [.kernel, .exact]),
      ("--features", features != 10, [.lime]), ("--discretizer", discretizer.value != .quartile, [.lime]),
      ("--kernel-width", kernelWidth != nil, [.lime]), ("--feature-selection", featureSelection.value != .auto, [.lime]),
      ("--stability", stability != 0, [.lime]), ("--label", label != nil, [.lime]),
    ]
    if let (flag, _, methods) = flags.first(where: { $0.1 && !$0.2.contains(m) }) {
      throw ValidationError("\(flag) applies to --method \(methods.map(\.rawValue).joined(separator: " or "))")
    }
  }

  /// The settings as the factory takes them.
  /// - Parameter innerThreads: threads one explain call may use across its rows (1 when the
  ///   batch runner already spreads blocks over the cores).
  func settings(threads: Int, innerThreads: Int = 1) -> ExplainerChoice {
    let fixed = Int(samples)
    return ExplainerChoice(
      method: method.value, backgroundPath: background, space: output?.space, seed: seed, threads: threads,
      treeAlgorithm: treeAlgorithm.value,
      lime: LIMEConfiguration(
        samples: fixed ?? 5000, features: features, discretizer: discretizer.value, kernelWidth: kernelWidth,
        featureSelection: featureSelection.value, space: output?.space, seed: seed, stabilityRuns: stability,
        threads: innerThreads),
      kernel: KernelSHAP.Configuration(
        samples: fixed.map { .fixed($0) } ?? .auto, design: coalitions.value, tolerance: tolerance, seed: seed,
        threads: innerThreads),
      backgroundSize: backgroundSize, labelColumn: label)
  }

  /// The flags that re-create a recorded explainer: the inverse of `recordedParameters`
  /// (`samples` → `--samples`, `feature_selection` → `--feature-selection`, ...), plus the
  /// method, seed, output space and background. For `audit replay`.
  static func arguments(
    method: ExplanationMethod, seed: UInt64, outputSpace: String, backgroundPath: String?, recorded: JSONObject
  ) -> [String] {
    var arguments = ["--method", method.rawValue, "--seed", String(seed)]
    if ![.auto, .linear, .tree].contains(method) { arguments += ["--output", outputSpace] }
    if let backgroundPath { arguments += ["--background", backgroundPath] }
    // `command` names the recording command (bias); it is not an explainer flag.
    for (name, value) in recorded.members where name != "command" {
      let flag = "--" + String(name.map { $0 == "_" ? "-" : $0 })
      switch value {
      case .string(let text): arguments += [flag, text]
      case .number(let x): arguments += [flag, x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)]
      default: continue
      }
    }
    // Kernel SHAP records written before `coalitions` was recorded used the shared design.
    if method == .kernel && recorded["coalitions"] == nil { arguments += ["--coalitions", "shared"] }
    return arguments
  }

  /// Method-specific settings worth recording in an audit trail.
  var recordedParameters: [String: JSONValue] {
    switch method.value {
    case .kernel, .exact:
      var p: [String: JSONValue] = ["samples": .string(samples), "tolerance": .number(tolerance)]
      if method.value == .kernel { p["coalitions"] = .string(coalitions.rawValue) }
      if let backgroundSize { p["background_size"] = .number(Double(backgroundSize)) }
      return p
    case .lime:
      var p: [String: JSONValue] = [
        "samples": .string(samples), "features": .number(Double(features)),
        "discretizer": .string(discretizer.value.rawValue), "feature_selection": .string(featureSelection.value.rawValue),
        "stability": .number(Double(stability)),
      ]
      if let kernelWidth { p["kernel_width"] = .number(kernelWidth) }
      if let label { p["label"] = .string(label) }
      return p
    case .tree, .auto:
      return ["tree_algorithm": .string(treeAlgorithm.rawValue)]
    default:
      return [:]
    }
  }
}
