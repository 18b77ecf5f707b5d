import GlassboxData

/// CatBoost's JSON model (`save_model(path, format="json")`).
struct CatBoostJSONFormat: ModelFormat {
  var name: String { "catboost-json" }
  var displayName: String { "CatBoost JSON" }
  func recognizes(_ file: ModelFile) -> Bool {
    guard let root = file.jsonObject else { return false }
    return root["format"] == nil && root["features_info"] != nil
      && (root["oblivious_trees"] != nil || root["trees"] != nil || root["model_info"] != nil)
  }
  func load(_ file: ModelFile) throws -> any Model { try CatBoostJSONLoader.load(file.rootObject(), path: file.path) }
}

/// Reads CatBoost JSON models with oblivious (symmetric) trees, float splits and one-hot
/// categorical splits, one or several outputs (`scale_and_bias` included).
///
/// An oblivious tree of depth d has one split per level; leaf `Σ_i bit_i << i` where
/// `bit_i = (float32(x) > float32(border_i))` for `splits[i]` (a one-hot split: the value
/// equals the category). It becomes a complete binary tree whose root tests the last split
/// (`x <= border` goes left), with leaf covers `leaf_weights` summed upward, as shap and
/// CatBoost's own `ShapValues` do. Output k of a K-output model is `leaf_values[leaf·K + k]`,
/// one binary tree per output. Raw margins are `scale · Σ leaves + bias_k`, CatBoost's
/// `RawFormulaVal`.
///
/// One-hot splits compare CatBoost's hash of the category string; glassbox maps each hash
/// back to its string with `cat_features_hash` and needs that string to be an integer code
/// (categorical columns trained from integers): the input column then holds the code.
/// Refused with a message: counter (CTR) features, non-symmetric trees, string categories,
/// and losses whose output transform glassbox cannot express.
enum CatBoostJSONLoader {
  /// Deepest oblivious tree accepted (CatBoost's own limit is 16): 2^17 nodes per output.
  static let maxDepth = 16

  static func load(_ root: JSONObject, path: String) throws -> TreeEnsemble {
    let f = TreeFields(path: path)
    if root["ctr_data"] != nil {
      throw ctrRefusal(path)
    }
    if root["oblivious_trees"] == nil, root["trees"] != nil {
      throw ModelError.unsupported(
        path: path, what: "CatBoost non-symmetric trees (grow_policy Depthwise or Lossguide; train with the default SymmetricTree)")
    }
    let info = try f.object(root["features_info"], "features_info")
    let columns = try CatBoostColumns(info, root: root, f: f)
    let modelInfo = root["model_info"]?.object ?? JSONObject()
    let (loss, transform) = try lossFunction(modelInfo, f: f)
    let scaleAndBias = try f.array(root["scale_and_bias"], "scale_and_bias")
    guard scaleAndBias.count == 2 else { throw f.invalid("scale_and_bias", "expected [scale, [bias...]]") }
    let scale = try f.number(scaleAndBias[0], "scale_and_bias[0]")
    var biases = try scaleAndBias[1].number.map { [$0] } ?? f.numbers(scaleAndBias[1], "scale_and_bias[1]")
    let trees = try f.array(root["oblivious_trees"], "oblivious_trees")
    guard let first = trees.first?.object else { throw f.invalid("oblivious_trees", "the model has no trees") }
    let leafCount = try f.numbers(first["leaf_weights"], "oblivious_trees[0].leaf_weights").count
    let valueCount = try f.numbers(first["leaf_values"], "oblivious_trees[0].leaf_values").count
    guard leafCount > 0, valueCount % leafCount == 0, valueCount / leafCount <= 10_000 else {
      throw f.invalid("oblivious_trees[0].leaf_values", "\(valueCount) values for \(leafCount) leaves")
    }
    let outputs = valueCount / leafCount
    if biases.count == 1 && outputs > 1 && biases[0] == 0 { biases = [Double](repeating: 0, count: outputs) }
    guard biases.count == outputs else {
      throw f.invalid("scale_and_bias[1]", "\(biases.count) biases for \(outputs) outputs")
    }
    guard scale.isFinite, biases.allSatisfy({ $0.isFinite && abs($0) <= TreeEnsembleBuilder.doubleValueBound }) else {
      throw f.invalid("scale_and_bias", "scale and biases must be finite numbers")
    }
    if transform == .softmax && outputs < 2 {
      throw f.invalid("oblivious_trees[0].leaf_values", "a MultiClass model needs at least 2 values per leaf")
    }
    var builder = TreeEnsembleBuilder(
      path: path, featureCount: columns.names.count, outputCount: outputs, strictLess: false, categorySetGoesLeft: false)
    for (t, value) in trees.enumerated() {
      let name = "oblivious_trees[\(t)]"
      for spec in try readTree(try f.object(value, name), name: name, outputs: outputs, columns: columns, f: f) {
        var weighted = spec
        weighted.weight = scale
        try builder.add(weighted)
      }
    }
    var ensemble = TreeEnsemble(
      featureNames: columns.names, outputCount: outputs, classNames: classNames(modelInfo, outputs), transform: transform,
      library: .catboost, objective: loss, baseMargins: biases, roundsInputToFloat: true, accumulation: .float64,
      responseDivisor: 1, built: builder.built)
    ensemble.writer = writer(modelInfo)
    return ensemble
  }

  static func ctrRefusal(_ path: String) -> ModelError {
    .unsupported(
      path: path,
      what:
        "CatBoost counter (CTR) features (glassbox cannot recompute their per-category target statistics, so neither "
        + "predictions nor SHAP values would match CatBoost: retrain with one_hot_max_size above the number of categories "
        + "to get one-hot splits, or explain the model as a black box with --method kernel or exact against a served model)")
  }

  /// The D binary trees (one per output) of one oblivious tree.
  static func readTree(
    _ tree: JSONObject, name: String, outputs: Int, columns: CatBoostColumns, f: TreeFields
  ) throws -> [TreeSpec] {
    let splits = try f.array(tree["splits"], "\(name).splits")
    let depth = splits.count
    guard depth <= maxDepth else { throw f.invalid("\(name).splits", "depth \(depth) is beyond CatBoost's \(maxDepth)") }
    let leaves = 1 << depth
    let weights = try f.numbers(tree["leaf_weights"], "\(name).leaf_weights")
    let values = try f.numbers(tree["leaf_values"], "\(name).leaf_values")
    guard weights.count == leaves else { throw f.invalid("\(name).leaf_weights", "\(weights.count) weights for \(leaves) leaves") }
    guard values.count == leaves * outputs else {
      throw f.invalid("\(name).leaf_values", "\(values.count) values for \(leaves) leaves × \(outputs) outputs")
    }
    guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw f.invalid("\(name).leaf_weights", "weights must be finite and non-negative")
    }
    // Level ℓ (root 0) tests splits[depth − 1 − ℓ]; node i has children 2i+1 and 2i+2, so
    // leaf i − (leaves − 1) is the CatBoost leaf index.
    var levels: [CatBoostSplit] = []
    for (i, split) in splits.enumerated().reversed() {
      levels.append(try columns.split(try f.object(split, "\(name).splits[\(i)]"), field: "\(name).splits[\(i)]", f: f))
    }
    // Empty leaves (weight 0) under an empty parent would give it cover 0, which
    // path-dependent TreeSHAP divides by: they get a cover 1e-13 of the tree's total, which
    // moves SHAP values by about that fraction.
    let total = weights.reduce(0, +)
    let floor = total > 0 ? total * 1e-13 : 1
    var cover = [Double](repeating: 0, count: 2 * leaves - 1)
    for j in 0..<leaves { cover[leaves - 1 + j] = weights[j] > 0 ? weights[j] : floor }
    for i in stride(from: leaves - 2, through: 0, by: -1) { cover[i] = cover[2 * i + 1] + cover[2 * i + 2] }
    var specs: [TreeSpec] = []
    for k in 0..<outputs {
      var spec = TreeSpec()
      spec.name = outputs == 1 ? name : "\(name) output \(k)"
      spec.output = k
      spec.reserve(2 * leaves - 1)
      for i in 0..<(leaves - 1) {
        var level = 0
        while (1 << (level + 1)) - 1 <= i { level += 1 }
        let split = levels[level]
        spec.left.append(2 * i + 1)
        spec.right.append(2 * i + 2)
        spec.feature.append(split.feature)
        spec.threshold.append(split.threshold)
        spec.defaultLeft.append(split.nanGoesLeft)
        spec.missing.append(.nanToDefault)
        spec.value.append(0)
        spec.cover.append(cover[i])
        if let code = split.category { spec.categories[i] = [UInt32](repeating: 0, count: code >> 5) + [UInt32(1) << UInt32(code & 31)] }
      }
      for j in 0..<leaves { spec.appendLeaf(value: values[j * outputs + k], cover: cover[leaves - 1 + j]) }
      specs.append(spec)
    }
    return specs
  }

  /// The loss's name and output transform, from `model_info.params.loss_function`
  /// (CatBoost writes `params` as a Python literal string, or as an object).
  static func lossFunction(_ info: JSONObject, f: TreeFields) throws -> (String, OutputTransform) {
    let name: String
    if let params = info["params"]?.object, let loss = params["loss_function"] {
      name = loss.object?["type"]?.string ?? loss.string ?? "RMSE"
    } else if let text = info["params"]?.string {
      name = literalLossType(text) ?? "RMSE"
    } else {
      name = "RMSE"
    }
    switch name {
    case "RMSE", "MAE", "Quantile", "Expectile", "MAPE", "Huber", "Lq", "LogCosh", "FairLoss", "PairLogit",
      "PairLogitPairwise", "YetiRank", "YetiRankPairwise", "QueryRMSE", "QuerySoftMax", "QueryCrossEntropy",
      "StochasticRank", "LogLinQuantile":
      return (name, .identity)
    case "Logloss", "CrossEntropy":
      return (name, .logistic)
    case "MultiClass":
      return (name, .softmax)
    case "MultiClassOneVsAll":
      return (name, .logistic)
    case "Poisson", "Tweedie":
      return (name, .exponential)
    default:
      throw ModelError.unsupported(path: f.path, what: "the CatBoost loss '\(name)' (its output transform has no glassbox equivalent)")
    }
  }

  /// The `type` of `loss_function` in a params string such as
  /// `{'loss_function': {'params': {...}, 'type': 'Logloss'}, ...}`.
  static func literalLossType(_ text: String) -> String? {
    guard let loss = Substring(text).end(of: "loss_function") else { return nil }
    let rest = text[loss...]
    guard let type = rest.end(of: "'type': '") ?? rest.end(of: "\"type\":\"") ?? rest.end(of: "\"type\": \"") else {
      return nil
    }
    let name = rest[type...].prefix { $0 != "'" && $0 != "\"" }
    return name.isEmpty ? nil : String(name)
  }

  /// Class names from `model_info.class_params` (an object, or a Python literal string of
  /// one), when they fit the outputs.
  static func classNames(_ info: JSONObject, _ outputs: Int) -> [String]? {
    var params = info["class_params"]
    if let text = params?.string {
      params = try? JSONParser.parse(Array(String(text.map { $0 == "'" ? "\"" : $0 }).utf8), path: "")
    }
    guard outputs > 1, let labels = params?.object?["class_names"]?.array, labels.count == outputs else { return nil }
    return labels.map { $0.string ?? $0.number.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? "?" }
  }

  /// "catboost VERSION" from `model_info.catboost_version_info` ("... CatBoost release
  /// 1.2.10 ..." or "Branch: tags/v1.2.10"), when it says.
  static func writer(_ info: JSONObject) -> String {
    guard let text = info["catboost_version_info"]?.string else { return "catboost (version not recorded)" }
    for marker in ["release ", "tags/v"] {
      if let end = Substring(text).end(of: marker) {
        let version = text[end...].prefix { $0.isNumber || $0 == "." }.trimmingTrailingDots
        if !version.isEmpty { return "catboost \(version)" }
      }
    }
    return "catboost (version not recorded)"
  }
}

extension Substring {
  /// The index just after the first occurrence of `needle`, nil when there is none.
  /// - Complexity: O(count · needle count).
  fileprivate func end(of needle: String) -> String.Index? {
    let pattern = Array(needle.utf8)
    let bytes = utf8
    var i = bytes.startIndex
    while i != bytes.endIndex {
      var j = i
      var k = 0
      while k < pattern.count, j != bytes.endIndex, bytes[j] == pattern[k] {
        j = bytes.index(after: j)
        k += 1
      }
      if k == pattern.count { return j }
      i = bytes.index(after: i)
    }
    return nil
  }

  fileprivate var trimmingTrailingDots: Substring {
    var s = self
    while s.last == "." { s.removeLast() }
    return s
  }
}
