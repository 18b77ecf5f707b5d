extension TreeEnsemble: DescribableModel {
  /// What `glassbox inspect` shows of a tree ensemble: the writer, objective, size and
  /// shape of the trees, categorical splits and outputs.
  /// - Complexity: O(total nodes).
  public var facts: [(key: String, value: String)] {
    var list: [(key: String, value: String)] = [("summary", summary)]
    list.append(("library", writer ?? "\(library.rawValue) (version not recorded)"))
    list.append(("objective", objective.isEmpty ? "(not recorded)" : objective))
    list.append(("trees", String(treeCount)))
    list.append(("max depth", String(maxDepth)))
    list.append(("leaves", String(nodes.reduce(0) { $0 + ($1.isLeaf ? 1 : 0) })))
    let categorical = nodes.filter { $0.flags & TreeNode.Flags.categorical != 0 }
    if !categorical.isEmpty {
      let features = Set(categorical.map { Int($0.feature) }).sorted().map { featureNames[$0] }
      list.append(("categorical splits", "\(categorical.count) on \(features.joined(separator: ", "))"))
    }
    list.append(("outputs", classNames.map { "\(outputCount) (\($0.joined(separator: ", ")))" } ?? String(outputCount)))
    list.append(("link", transform.linkName))
    return list
  }
}
