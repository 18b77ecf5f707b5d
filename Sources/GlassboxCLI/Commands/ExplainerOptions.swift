import ArgumentParser
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxPipeline

/// The flags that choose and tune the explanation method (shared by commands that explain).
struct ExplainerOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Explanation method. " + ExplainerRegistry.all.map { "\($0.name): \($0.summary)" }.joined(separator: "; ") + "."))
  var method: MethodArgument = .auto

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

  @Option(
    help: """
      tree: fast (Fast TreeSHAP v2 in double, the default), classic or xgboost-3.2 (Algorithm 2; \
      float32 for XGBoost, bit for bit with xgboost 3.2's pred_contribs), or xgboost-3.3 \
      (Quadrature-TreeSHAP; float32 for XGBoost, bit for bit with xgboost 3.3+'s pred_contribs).
      """)
  var treeAlgorithm: TreeAlgorithmArgument = .fast

  @Option(help: "kernel: coalitions per background row's game (shared: per row, like shap's nsamples), or auto (sample until the standard errors are small, with a cap); lime: perturbed samples per row (auto = 5000), or limit (exact estimator: the infinite-sample limit, without the ridge shrinkage of a finite run).")
  var samples: String = "auto"

  @Option(help: "kernel: per-background (each background row's game gets its own --samples coalitions, exact when they cover it; the default) or shared (one set of coalitions for all background rows, as shap's KernelExplainer).")
  var coalitions: CoalitionDesignArgument = .perBackground

  @Option(help: "kernel, with --samples auto: stop when the largest standard error is below this times the spread of the attributions.")
  var tolerance: Double = 0.01

  @Option(help: "kernel, exact: summarize the background to K weighted k-means centres (like shap.kmeans).")
  var backgroundSize: Int?

  @Option(help: "tree-interventional: use N background rows drawn without replacement (seeded by --seed) instead of all of them.")
  var backgroundSample: Int?

  @Option(help: "lime: features in the explanation (K).")
  var features: Int = 10

  @Option(help: "lime: binning of continuous features: quartile, decile, entropy (needs --label) or none (Gaussian sampling, standardized features).")
  var discretizer = DiscretizerArgument(value: .quartile)

  @Option(help: "lime: kernel width (default 0.75·√M).")
  var kernelWidth: Double?

  @Option(help: "lime: auto, forward_selection, highest_weights, lasso_path or none.")
  var featureSelection = FeatureSelectionArgument(value: .auto)

  @Option(help: "lime: re-run with N derived seeds and report sign agreement and top-K overlap.")
  var stability: Int = 0

  @Option(help: "lime: the label column of --background (for the entropy discretizer).")
  var label: String?

  @Option(
    name: .customLong("lime-estimator"),
    help: """
      lime: exact (the expected surrogate of a --samples run, computed without sampling: tree \
      ensembles and linear models in raw output), sampled (lime's perturbed samples), direct \
      (the infinite-sample surrogate from --samples draws of the kernel-weighted law, with \
      standard errors; for probabilities and other models), or auto (exact where it applies, \
      sampled otherwise).
      """)
  var limeEstimator = EstimatorArgument(value: .auto)

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
    case xgboost32 = "xgboost-3.2"
    case xgboost33 = "xgboost-3.3"
    var value: TreeSHAP.Algorithm { TreeSHAP.Algorithm(named: rawValue) ?? .fast }
  }

  /// A method name from `ExplainerRegistry`.
  /// A method name from `ExplainerRegistry`; the help lists every method.
  typealias MethodArgument = MethodName<EveryMethod>

  /// A value of one of the library's string enums (discretizer, feature selection, LIME
  /// estimator); the help lists every case and shows the default as typed.
  struct CaseArgument<Value: RawRepresentable & CaseIterable & Sendable>: ExpressibleByArgument, Sendable
  where Value.RawValue == String {
    let value: Value
    init(value: Value) { self.value = value }
    init?(argument: String) {
      guard let v = Value(rawValue: argument) else { return nil }
      value = v
    }
    static var allValueStrings: [String] { Value.allCases.map(\.rawValue) }
    /// The default as the user types it in help text (not the Swift value).
    var defaultValueDescription: String { value.rawValue }
  }

  typealias DiscretizerArgument = CaseArgument<LIMEDiscretizer>
  typealias FeatureSelectionArgument = CaseArgument<LIMEFeatureSelection>
  typealias EstimatorArgument = CaseArgument<LIMEEstimator>

  func validate() throws {
    if samples != "auto" && samples != "limit" && (Int(samples) ?? 0) < 2 {
      throw ValidationError("--samples takes auto, limit (lime) or a whole number of at least 2")
    }
    if features < 1 { throw ValidationError("--features must be at least 1") }
    if stability < 0 { throw ValidationError("--stability must be 0 or more") }
    if !(tolerance > 0 && tolerance.isFinite) { throw ValidationError("--tolerance must be a positive number") }
    if let backgroundSize, backgroundSize < 1 { throw ValidationError("--background-size must be at least 1") }
    if let backgroundSample, backgroundSample < 1 { throw ValidationError("--background-sample must be at least 1") }
    for (flag, parameter) in Self.flagParameters where givenParameters[parameter] != nil {
      let methods = ExplainerRegistry.methods(taking: parameter)
      if !methods.contains(method.name) {
        throw ValidationError("\(flag) applies to --method \(methods.joined(separator: " or "))")
      }
    }
  }

  /// Each method flag and the explainer parameter it sets.
  static let flagParameters: [(flag: String, parameter: String)] = [
    ("--samples", "samples"), ("--tolerance", "tolerance"), ("--coalitions", "coalitions"),
    ("--background-size", "background_size"), ("--background-sample", "background_sample"), ("--tree-algorithm", "tree_algorithm"), ("--features", "features"),
    ("--discretizer", "discretizer"), ("--kernel-width", "kernel_width"), ("--feature-selection", "feature_selection"),
    ("--stability", "stability"), ("--label", "label"), ("--lime-estimator", "estimator"),
  ]

  /// The parameters given on the command line (those left at their defaults are absent,
  /// so that a method's own defaults apply and are recorded).
  var givenParameters: ExplainerParameters {
    var p = ExplainerParameters()
    if samples != "auto" { p["samples"] = .string(samples) }
    if tolerance != 0.01 { p["tolerance"] = .number(tolerance) }
    if coalitions != .perBackground { p["coalitions"] = .string(coalitions.rawValue) }
    if let backgroundSize { p["background_size"] = .number(Double(backgroundSize)) }
    if let backgroundSample { p["background_sample"] = .number(Double(backgroundSample)) }
    if treeAlgorithm != .fast { p["tree_algorithm"] = .string(treeAlgorithm.rawValue) }
    if features != 10 { p["features"] = .number(Double(features)) }
    if discretizer.value != .quartile { p["discretizer"] = .string(discretizer.value.rawValue) }
    if let kernelWidth { p["kernel_width"] = .number(kernelWidth) }
    if featureSelection.value != .auto { p["feature_selection"] = .string(featureSelection.value.rawValue) }
    if stability != 0 { p["stability"] = .number(Double(stability)) }
    if let label { p["label"] = .string(label) }
    if limeEstimator.value != .auto { p["estimator"] = .string(limeEstimator.value.rawValue) }
    return p
  }

  /// The explainer setup these flags ask for.
  /// - Parameter threads: threads one explain call may use across its rows (1 when the
  ///   batch pipeline already spreads blocks over the cores).
  func setup(threads: Int) -> ExplainerSetup {
    ExplainerSetup(
      method: method.name, backgroundPath: background, space: output?.space, seed: seed, threads: threads,
      parameters: givenParameters)
  }

  /// `--background` opened for reading in chunks (nil without it): the explainer folds it in
  /// chunk by chunk when it can (`tree-interventional`), the others read it whole. Rows per
  /// chunk: `GLASSBOX_BACKGROUND_CHUNK_ROWS` when set (a test and tuning knob), else
  /// `BackgroundStream.defaultChunkRows`.
  /// - Parameter profiling: also profile the rows for the data checks' reference.
  func backgroundStream(schema: FeatureSchema, profiling: Bool = false) throws -> BackgroundStream? {
    try openBackground(background, schema: schema, profiling: profiling)
  }

  /// Method-specific settings worth recording in an audit trail: the method's parameters
  /// with their defaults filled in.
  var recordedParameters: [String: JSONValue] {
    ExplainerRegistry.method(named: method.name)?.recorded(givenParameters) ?? [:]
  }
}

/// The methods a `--method` flag lists in its help.
protocol MethodList: Sendable {
  static var names: [String] { get }
}

/// Every registered method (`explain`).
enum EveryMethod: MethodList {
  static var names: [String] { ExplainerRegistry.names }
}

/// The methods whose attributions add up to the score (`bias`).
enum AdditiveMethods: MethodList {
  static var names: [String] { ExplainerRegistry.additiveNames }
}

/// A method name from `ExplainerRegistry`, its help listing `List`'s names. Any
/// registered name parses, so that a command's `validate()` can say why one it does not
/// list is refused.
struct MethodName<List: MethodList>: ExpressibleByArgument, Sendable {
  let name: String
  static var auto: Self { Self(name: "auto") }
  init(name: String) { self.name = name }
  init?(argument: String) {
    guard ExplainerRegistry.method(named: argument) != nil else { return nil }
    name = argument
  }
  static var allValueStrings: [String] { List.names }
  var defaultValueDescription: String { name }
}

/// The background CSV at `path` (nil without one) opened for reading in chunks of
/// `GLASSBOX_BACKGROUND_CHUNK_ROWS` rows when set, else `BackgroundStream.defaultChunkRows`.
func openBackground(_ path: String?, schema: FeatureSchema, profiling: Bool) throws -> BackgroundStream? {
  try path.map {
    let given = Terminal.environment("GLASSBOX_BACKGROUND_CHUNK_ROWS").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    return try BackgroundStream(
      path: $0, schema: schema, chunkRows: given ?? BackgroundStream.defaultChunkRows, profiling: profiling)
  }
}
