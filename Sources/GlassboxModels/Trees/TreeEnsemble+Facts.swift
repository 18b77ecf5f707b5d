extension TreeEnsemble: DescribableModel, CategoryLabelledModel {
  /// What `inspect` shows: the summary line, then the library and version that wrote the
  /// file (where it says), objective, boosting type, trees, depth, leaves, categorical
  /// features and outputs.
  /// - Complexity: O(nodes).
  public var facts: [(key: String, value: String)] {
    var list: [(key: String, value: String)] = [("summary", summary)]
    let libraryName: String
    switch library {
    case .xgboost: libraryName = "XGBoost"
    case .lightgbm: libraryName = "LightGBM"
    case .sklearn: libraryName = "scikit-learn"
    case .catboost: libraryName = "CatBoost"
    case .onnx: libraryName = "ONNX"
    }
    list.append(("library", provenance?.libraryText ?? writer ?? libraryName))
    list.append(("objective", objective))
    let boosting = provenance?.boosting ?? (library == .lightgbm ? (responseDivisor != 1 ? "rf" : "gbdt") : nil)
    if let boosting { list.append(("boosting", boosting)) }
    list.append(("trees", String(treeCount)))
    list.append(("max depth", String(maxDepth)))
    list.append(("leaves", String(nodes.lazy.filter(\.isLeaf).count)))
    var categorical = Set<Int>()
    for node in nodes where !node.isLeaf && node.flags & TreeNode.Flags.categorical != 0 { categorical.insert(Int(node.feature)) }
    categorical.formUnion(categoryLabels.keys)
    let names = categorical.sorted().map { j in
      featureNames[j] + (categoryLabels[j].map { " (\($0.count) categories)" } ?? "")
    }
    list.append(("categorical features", names.isEmpty ? "none" : names.joined(separator: ", ")))
    list.append(("outputs", classNames.map { "\(outputCount) (\($0.joined(separator: ", ")))" } ?? String(outputCount)))
    list.append(("link", transform.linkName))
    for note in provenance?.notes ?? [] { list.append(note) }
    if !coversStored {
      list.append(("covers", "not stored (vector-leaf trees of xgboost 3.1 or older): explain with --method tree-interventional"))
    }
    return list
  }
}
