import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

@testable import GlassboxPipeline

/// The repository root, from this file's path.
let repositoryRoot: String = {
  var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(3)
  return parts.joined(separator: "/")
}()

/// A shipped model, loaded with its card.
func shippedModel(_ name: String) throws -> LoadedModel {
  try ModelLoader.load(path: repositoryRoot + "/models/" + name)
}

/// The first `count` rows of the shipped Adult data, encoded for `schema`.
func adultRows(_ count: Int, schema: FeatureSchema, skip: Int = 0) throws -> [Double] {
  let reader = try CSVReader(path: repositoryRoot + "/datasets/adult.csv")
  let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: reader.sourceName)
  var rows: [Double] = []
  var encoded: [Double] = []
  while rows.count < (skip + count) * schema.count, let block = try reader.nextBlock(maxRecords: 256) {
    try encoder.encode(block, into: &encoded)
    rows += encoded
  }
  return Array(rows[(skip * schema.count)..<((skip + count) * schema.count)])
}

/// For each method, parameter values that differ from every default.
let nonDefaultValues: [String: [String: JSONValue]] = [
  "auto": ["tree_algorithm": .string("classic")],
  "linear": [:],
  "tree": ["tree_algorithm": .string("classic")],
  "tree-interventional": [:],
  "kernel": [
    "samples": .string("300"), "tolerance": .number(0.05), "coalitions": .string("shared"),
    "background_size": .number(8),
  ],
  "exact": ["background_size": .number(6)],
  "lime": [
    "samples": .string("700"), "features": .number(4), "discretizer": .string("decile"),
    "feature_selection": .string("highest_weights"), "stability": .number(2), "kernel_width": .number(1.5),
  ],
]

@Suite("Explanation methods: one registry, parameters recorded as data")
struct ExplainerRegistryTests {
  @Test("the registry lists every method once, and the test table covers each")
  func everyMethodListedOnce() {
    #expect(ExplainerRegistry.names.count == 7)
    #expect(Set(ExplainerRegistry.names).count == ExplainerRegistry.names.count)
    #expect(Set(ExplainerRegistry.names) == Set(nonDefaultValues.keys))
  }

  @Test("recorded parameters read back to the same parameters, for every method", arguments: ExplainerRegistry.names)
  func recordedParametersRoundTrip(_ name: String) throws {
    let method = try #require(ExplainerRegistry.method(named: name))
    let given = ExplainerParameters(try #require(nonDefaultValues[name]))
    let recorded = method.recorded(given)
    // Every given value is recorded as given; every declared default is recorded too.
    for (key, value) in given.values { #expect(recorded[key] == value, "\(name): \(key)") }
    for p in method.parameters where given[p.name] == nil {
      #expect(recorded[p.name] == p.defaultValue, "\(name): default of \(p.name)")
    }
    var object = JSONObject()
    for (key, value) in recorded.sorted(by: { $0.key < $1.key }) { object.set(key, value) }
    let setup = ExplainerRegistry.setup(
      requestedMethod: name, seed: 9, outputSpace: "raw", backgroundPath: nil, recorded: object)
    #expect(setup.method == name)
    #expect(setup.seed == 9)
    for (key, value) in given.values { #expect(setup.parameters[key] == value, "\(name): \(key) read back") }
    for key in setup.parameters.values.keys {
      #expect(method.parameters.contains { $0.name == key }, "\(name): replay keeps only declared parameters, not \(key)")
    }
  }

  @Test("a re-created explainer gives the recorded run's values: kernel and lime with non-default settings")
  func replayedExplainersAgree() throws {
    let loaded = try shippedModel("adult-logistic.json")
    let rows = try adultRows(3, schema: loaded.schema)
    let background = Background(
      rows: try adultRows(40, schema: loaded.schema, skip: 100), featureCount: loaded.schema.count, source: "adult")
    for name in ["kernel", "lime", "exact"] {
      let method = try #require(ExplainerRegistry.method(named: name))
      var given = ExplainerParameters(try #require(nonDefaultValues[name]))
      given["stability"] = nil
      var original = ExplainerSetup(method: name, background: background, backgroundPath: "adult", seed: 5, parameters: given)
      original.space = .raw
      let first = try ExplainerRegistry.make(original, model: loaded).explain(rows, featureCount: loaded.schema.count)
      var object = JSONObject()
      let recorded = method.recorded(given)
      for (key, value) in recorded.sorted(by: { $0.key < $1.key }) { object.set(key, value) }
      var replayed = ExplainerRegistry.setup(
        requestedMethod: name, seed: 5, outputSpace: "raw", backgroundPath: "adult", recorded: object)
      replayed.background = background
      let second = try ExplainerRegistry.make(replayed, model: loaded).explain(rows, featureCount: loaded.schema.count)
      #expect(first == second, "\(name)")
      #expect(first.count == 3)
    }
  }

  @Test("Kernel SHAP records without a recorded coalition design replay with the shared design")
  func legacyKernelRecords() {
    var object = JSONObject()
    object.set("samples", .string("auto"))
    object.set("tolerance", .number(0.01))
    let setup = ExplainerRegistry.setup(
      requestedMethod: "kernel", seed: 42, outputSpace: "raw", backgroundPath: nil, recorded: object)
    #expect(setup.parameters["coalitions"] == .string("shared"))
  }

  @Test("exact records carry sampling settings for information; replay drops them")
  func exactRecordsInformationalSettings() throws {
    let exact = try #require(ExplainerRegistry.method(named: "exact"))
    let recorded = exact.recorded(ExplainerParameters())
    #expect(recorded["samples"] == .string("auto"))
    #expect(recorded["tolerance"] == .number(0.01))
    var object = JSONObject()
    for (key, value) in recorded.sorted(by: { $0.key < $1.key }) { object.set(key, value) }
    let setup = ExplainerRegistry.setup(
      requestedMethod: "exact", seed: 42, outputSpace: "raw", backgroundPath: nil, recorded: object)
    #expect(setup.parameters.values.isEmpty)
  }

  @Test("a parameter the method does not take is refused, naming it")
  func strayParameterRefused() throws {
    let loaded = try shippedModel("adult-logistic.json")
    let setup = ExplainerSetup(method: "linear", parameters: ExplainerParameters(["samples": .string("9")]))
    #expect {
      _ = try ExplainerRegistry.make(setup, model: loaded)
    } throws: { error in
      // Library messages name the parameter bare (the CLI spells it as its flag).
      String(describing: error).contains("no parameter samples")
    }
  }

  @Test("auto picks linear SHAP for linear models and TreeSHAP for trees")
  func autoPicksByModel() throws {
    #expect(try ExplainerRegistry.make(.init(method: "auto"), model: shippedModel("adult-logistic.json")).method == "linear")
    #expect(try ExplainerRegistry.make(.init(method: "auto"), model: shippedModel("adult-xgboost.json")).method == "tree")
  }
}
