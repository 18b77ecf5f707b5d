import GlassboxData

/// Reads XGBoost models (`Booster.save_model`, xgboost 1.x–3.x) from their JSON document,
/// whether the file held JSON or UBJSON (`XGBoostUBJSONFormat` decodes it first).
///
/// Supported: `gbtree` and `dart` boosters (DART weights from any of the three places
/// versions store them), `gblinear` (as a `LinearModel`, `XGBoostLinearLoader`),
/// `num_parallel_tree`, output groups from `tree_info`, multi-target models (`num_target`),
/// vector-leaf trees in both layouts (`vectorLeafSpecs`), numeric and categorical splits
/// with the category recoding of xgboost ≥ 3.1 (`cats`), default directions, scalar or
/// vector `base_score` converted to the margin with the objective's ProbToMargin in
/// float32. Objectives whose output transform glassbox cannot express are rejected with a
/// message.
///
/// Margins equal `Booster.predict(output_margin=True)` bit for bit: inputs and thresholds
/// are float32, `x < threshold` goes left, and the sum runs in float32 in tree order.
enum XGBoostJSONLoader {
  /// Reads any XGBoost model: `gblinear` boosters as a `LinearModel`, tree boosters as a
  /// `TreeEnsemble`.
  /// - Throws: `ModelError` for unsupported variants and inconsistent content.
  /// - Complexity: O(total nodes).
  static func loadModel(_ root: JSONObject, path: String) throws -> any Model {
    let f = TreeFields(path: path)
    let header = try XGBoostHeader(root, f: f)
    if header.boosterName == "gblinear" { return try XGBoostLinearLoader.load(header, f: f) }
    return try load(header, f: f)
  }

  /// Reads a tree booster.
  /// - Throws: `ModelError` for unsupported variants and inconsistent content.
  /// - Complexity: O(total nodes).
  static func load(_ root: JSONObject, path: String) throws -> TreeEnsemble {
    let f = TreeFields(path: path)
    return try load(XGBoostHeader(root, f: f), f: f)
  }

  static func load(_ header: XGBoostHeader, f: TreeFields) throws -> TreeEnsemble {
    let path = f.path
    let outputCount = header.outputCount
    let baseMargins = try header.baseMargins(perOutput: true, f: f)
    let booster = header.booster
    let boosterName = header.boosterName
    let model: JSONObject
    var weightDrop: JSONValue? = booster["weight_drop"]
    switch boosterName {
    case "gbtree":
      model = try f.object(booster["model"], "gradient_booster.model")
    case "dart":
      let inner = try f.object(booster["gbtree"], "gradient_booster.gbtree")
      model = try f.object(inner["model"], "gradient_booster.gbtree.model")
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
    var weights = [Double](repeating: 1, count: trees.count)
    if let weightDrop, !weightDrop.isNull {
      let w = try f.numbers(weightDrop, "gradient_booster.weight_drop")
      guard w.count == trees.count else {
        throw f.invalid("gradient_booster.weight_drop", "\(w.count) weights for \(trees.count) trees (DART keeps one per tree)")
      }
      for i in 0..<trees.count { weights[i] = Double(Float(w[i])) }
    }

    var builder = TreeEnsembleBuilder(
      path: path, featureCount: header.featureCount, outputCount: outputCount, strictLess: true,
      categorySetGoesLeft: false, valueBound: TreeEnsembleBuilder.float32ValueBound)
    var treesPerOutput = [Int](repeating: 0, count: outputCount)
    var vectorLeafTrees = 0
    var coversStored = true
    for (t, treeValue) in trees.enumerated() {
      let name = "model.trees[\(t)]"
      let (spec, leafVector, stored) = try readTree(treeValue, name: name, f: f, builder: builder)
      if !stored { coversStored = false }
      var specs = [spec]
      if leafVector > 1 {
        guard leafVector == outputCount else {
          throw f.invalid("\(name).tree_param.size_leaf_vector", "\(leafVector) leaf values for \(outputCount) outputs")
        }
        guard treeInfo[t] == 0 else {
          throw f.invalid("model.tree_info[\(t)]", "a vector-leaf tree adds to every output; its group must be 0, found \(treeInfo[t])")
        }
        specs = try vectorLeafSpecs(spec, tree: try f.object(treeValue, name), name: name, targets: leafVector, f: f)
        vectorLeafTrees += 1
      } else {
        specs[0].output = treeInfo[t]
      }
      for var one in specs {
        one.weight = weights[t]
        treesPerOutput[one.output] += 1
        try builder.add(one)
      }
    }
    if let k = treesPerOutput.firstIndex(where: { $0 != treesPerOutput[0] }) {
      throw f.invalid(
        "model.tree_info",
        "output group \(k) has \(treesPerOutput[k]) trees but group 0 has \(treesPerOutput[0]) (every output gets the same number)")
    }
    var ensemble = TreeEnsemble(
      featureNames: header.names, outputCount: outputCount, classNames: nil, transform: header.transform,
      library: .xgboost, objective: header.objective, baseMargins: baseMargins, roundsInputToFloat: true,
      accumulation: .float32, responseDivisor: 1, built: builder.built)
    ensemble.categoryLabels = try header.categoryLabels(model: model, f: f)
    ensemble.coversStored = coversStored
    ensemble.provenance = header.provenance(
      boosting: boosterName == "dart" ? "dart" : parallelTrees(model) > 1 ? "rf (num_parallel_tree \(parallelTrees(model)))" : "gbtree",
      vectorLeafTrees: vectorLeafTrees)
    return ensemble
  }

  /// `gbtree_model_param.num_parallel_tree` (1 when absent or unreadable).
  static func parallelTrees(_ model: JSONObject) -> Int {
    guard let v = model["gbtree_model_param"]?.object?["num_parallel_tree"] else { return 1 }
    return (v.number ?? v.string.flatMap { Double($0) }).map { Int(exactly: $0) ?? 1 } ?? 1
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
    case "binary:hinge":
      return ({ $0 }, .hinge)
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
  /// every other objective has one output per target (`num_class` 0 or 1).
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

  /// One tree's nodes, and its leaf-vector size (1 for scalar leaves). For a vector-leaf
  /// tree the values are not read here (see `vectorLeafSpecs`).
  static func readTree(
    _ value: JSONValue, name: String, f: TreeFields, builder: TreeEnsembleBuilder
  ) throws -> (TreeSpec, leafVector: Int, coversStored: Bool) {
    let tree = try f.object(value, name)
    let param = try f.object(tree["tree_param"], "\(name).tree_param")
    let n = try f.integer(param["num_nodes"], "\(name).tree_param.num_nodes", in: 1...Int(Int32.max))
    let leafVector = try param["size_leaf_vector"].map {
      try f.integer($0, "\(name).tree_param.size_leaf_vector", in: 0...1_000_000)
    } ?? 1
    let maxIndex = Int(Int32.max)
    var spec = TreeSpec()
    spec.name = name
    spec.left = try f.integers(tree["left_children"], "\(name).left_children", in: -1...maxIndex)
    spec.right = try f.integers(tree["right_children"], "\(name).right_children", in: -1...maxIndex)
    if leafVector > 1 {  // a leaf's right child holds the row of its values in leaf_weights
      for i in 0..<min(spec.left.count, spec.right.count) where spec.left[i] == -1 { spec.right[i] = -1 }
    }
    spec.feature = try f.integers(tree["split_indices"], "\(name).split_indices", in: 0...Int(Int32.max))
    let conditions = try f.numbers(tree["split_conditions"], "\(name).split_conditions")
    spec.defaultLeft = try f.flags(tree["default_left"], "\(name).default_left")
    var coversStored = true
    if tree["sum_hessian"] == nil && leafVector > 1 {
      coversStored = false  // xgboost ≤ 3.1 vector-leaf trees: stand-in covers, see `leafCounts`
    } else {
      spec.cover = try f.numbers(tree["sum_hessian"], "\(name).sum_hessian").map { Double(Float($0)) }
    }
    for (key, c) in [
      ("left_children", spec.left.count), ("right_children", spec.right.count),
      ("split_indices", spec.feature.count), ("split_conditions", conditions.count),
      ("default_left", spec.defaultLeft.count), ("sum_hessian", coversStored ? spec.cover.count : n),
    ] where c != n {
      throw f.invalid("\(name).\(key)", "\(c) entries for num_nodes \(n)")
    }
    if !coversStored { spec.cover = leafCounts(left: spec.left, right: spec.right) }
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
    return (spec, leafVector, coversStored)
  }
}
