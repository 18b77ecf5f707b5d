import GlassboxModels

/// The distinct features on each root-to-leaf path of one tree, the layout both kinds of
/// decision-pattern tables (`DecisionPatternHistograms`, `DeepPatternTables`) are built on:
/// a feature tested several times on a path is one player, at the position of its first
/// test.
struct TreePathFeatures {
  /// Per split, in depth-first order (left child first): its node and `1 << k`, where its
  /// feature is the k-th distinct feature on the path to it.
  let splits: [(node: Int, bit: UInt32)]
  /// Per leaf, in the same order: its node and the distinct features of its path, in order
  /// of first test.
  let leaves: [(node: Int, features: [Int32])]

  /// The layout of tree `t` of `e`, or nil when a path has more than `maxFeatures` distinct
  /// features.
  /// - Complexity: O(nodes · d) for d distinct features on a path.
  init?(_ e: TreeEnsemble, tree t: Int, maxFeatures: Int) {
    var pending: [(node: Int, path: [Int32])] = [(e.treeStart[t], [])]
    var splits: [(node: Int, bit: UInt32)] = []
    var leaves: [(node: Int, features: [Int32])] = []
    while let (n, path) = pending.popLast() {
      let node = e.nodes[n]
      if node.isLeaf {
        leaves.append((n, path))
        continue
      }
      let position = path.firstIndex(of: node.feature) ?? path.count
      let below = position < path.count ? path : path + [node.feature]
      if below.count > maxFeatures { return nil }
      splits.append((n, UInt32(1) << UInt32(position)))
      pending.append((Int(node.right), below))
      pending.append((Int(node.left), below))
    }
    self.splits = splits
    self.leaves = leaves
  }
}
