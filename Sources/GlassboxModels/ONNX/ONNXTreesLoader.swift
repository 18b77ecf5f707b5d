import GlassboxData

/// Reads ONNX tree ensembles: `TreeEnsembleRegressor` and `TreeEnsembleClassifier`
/// (ai.onnx.ml opsets 1-3) and `TreeEnsemble` (opset 5), as skl2onnx and onnxmltools write them.
///
/// The graph must feed its one `[rows, features]` tensor input (through `Cast` or `Identity`
/// at most) into exactly one tree-ensemble operator. Around it glassbox accepts what the
/// converters put there: `ZipMap` and `Cast` on the probability and label outputs, and an
/// `Add` of a constant (the base values of opset 5). Anything else that computes on the
/// input (`Scaler`, `Imputer`, `OneHotEncoder`, ...) is refused with its name.
///
/// Margins are the operator's scores before `post_transform`: `SUM` of the leaf weights
/// (or `AVERAGE`: each tree weighted 1/trees) plus `base_values`. `LOGISTIC` gives the
/// logit link, `SOFTMAX` softmax, `NONE` identity; `SOFTMAX_ZERO`, `PROBIT`, `MIN` and `MAX`
/// are refused. A two-class classifier whose weights name one class is one output, the
/// second class's score (onnxruntime's binary case). Thresholds and leaf weights are
/// float32 in these files; inputs are rounded to float32 (for a float input) and compared
/// exactly as onnxruntime does, so every row takes onnxruntime's leaves; onnxruntime then
/// sums in float32 and glassbox in double, so margins agree to float32 rounding (≈1e-6
/// relative). ONNX stores no data counts per node: path-dependent TreeSHAP is undefined
/// and refused; interventional TreeSHAP against a background is exact.
enum ONNXTreesLoader {
  static let mlDomain = "ai.onnx.ml"
  static let treeOperators: Set<String> = ["TreeEnsembleRegressor", "TreeEnsembleClassifier", "TreeEnsemble"]
  /// Operators accepted beside the trees (on their outputs, or converting the input).
  static let passThrough: Set<String> = ["Cast", "Identity", "ZipMap"]

  static func load(_ bytes: [UInt8], path: String) throws -> TreeEnsemble {
    let model = try decode(bytes, path: path)
    guard model.hasGraph else { throw ModelError.invalid(path: path, field: "graph", problem: "missing (required)") }
    let graph = model.graph
    let trees = graph.node.filter { treeOperators.contains($0.opType) }
    guard trees.count == 1, let treeNode = trees.first else {
      throw ModelError.unsupported(
        path: path,
        what: trees.isEmpty
          ? "an ONNX graph without a tree-ensemble operator (glassbox reads TreeEnsembleRegressor, TreeEnsembleClassifier and TreeEnsemble)"
          : "an ONNX graph with \(trees.count) tree-ensemble operators")
    }
    guard treeNode.domain == mlDomain else {
      throw ModelError.invalid(path: path, field: treeNode.opType, problem: "domain '\(treeNode.domain)', expected \(mlDomain)")
    }
    let input = try graphInput(graph, path: path)
    var base: [Double] = []
    for node in graph.node where !treeOperators.contains(node.opType) {
      if passThrough.contains(node.opType) { continue }
      if node.opType == "Add", let constant = try addedConstant(node, graph: graph, tree: treeNode, path: path) {
        base = constant
        continue
      }
      throw ModelError.unsupported(
        path: path,
        what: "the ONNX operator \(node.opType)\(node.name.isEmpty ? "" : " ('\(node.name)')") around the trees "
          + "(glassbox reads graphs whose input goes straight into one tree-ensemble operator; export the trees alone)")
    }
    guard let first = treeNode.input.first, try tracesToInput(first, graph: graph, input: input.name) else {
      throw ModelError.unsupported(path: path, what: "an ONNX graph whose tree-ensemble operator does not read the graph input directly")
    }
    let a = ONNXAttributes(treeNode, path: path)
    var ensemble = try build(a, opType: treeNode.opType, input: input, extraBase: base, path: path)
    let ml = model.opsetImport.first { $0.domain == mlDomain }.map { " (ai.onnx.ml opset \($0.version))" } ?? ""
    let producer = model.producerName.isEmpty ? "unknown producer" : model.producerName
    ensemble.writer = "\(producer) \(model.producerVersion)".trimmingSpaces + ml
    return ensemble
  }

  struct Input {
    var name: String
    var featureCount: Int?
    var isFloat: Bool
  }

  static func graphInput(_ graph: GlassboxOnnx_GraphProto, path: String) throws -> Input {
    let initialized = Set(graph.initializer.map(\.name))
    let inputs = graph.input.filter { !initialized.contains($0.name) }
    guard inputs.count == 1, let input = inputs.first else {
      throw ModelError.unsupported(path: path, what: "ONNX graphs with \(inputs.count) inputs (glassbox reads one [rows, features] tensor)")
    }
    guard case .tensorType(let tensor)? = input.type.value else {
      throw ModelError.unsupported(path: path, what: "the ONNX input '\(input.name)', which is not a tensor")
    }
    guard tensor.elemType == 1 || tensor.elemType == 11 else {
      throw ModelError.unsupported(
        path: path, what: "the ONNX input '\(input.name)' of element type \(tensor.elemType) (glassbox reads float and double tensors)")
    }
    var count: Int?
    if tensor.shape.dim.count == 2, case .dimValue(let v)? = tensor.shape.dim[1].value, v > 0, v <= 100_000_000 { count = Int(v) }
    return Input(name: input.name, featureCount: count, isFloat: tensor.elemType == 1)
  }

  /// True when `name` is the graph input, or made from it by `Cast`/`Identity` nodes.
  static func tracesToInput(_ name: String, graph: GlassboxOnnx_GraphProto, input: String) throws -> Bool {
    var current = name
    for _ in 0...graph.node.count {
      if current == input { return true }
      guard let producer = graph.node.first(where: { $0.output.contains(current) }),
        producer.opType == "Cast" || producer.opType == "Identity", let source = producer.input.first
      else { return false }
      current = source
    }
    return false
  }

  /// The constant an `Add` node adds to the trees' output (opset 5 base values), or nil
  /// when the node adds something else.
  static func addedConstant(
    _ node: GlassboxOnnx_NodeProto, graph: GlassboxOnnx_GraphProto, tree: GlassboxOnnx_NodeProto, path: String
  ) throws -> [Double]? {
    guard node.input.count == 2 else { return nil }
    let constants = graph.initializer.filter { node.input.contains($0.name) }
    guard constants.count == 1, node.input.contains(where: { tree.output.contains($0) }) else { return nil }
    return try ONNXAttributes(node, path: path).tensor(constants[0], "Add")
  }

  static func build(_ a: ONNXAttributes, opType: String, input: Input, extraBase: [Double], path: String) throws -> TreeEnsemble {
    let classifier = opType == "TreeEnsembleClassifier"
    var outputs: Int
    var classNames: [String]?
    var trees: [ONNXTree]
    let transform: OutputTransform
    var average: Bool
    var base: [Double]
    if opType == "TreeEnsemble" {
      outputs = try a.int("n_targets", default: 1)
      guard outputs >= 1 && outputs <= 100_000 else { throw a.fail("n_targets", "\(outputs) is outside 1...100000") }
      trees = try ONNXTreeOperator.opset5Trees(a, outputs: outputs)
      let post = try a.int("post_transform", default: 0)
      let aggregate = try a.int("aggregate_function", default: 1)
      transform = try self.transform(["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"][safe: post] ?? "\(post)", a)
      guard aggregate == 0 || aggregate == 1 else { throw unsupportedAggregate(["AVERAGE", "SUM", "MIN", "MAX"][safe: aggregate] ?? "\(aggregate)", a) }
      average = aggregate == 0
      base = []
    } else {
      if classifier {
        let labels = try a.ints("classlabels_int64s", required: false).map(String.init) + a.strings("classlabels_strings")
        guard !labels.isEmpty else { throw a.fail("classlabels_int64s", "the classifier names no classes") }
        let ids = Set(try a.ints("class_ids"))
        outputs = labels.count == 2 && ids.count == 1 ? 1 : labels.count
        classNames = outputs > 1 ? labels : nil
      } else {
        outputs = try a.int("n_targets", default: 1)
        guard outputs >= 1 && outputs <= 100_000 else { throw a.fail("n_targets", "\(outputs) is outside 1...100000") }
      }
      let k = outputs
      trees = try ONNXTreeOperator.legacyTrees(a, classifier: classifier) { id in
        if k == 1 { return 0 }
        guard id >= 0 && id < k else { throw a.fail(classifier ? "class_ids" : "target_ids", "id \(id) is outside 0..<\(k)") }
        return id
      }
      transform = try self.transform(a.string("post_transform", default: "NONE"), a)
      let aggregate = a.string("aggregate_function", default: "SUM")
      guard aggregate == "SUM" || aggregate == "AVERAGE" else { throw unsupportedAggregate(aggregate, a) }
      average = aggregate == "AVERAGE"
      base = try a.numbers("base_values") ?? []
    }
    if transform == .softmax && outputs < 2 { throw a.fail("post_transform", "SOFTMAX needs at least 2 outputs") }
    for extra in [base, extraBase] where !extra.isEmpty && extra.count != outputs {
      throw a.fail("base_values", "\(extra.count) base values for \(outputs) outputs")
    }
    var margins = [Double](repeating: 0, count: outputs)
    for extra in [base, extraBase] where !extra.isEmpty { for k in 0..<outputs { margins[k] += extra[k] } }
    let featureCount = try input.featureCount ?? ((trees.flatMap { $0.splits.map(\.feature) }.max() ?? 0) + 1)
    var builder = TreeEnsembleBuilder(
      path: path, featureCount: featureCount, outputCount: outputs, strictLess: false, categorySetGoesLeft: false)
    let weight = average ? 1 / Double(max(1, trees.count)) : 1
    for tree in trees {
      for var spec in try tree.specs(path: path) {
        spec.weight = weight
        try builder.add(spec)
      }
    }
    let names = try TreeFields(path: path).generatedNames(prefix: "f", count: featureCount, field: "input")
    return TreeEnsemble(
      featureNames: names, outputCount: outputs, classNames: classNames, transform: transform, library: .onnx,
      objective: opType, baseMargins: margins, roundsInputToFloat: input.isFloat, accumulation: .float64,
      responseDivisor: 1, built: builder.built)
  }

  static func transform(_ name: String, _ a: ONNXAttributes) throws -> OutputTransform {
    switch name {
    case "NONE": return .identity
    case "LOGISTIC": return .logistic
    case "SOFTMAX": return .softmax
    default:
      throw ModelError.unsupported(path: a.path, what: "the ONNX post_transform \(name) (glassbox reads NONE, LOGISTIC and SOFTMAX)")
    }
  }

  static func unsupportedAggregate(_ name: String, _ a: ONNXAttributes) -> ModelError {
    .unsupported(path: a.path, what: "the ONNX aggregate_function \(name) (glassbox reads SUM and AVERAGE)")
  }
}

extension Array {
  fileprivate subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
