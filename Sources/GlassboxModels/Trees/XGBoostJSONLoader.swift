import GlassboxData

/// Reads XGBoost JSON models (`Booster.save_model("m.json")`, xgboost 1.x–3.x).
///
/// Supported: `gbtree` and `dart` boosters (DART weights from any of the three places
/// versions store them), `num_parallel_tree`, output groups from `tree_info`, numeric and
/// categorical splits, default directions, scalar or vector `base_score` converted to
/// the margin with the objective's ProbToMargin in float32. Rejected with a message:
/// `gblinear`, multi-target (vector-leaf) trees, UBJSON, and objectives whose output
/// transform glassbox cannot express (`binary:hinge`, ...).
///
/// Margins equal `Booster.predict(output_margin=True)` bit for bit: inputs and thresholds
/// are float32, `x < threshold` goes left, and the sum runs in float32 in tree order.
enum XGBoostJSONLoader {
  /// - Throws: `ModelError` for unsupported variants and inconsistent content.
  /// - Complexity: O(total nodes).
  static func load(_ root: JSONObject, path: String) throws -> TreeEnsemble {
    let f = TreeFields(path: path)
    let learner = try f.object(root["learner"], "learner")
    let param = try f.object(learner["learner_model_param"], "learner.learner_model_param")
    let featureCount = try f.integer(param["num_feature"], "learner_model_param.num_feature", in: 1...100_000_000)
    let numClass = try f.integer(param["num_class"] ?? .string("0"), "learner_model_param.num_class", in: 0...1_000_000)
    if let targets = param["num_target"] {
      let t = try f.integer(targets, "learner_model_param.num_target", in: 0...1_000_000)
      if t > 1 {
        throw ModelError.unsupported(path: path, what: "XGBoost multi-target models (num_target \(t))")
      }
    }
    let outputCount = max(1, numClass)
    let objectiveObject = try f.object(learner["objective"], "learner.objective")
    let objective = try f.string(objectiveObject["name"], "learner.objective.name")
    let (link, transform) = try objectiveRule(objective, path: path)
    try checkOutputGroups(objective: objective, numClass: numClass, f: f)

    var names = try learner["feature_names"].map { try f.strings($0, "learner.feature_names") } ?? []
    if names.isEmpty {
      names = try f.generatedNames(prefix: "f", count: featureCount, field: "learner_model_param.num_feature")
    } else if names.count != featureCount {
      throw f.invalid("learner.feature_names", "\(names.count) names for num_feature \(featureCount)")
    }
    try f.checkNames(names, "learner.feature_names")

    let baseScores = try parseBaseScore(param["base_score"], f: f)
    guard baseScores.count == 1 || baseScores.count == outputCount else {
      throw f.invalid("learner_model_param.base_score", "\(baseScores.count) values for \(outputCount) outputs")
    }
    let baseMargins = (0..<outputCount).map { k in
      Double(link(Float(baseScores.count == 1 ? baseScores[0] : baseScores[k])))
    }
    if let k = baseMargins.firstIndex(where: { !($0.isFinite && abs($0) <= TreeEnsembleBuilder.float32ValueBound) }) {
      throw f.invalid(
        "learner_model_param.base_score",
        "the base margin of output \(k) is \(baseMargins[k]), not a finite number within ±\(TreeEnsembleBuilder.float32ValueBound)")
    }

    let booster = try f.object(learner["gradient_booster"], "learner.gradient_booster")
    let boosterName = try f.string(booster["name"], "gradient_booster.name")
    let model: JSONObject
    var weightDrop: JSONValue? = booster["weight_drop"]
    switch boosterName {
    case "gbtree":
      model = try f.object(booster["model"], "gradient_booster.model")
    case "dart":
      let inner = try f.object(booster["gbtree"], "gradient_booster.gbtree")
      model = try f.object(inner["model"], "gradient_booster.gbtree.model")
    case "gblinear":
      throw ModelError.unsupported(
        path: path, what: "XGBoost gblinear boosters (export the coefficients as glassbox-linear JSON)")
    default:
      throw ModelError.unsupported(path: path, what: "the XGBoost booster '\(boosterName)'")
    }
    if let w = model["weight_drop"] { weightDrop = w }
    let trees = try f.array(model["trees"], "model.trees")
    let treeInfo = try f.integers(model["tree_info"], "model.tree_info", in: 0...(outputCount - 1))
    guard treeInfo.count == trees.count else {
      throw f.invalid("model.tree_info", "\(treeInfo.count) entries for \(trees.count) trees")
    }
    guard !trees.isEmpty else { throw f.invalid("model.trees", "the model has no trees") }
    if let declared = model["gbtree_model_param"]?.object?["num_trees"] {
      let n = try f.integer(declared, "model.gbtree_model_param.num_trees")
      guard n == trees.count else {
        throw f.invalid("model.gbtree_model_param.num_trees", "declares \(n) trees but model.trees holds \(trees.count)")
      }
    }
    var treesPerOutput = [Int](repeating: 0, count: outputCount)
    for k in treeInfo { treesPerOutput[k] += 1 }
    if let k = treesPerOutput.firstIndex(where: { $0 != treesPerOutput[0] }) {
      throw f.invalid(
        "model.tree_info",
        "output group \(k) has \(treesPerOutput[k]) trees but group 0 has \(treesPerOutput[0]) (every output gets the same number)")
    }
    var weights = [Double](repeating: 1, count: trees.count)
    if let weightDrop, !weightDrop.isNull {
      let w = try f.numbers(weightDrop, "gradient_booster.weight_drop")
      guard w.count == trees.count else {
        throw f.invalid("gradient_booster.weight_drop", "\(w.count) weights for \(trees.count) trees (DART keeps one per tree)")
      }
      for i in 0..<trees.count { weights[i] = Double(Float(w[i])) }
    }

    var builder = TreeEnsembleBuilder(
      path: path, featureCount: featureCount, outputCount: outputCount, strictLess: true,
      categorySetGoesLeft: false, valueBound: TreeEnsembleBuilder.float32ValueBound)
    for (t, treeValue) in trees.enumerated() {
      var spec = try readTree(treeValue, name: "model.trees[\(t)]", f: f, builder: builder)
      spec.output = treeInfo[t]
      spec.weight = weights[t]
      try builder.add(spec)
    }
    return TreeEnsemble(
      featureNames: names, outputCount: outputCount, classNames: nil, transform: transform,
      library: .xgboost, objective: objective, baseMargins: baseMargins, roundsInputToFloat: true,
      accumulation: .float32, responseDivisor: 1, built: builder.built)
  }

  /// ProbToMargin (float32, as XGBoost computes it) and the output transform.
  static func objectiveRule(_ objective: String, path: String) throws -> (@Sendable (Float) -> Float, OutputTransform) {
    switch objective {
    case "reg:squarederror", "reg:linear", "reg:squaredlogerror", "reg:pseudohubererror",
      "reg:absoluteerror", "reg:quantileerror":
      return ({ $0 }, .identity)
    case _ where objective.hasPrefix("rank:"):
      return ({ $0 }, .identity)
    case "binary:logistic", "reg:logistic":
      return (
        { p in
          let q = min(max(p, 1e-6), 1 - 1e-6)
          return -logf32(1 / q - 1)
        }, .logistic
      )
    case "binary:logitraw":
      return ({ $0 }, .identity)
    case "count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft":
      return ({ logf32($0) }, .exponential)
    case "multi:softprob", "multi:softmax":
      return ({ $0 }, .softmax)
    default:
      throw ModelError.unsupported(
        path: path, what: "the XGBoost objective '\(objective)' (its output transform has no glassbox equivalent)")
    }
  }

  /// `num_class` against the objective: `multi:*` objectives need at least 2 classes,
  /// every other objective has one output (`num_class` 0 or 1).
  static func checkOutputGroups(objective: String, numClass: Int, f: TreeFields) throws {
    let field = "learner_model_param.num_class"
    if objective.hasPrefix("multi:") {
      guard numClass >= 2 else { throw f.invalid(field, "the objective '\(objective)' needs at least 2 classes, found \(numClass)") }
    } else if numClass > 1 {
      throw f.invalid(field, "the objective '\(objective)' has one output, but num_class is \(numClass) (expected 0 or 1)")
    }
  }

  /// `base_score`: a number, a decimal string ("5E-1") or a bracketed list ("[3.7E-1,...]").
  static func parseBaseScore(_ value: JSONValue?, f: TreeFields) throws -> [Double] {
    let field = "learner_model_param.base_score"
    guard let value else { return [0.5] }
    if let d = value.number { return [d] }
    guard var s = value.string.map({ String($0.trimmingSpaces) }) else {
      throw f.invalid(field, "expected a string or number, found \(value.typeName)")
    }
    if s.hasPrefix("[") && s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
    var out: [Double] = []
    for part in s.split(separator: ",") {
      guard let d = Double(String(part).trimmingSpaces), d.isFinite else {
        throw f.invalid(field, "cannot read '\(part)' as a number")
      }
      out.append(d)
    }
    guard !out.isEmpty else { throw f.invalid(field, "no value") }
    return out
  }

  static func readTree(_ value: JSONValue, name: String, f: TreeFields, builder: TreeEnsembleBuilder) throws -> TreeSpec {
    let tree = try f.object(value, name)
    let param = try f.object(tree["tree_param"], "\(name).tree_param")
    let n = try f.integer(param["num_nodes"], "\(name).tree_param.num_nodes", in: 1...Int(Int32.max))
    if let leafSize = param["size_leaf_vector"] {
      let s = try f.integer(leafSize, "\(name).tree_param.size_leaf_vector", in: 0...Int(Int32.max))
      if s > 1 {
        throw ModelError.unsupported(path: f.path, what: "XGBoost multi-target (vector-leaf) trees")
      }
    }
    let maxIndex = Int(Int32.max)
    var spec = TreeSpec()
    spec.name = name
    spec.left = try f.integers(tree["left_children"], "\(name).left_children", in: -1...maxIndex)
    spec.right = try f.integers(tree["right_children"], "\(name).right_children", in: -1...maxIndex)
    spec.feature = try f.integers(tree["split_indices"], "\(name).split_indices", in: 0...Int(Int32.max))
    let conditions = try f.numbers(tree["split_conditions"], "\(name).split_conditions")
    spec.defaultLeft = try f.flags(tree["default_left"], "\(name).default_left")
    spec.cover = try f.numbers(tree["sum_hessian"], "\(name).sum_hessian").map { Double(Float($0)) }
    for (key, c) in [
      ("left_children", spec.left.count), ("right_children", spec.right.count),
      ("split_indices", spec.feature.count), ("split_conditions", conditions.count),
      ("default_left", spec.defaultLeft.count), ("sum_hessian", spec.cover.count),
    ] where c != n {
      throw f.invalid("\(name).\(key)", "\(c) entries for num_nodes \(n)")
    }
    spec.threshold = conditions.map { Double(Float($0)) }
    spec.value = spec.threshold
    spec.missing = [TreeEnsemble.MissingRule](repeating: .nanToDefault, count: n)

    let splitType = try tree["split_type"].map { try f.integers($0, "\(name).split_type", in: 0...1) } ?? []
    if splitType.contains(1) {
      guard splitType.count == n else { throw f.invalid("\(name).split_type", "\(splitType.count) entries for \(n) nodes") }
      let nodes = try f.integers(tree["categories_nodes"], "\(name).categories_nodes", in: 0...(n - 1))
      let segments = try f.integers(tree["categories_segments"], "\(name).categories_segments", in: 0...Int.max / 2)
      let sizes = try f.integers(tree["categories_sizes"], "\(name).categories_sizes", in: 0...Int.max / 2)
      let categories = try f.integers(tree["categories"], "\(name).categories", in: 0...16_777_215)
      guard segments.count == nodes.count, sizes.count == nodes.count else {
        throw f.invalid("\(name).categories_nodes", "categories_nodes, _segments and _sizes differ in length")
      }
      for (k, node) in nodes.enumerated() {
        let lo = segments[k]
        let (hi, overflow) = lo.addingReportingOverflow(sizes[k])
        guard !overflow, hi <= categories.count else {
          throw f.invalid("\(name).categories_segments[\(k)]", "segment \(lo)+\(sizes[k]) exceeds \(categories.count) categories")
        }
        spec.categories[node] = try builder.bitset(Array(categories[lo..<hi]), tree: spec, field: "categories")
      }
      for i in 0..<n where splitType[i] == 1 && spec.left[i] != -1 && spec.categories[i] == nil {
        spec.categories[i] = []  // an empty set: every valid code goes left
      }
    }
    return spec
  }
}
