import GlassboxData

/// Reads LightGBM `Booster.dump_model()` JSON (`"name": "tree"` with `tree_info`).
///
/// Nodes are nested objects: splits carry `split_feature`, `threshold` (a number, or
/// `"1||3||5"` for categorical `==` splits), `decision_type`, `default_left`,
/// `missing_type` and `internal_count`; leaves carry `leaf_value` and `leaf_count`
/// (stumps may omit the count). Linear trees (`leaf_coeff`) are rejected.
enum LightGBMDumpLoader {
  /// - Throws: `ModelError` for unsupported variants and inconsistent content.
  /// - Complexity: O(total nodes).
  static func load(_ root: JSONObject, path: String) throws -> TreeEnsemble {
    let f = TreeFields(path: path)
    var header = LightGBMHeader()
    header.featureCount = try f.integer(root["max_feature_idx"], "max_feature_idx", in: 0...100_000_000) + 1
    header.treesPerIteration = max(1, try f.integer(root["num_tree_per_iteration"] ?? .number(1), "num_tree_per_iteration"))
    header.classCount = try root["num_class"].map { try f.integer($0, "num_class") }
    header.objective = try root["objective"].map { try f.string($0, "objective") } ?? ""
    header.averageOutput = root["average_output"]?.bool ?? false
    header.featureNames = try root["feature_names"].map { try f.strings($0, "feature_names") } ?? []
    if header.featureNames.isEmpty {
      header.featureNames = try f.generatedNames(prefix: "Column_", count: header.featureCount, field: "max_feature_idx")
    }
    guard header.featureNames.count == header.featureCount else {
      throw f.invalid("feature_names", "\(header.featureNames.count) names for max_feature_idx+1 = \(header.featureCount)")
    }
    try f.checkNames(header.featureNames, "feature_names")
    let info = try f.array(root["tree_info"], "tree_info")
    guard !info.isEmpty else { throw f.invalid("tree_info", "the model has no trees") }
    var trees: [TreeSpec] = []
    trees.reserveCapacity(info.count)
    for (t, entry) in info.enumerated() {
      let name = "tree_info[\(t)]"
      let o = try f.object(entry, name)
      trees.append(try readTree(try f.object(o["tree_structure"], "\(name).tree_structure"), name: name, f: f))
    }
    return try header.ensemble(trees: trees, path: path)
  }

  static func readTree(_ root: JSONObject, name: String, f: TreeFields) throws -> TreeSpec {
    var spec = TreeSpec()
    spec.name = name
    // Explicit stack of (object, local index, field path). Nodes get indices as they are
    // first seen; children are filled in when their parent is expanded.
    var pending: [(JSONObject, Int, String, Int)] = [(root, 0, "\(name).tree_structure", 0)]
    func reserveNode() -> Int {
      spec.appendLeaf(value: 0, cover: 0)
      return spec.left.count - 1
    }
    _ = reserveNode()
    while let (node, i, field, depth) = pending.popLast() {
      guard depth <= TreeEnsembleBuilder.maxDepth else {
        throw f.invalid(field, "deeper than \(TreeEnsembleBuilder.maxDepth) levels")
      }
      if node["leaf_coeff"] != nil || node["leaf_features"] != nil {
        throw ModelError.unsupported(path: f.path, what: "LightGBM linear trees (linear_tree=true)")
      }
      if node["split_feature"] == nil {
        spec.value[i] = try f.number(node["leaf_value"], "\(field).leaf_value")
        spec.cover[i] = try node["leaf_count"].map { try f.number($0, "\(field).leaf_count") } ?? 1
        continue
      }
      spec.feature[i] = try f.integer(node["split_feature"], "\(field).split_feature")
      spec.cover[i] = try f.number(node["internal_count"], "\(field).internal_count")
      spec.defaultLeft[i] = try node["default_left"].map { v -> Bool in
        guard let b = v.bool else { throw f.invalid("\(field).default_left", "expected true or false") }
        return b
      } ?? false
      let missing = try node["missing_type"].map { try f.string($0, "\(field).missing_type") } ?? "None"
      switch missing {
      case "None": spec.missing[i] = .nanAsZero
      case "Zero": spec.missing[i] = .zeroOrNaNToDefault
      case "NaN": spec.missing[i] = .nanToDefault
      default: throw f.invalid("\(field).missing_type", "expected None, Zero or NaN, found '\(missing)'")
      }
      let decision = try node["decision_type"].map { try f.string($0, "\(field).decision_type") } ?? "<="
      switch decision {
      case "<=":
        spec.threshold[i] = try f.number(node["threshold"], "\(field).threshold")
      case "==":
        let text = try f.string(node["threshold"], "\(field).threshold")
        var codes: [Int] = []
        for part in text.split(separator: "|", omittingEmptySubsequences: true) {
          guard let c = Int(part), c >= 0, c < 16_777_216 else {
            throw f.invalid("\(field).threshold", "cannot read the category '\(part)'")
          }
          codes.append(c)
        }
        var words: [UInt32] = []
        for c in codes {
          if c >> 5 >= words.count { words.append(contentsOf: repeatElement(0, count: (c >> 5) + 1 - words.count)) }
          words[c >> 5] |= UInt32(1) << UInt32(c & 31)
        }
        spec.categories[i] = words
      default:
        throw f.invalid("\(field).decision_type", "expected <= or ==, found '\(decision)'")
      }
      let l = reserveNode()
      let r = reserveNode()
      spec.left[i] = l
      spec.right[i] = r
      pending.append((try f.object(node["right_child"], "\(field).right_child"), r, "\(field).right_child", depth + 1))
      pending.append((try f.object(node["left_child"], "\(field).left_child"), l, "\(field).left_child", depth + 1))
    }
    return spec
  }
}
