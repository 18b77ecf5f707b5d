import GlassboxData
import GlassboxModels
import GlassboxSystem

/// One explanation method: its name, the parameters it takes, how it checks them, how it
/// builds its explainer, and what it records in an audit trail.
///
/// To add a method, write one type that conforms (in its own file) and add it to
/// `ExplainerRegistry.all`. The command line offers it under `--method`, `audit replay`
/// re-creates it from its recorded parameters, and the parameters it declares are the
/// only ones accepted with it.
public protocol ExplainerMethod: Sendable {
  /// The name users type (`--method NAME`) and audit records keep as "requested".
  var name: String { get }
  /// One line for the help ("Kernel SHAP for any model over a background").
  var summary: String { get }
  /// The parameters it takes, with their defaults.
  var parameters: [ExplainerParameter] { get }
  /// Parameters its records carry for information only (fixed values it does not take);
  /// replay leaves them out.
  var recordedOnly: [String] { get }
  /// True when base + Σ attributions = prediction holds exactly for every row (Shapley
  /// values), so that group gaps decompose exactly over features (`glassbox bias`).
  var isAdditive: Bool { get }
  /// True when the attributions are exact (Shapley values computed, not estimated): they
  /// add up to rounding, within the model format's tolerance; estimates whose efficiency is
  /// enforced add up within 1e-6 relative (`audit verify` judges records by this).
  var isExact: Bool { get }
  /// True when `make` reads `ExplainerSetup.backgroundStream` itself (chunk by chunk);
  /// for the other methods the registry reads the whole stream into `background` first.
  var streamsBackground: Bool { get }
  /// Builds the explainer for `model`.
  /// - Throws: `ExplainerError` when the method does not fit the model or the setup.
  func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer
  /// The parameters to record for a run: structured data that `make` accepts back.
  func recorded(_ values: ExplainerParameters) -> [String: JSONValue]
}

extension ExplainerMethod {
  public var recordedOnly: [String] { [] }
  public var isAdditive: Bool { true }
  public var isExact: Bool { true }
  public var streamsBackground: Bool { false }

  /// Every declared parameter, with its default where the caller gave none.
  public func recorded(_ values: ExplainerParameters) -> [String: JSONValue] {
    var out: [String: JSONValue] = [:]
    for p in parameters { if let v = values[p.name] ?? p.defaultValue { out[p.name] = v } }
    return out
  }
}

/// A parameter an explanation method takes: its name (as recorded, e.g. `samples`,
/// `feature_selection`) and its default (nil: absent unless given).
public struct ExplainerParameter: Sendable {
  public let name: String
  public let defaultValue: JSONValue?
  public init(_ name: String, default defaultValue: JSONValue? = nil) {
    self.name = name
    self.defaultValue = defaultValue
  }
}

/// Named parameter values (`samples`, `tolerance`, `feature_selection`, ...), as given on
/// the command line or read back from an audit record.
public struct ExplainerParameters: Sendable, Equatable {
  public var values: [String: JSONValue]
  public init(_ values: [String: JSONValue] = [:]) { self.values = values }
  public subscript(name: String) -> JSONValue? {
    get { values[name] }
    set { values[name] = newValue }
  }

  /// The text value of `name`, or `fallback`.
  public func text(_ name: String, _ fallback: String) -> String { values[name]?.string ?? fallback }
  /// The number value of `name`, or `fallback`.
  public func number(_ name: String, _ fallback: Double) -> Double { values[name]?.number ?? fallback }
  /// The whole-number value of `name`, if given.
  public func integer(_ name: String) -> Int? {
    guard let x = values[name]?.number, x == x.rounded(), abs(x) < 1e15 else { return nil }
    return Int(x)
  }
}

/// Everything that decides which explainer is built and how, apart from the model.
public struct ExplainerSetup: Sendable {
  /// The method's name in `ExplainerRegistry`.
  public var method: String
  /// The reference rows (background), when given.
  public var background: Background?
  /// Where the background came from (LIME re-reads its label column from it).
  public var backgroundPath: String?
  /// The background opened for reading in chunks, when the caller wants it streamed to the
  /// methods that can (`ExplainerMethod.streamsBackground`); the others get it whole in
  /// `background`. Read once: a setup with a stream builds one explainer.
  public var backgroundStream: BackgroundStream?
  /// nil: the method's default (raw margins for SHAP, probabilities for LIME on classifiers).
  public var space: OutputSpace?
  public var seed: UInt64
  /// Threads one explain call may use across its rows.
  public var threads: Int
  public var parameters: ExplainerParameters

  public init(
    method: String, background: Background? = nil, backgroundPath: String? = nil, space: OutputSpace? = nil,
    seed: UInt64 = 42, threads: Int = 1, parameters: ExplainerParameters = .init()
  ) {
    self.method = method
    self.background = background
    self.backgroundPath = backgroundPath
    self.space = space
    self.seed = seed
    self.threads = threads
    self.parameters = parameters
  }

  /// A text that differs between setups that build different explainers (for caches).
  public var identity: String {
    let values = parameters.values.keys.sorted().map { "\($0)=\(String(describing: parameters.values[$0]!))" }
    return ([method, String(seed), space?.rawValue ?? "", backgroundPath ?? "", String(threads)] + values)
      .joined(separator: "\u{1}")
  }

  /// Reads the background from `backgroundStream` (unless `streaming`: the method reads it)
  /// or `backgroundPath` when it was not given already.
  mutating func readBackground(schema: FeatureSchema, streaming: Bool) throws {
    guard background == nil else { return }
    if let backgroundStream {
      if !streaming { background = try backgroundStream.readAll() }
    } else if let backgroundPath {
      background = try Background.read(path: backgroundPath, schema: schema)
    }
  }
}

extension Parameter {
  /// The output space (raw margins or probabilities).
  public static let output = Parameter("output")
}

/// The one list of explanation methods.
public enum ExplainerRegistry {
  /// Every method, in the order the help lists them.
  public static let all: [any ExplainerMethod] = [
    AutoMethod(), LinearMethod(), TreeMethod(), InterventionalTreeMethod(), KernelMethod(), ExactMethod(),
    LIMEMethod(),
  ]

  /// The method named `name`.
  public static func method(named name: String) -> (any ExplainerMethod)? { all.first { $0.name == name } }

  /// The methods' names.
  public static var names: [String] { all.map(\.name) }

  /// The methods whose attributions add up to the prediction (for gap decompositions).
  public static var additiveNames: [String] { all.filter(\.isAdditive).map(\.name) }

  /// The names of the methods that take parameter `name`.
  public static func methods(taking name: String) -> [String] {
    all.filter { $0.parameters.contains { $0.name == name } }.map(\.name)
  }

  /// Builds the explainer `setup` asks for.
  /// - Throws: `ExplainerError.unsupportedOutput` for an unknown method or a parameter the
  ///   method does not take; the method's own errors; `DataError` for an unreadable background.
  public static func make(_ setup: ExplainerSetup, model loaded: LoadedModel) throws -> any Explainer {
    guard let method = method(named: setup.method) else {
      throw ExplainerError.unsupportedOutput(
        method: setup.method, problem: "unknown method; the methods are \(names.joined(separator: ", "))")
    }
    let declared = Set(method.parameters.map(\.name))
    if let stray = setup.parameters.values.keys.sorted().first(where: { !declared.contains($0) }) {
      throw ExplainerError.unsupportedOutput(
        method: setup.method, problem: "it takes no parameter \(Parameter(stray))")
    }
    var setup = setup
    try setup.readBackground(schema: loaded.schema, streaming: method.streamsBackground)
    return try method.make(setup, model: loaded)
  }

  /// The setup an audit record stands for: the recorded method, seed, output space,
  /// background and parameters, as structured data (no command-line spelling involved).
  public static func setup(
    requestedMethod: String, seed: UInt64, outputSpace: String, backgroundPath: String?, recorded: JSONObject
  ) -> ExplainerSetup {
    var values: [String: JSONValue] = [:]
    let informational = Set(method(named: requestedMethod)?.recordedOnly ?? [])
    // `command` names the recording command (bias); it is not an explainer parameter.
    for (name, value) in recorded.members where name != "command" && !informational.contains(name) {
      values[name] = value
    }
    // Kernel SHAP records written before `coalitions` was recorded used the shared design.
    if requestedMethod == "kernel" && values["coalitions"] == nil { values["coalitions"] = .string("shared") }
    // LIME records written before the exact estimator existed were sampled.
    if requestedMethod == "lime" && values["estimator"] == nil { values["estimator"] = .string("sampled") }
    let fixedSpace = ["auto", "linear", "tree"].contains(requestedMethod)
    return ExplainerSetup(
      method: requestedMethod, backgroundPath: backgroundPath,
      space: fixedSpace ? nil : OutputSpace(rawValue: outputSpace), seed: seed, threads: 1,
      parameters: ExplainerParameters(values))
  }
}
