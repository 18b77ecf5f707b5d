/// One tree of an ONNX tree-ensemble operator, in the terms of ai.onnx.ml opset 5: split
/// nodes whose children are splits or leaves, and leaves holding a weight per output.
struct ONNXTree {
  enum Child { case split(Int), leaf(Int) }
  struct Split {
    var feature: Int
    var threshold: Double
    /// 0 BRANCH_LEQ, 1 BRANCH_LT, 2 BRANCH_GTE, 3 BRANCH_GT (4-6, EQ, NEQ and MEMBER, are refused).
    var mode: Int
    var whenTrue: Child
    var whenFalse: Child
    /// NaN takes the true branch (`nodes_missing_value_tracks_true`); otherwise the false one,
    /// as every comparison with NaN is false.
    var nanTrue: Bool
  }
  var splits: [Split] = []
  var leaves: [[Int: Double]] = []
  var root: Child = .leaf(0)
  var name = ""

  /// The outputs the tree adds to, in order.
  var outputs: [Int] { Set(leaves.flatMap(\.keys)).sorted() }

  /// One `TreeSpec` per output the tree adds to, with `x <= threshold` going left: `x < t`
  /// becomes `x <= t.nextDown` (exact: no double lies between), and `>=`/`>` swap the
  /// branches. Covers are leaf counts (ONNX files store
  /// no data counts), which only keep the builder's checks meaningful.
  /// - Throws: `ModelError` for refused modes and for a node reached twice.
  func specs(path: String) throws -> [TreeSpec] {
    var base = TreeSpec()
    base.name = name
    var leafOfLocal: [Int: Int] = [:]
    var visits = 0
    let limit = splits.count + leaves.count + 1
    func node(_ child: Child, depth: Int) throws -> Int {
      visits += 1
      guard visits <= limit, depth <= TreeEnsembleBuilder.maxDepth else {
        throw ModelError.invalid(path: path, field: name, problem: "a node is reached twice, or the tree is deeper than \(TreeEnsembleBuilder.maxDepth)")
      }
      switch child {
      case .leaf(let j):
        base.appendLeaf(value: 0, cover: 1)
        leafOfLocal[base.count - 1] = j
        return base.count - 1
      case .split(let i):
        let s = splits[i]
        guard s.mode <= 3 else {
          let names = ["BRANCH_EQ", "BRANCH_NEQ", "BRANCH_MEMBER"]
          throw ModelError.unsupported(
            path: path, what: "ONNX \(names[min(s.mode - 4, 2)]) splits (\(name); glassbox reads numeric <, <=, >, >= splits)")
        }
        let at = base.count
        base.appendLeaf(value: 0, cover: 0)
        let strict = s.mode == 1 || s.mode == 2
        let trueGoesLeft = s.mode <= 1
        var t = s.threshold
        if strict { t = t.nextDown }
        let l = try node(trueGoesLeft ? s.whenTrue : s.whenFalse, depth: depth + 1)
        let r = try node(trueGoesLeft ? s.whenFalse : s.whenTrue, depth: depth + 1)
        base.left[at] = l
        base.right[at] = r
        base.feature[at] = s.feature
        base.threshold[at] = t
        base.defaultLeft[at] = s.nanTrue == trueGoesLeft
        base.cover[at] = base.cover[l] + base.cover[r]
        return at
      }
    }
    _ = try node(root, depth: 0)
    return outputs.map { k in
      var spec = base
      spec.output = k
      for (local, j) in leafOfLocal { spec.value[local] = leaves[j][k] ?? 0 }
      if outputs.count > 1 { spec.name = "\(name) output \(k)" }
      return spec
    }
  }
}

/// Reads the trees of `TreeEnsembleRegressor`/`TreeEnsembleClassifier` (ai.onnx.ml 1-3)
/// and `TreeEnsemble` (ai.onnx.ml 5).
enum ONNXTreeOperator {
  /// The trees of a `TreeEnsembleRegressor` or `TreeEnsembleClassifier`: nodes listed by
  /// (tree id, node id) with string modes, and target or class weights on leaves.
  /// `outputOf` maps a target or class id to the ensemble's output.
  static func legacyTrees(_ a: ONNXAttributes, classifier: Bool, outputOf: (Int) throws -> Int) throws -> [ONNXTree] {
    let treeIDs = try a.ints("nodes_treeids")
    let nodeIDs = try a.ints("nodes_nodeids")
    let n = treeIDs.count
    let features = try a.ints("nodes_featureids")
    let values = try a.numbers("nodes_values") ?? []
    let modes = a.strings("nodes_modes")
    let trueIDs = try a.ints("nodes_truenodeids")
    let falseIDs = try a.ints("nodes_falsenodeids")
    let nanTrue = try a.missingTracksTrue(count: n)
    try a.requireCounts(
      [
        ("nodes_nodeids", nodeIDs.count), ("nodes_featureids", features.count), ("nodes_values", values.count),
        ("nodes_modes", modes.count), ("nodes_truenodeids", trueIDs.count), ("nodes_falsenodeids", falseIDs.count),
        ("nodes_missing_value_tracks_true", nanTrue.count),
      ], n, "nodes")
    let prefix = classifier ? "class_" : "target_"
    let weightTrees = try a.ints(prefix + "treeids")
    let weightNodes = try a.ints(prefix + "nodeids")
    let weightIDs = try a.ints(prefix + "ids")
    guard let weights = try a.numbers(prefix + "weights") else { throw a.fail(prefix + "weights", "missing (required)") }
    try a.requireCounts(
      [(prefix + "nodeids", weightNodes.count), (prefix + "ids", weightIDs.count), (prefix + "weights", weights.count)],
      weightTrees.count, "weights")
    // Trees in order of first appearance; nodes by (tree id, node id).
    var treeOrder: [Int] = []
    var index: [Int: [Int: Int]] = [:]
    for i in 0..<n {
      if index[treeIDs[i]] == nil { treeOrder.append(treeIDs[i]) }
      guard index[treeIDs[i], default: [:]].updateValue(i, forKey: nodeIDs[i]) == nil else {
        throw a.fail("nodes_nodeids[\(i)]", "node \(nodeIDs[i]) of tree \(treeIDs[i]) is listed twice")
      }
    }
    var leafWeights: [Int: [Int: Double]] = [:]  // node row → output → weight
    for w in 0..<weightTrees.count {
      guard let row = index[weightTrees[w]]?[weightNodes[w]] else {
        throw a.fail(prefix + "nodeids[\(w)]", "no node \(weightNodes[w]) in tree \(weightTrees[w])")
      }
      leafWeights[row, default: [:]][try outputOf(weightIDs[w]), default: 0] += weights[w]
    }
    let modeCodes = ["BRANCH_LEQ": 0, "BRANCH_LT": 1, "BRANCH_GTE": 2, "BRANCH_GT": 3, "BRANCH_EQ": 4, "BRANCH_NEQ": 5, "BRANCH_MEMBER": 6]
    var trees: [ONNXTree] = []
    for id in treeOrder {
      let rows = index[id]!
      var tree = ONNXTree()
      tree.name = "tree \(id)"
      var position: [Int: ONNXTree.Child] = [:]
      for (_, row) in rows.sorted(by: { $0.key < $1.key }) {
        if modes[row] == "LEAF" {
          position[row] = .leaf(tree.leaves.count)
          tree.leaves.append(leafWeights[row] ?? [:])
        } else {
          guard let code = modeCodes[modes[row]] else { throw a.fail("nodes_modes[\(row)]", "unknown mode '\(modes[row])'") }
          position[row] = .split(tree.splits.count)
          tree.splits.append(
            .init(feature: features[row], threshold: values[row], mode: code, whenTrue: .leaf(0), whenFalse: .leaf(0), nanTrue: nanTrue[row] != 0))
        }
      }
      for (_, row) in rows {
        guard case .split(let s)? = position[row] else { continue }
        for (side, child) in [("nodes_truenodeids", trueIDs[row]), ("nodes_falsenodeids", falseIDs[row])] {
          guard let target = rows[child], let p = position[target] else {
            throw a.fail("\(side)[\(row)]", "no node \(child) in tree \(id)")
          }
          if side == "nodes_truenodeids" { tree.splits[s].whenTrue = p } else { tree.splits[s].whenFalse = p }
        }
      }
      tree.root = position[rows.min(by: { $0.key < $1.key })!.value]!
      trees.append(tree)
    }
    return trees
  }

  /// The trees of an opset-5 `TreeEnsemble`: split arrays with `tree_roots`, children
  /// flagged as leaves by `nodes_trueleafs`/`nodes_falseleafs`, one target per leaf.
  static func opset5Trees(_ a: ONNXAttributes, outputs: Int) throws -> [ONNXTree] {
    let features = try a.ints("nodes_featureids")
    let n = features.count
    guard let splits = try a.numbers("nodes_splits") else { throw a.fail("nodes_splits", "missing (required)") }
    guard let modes = try a.numbers("nodes_modes") else { throw a.fail("nodes_modes", "missing (required)") }
    let trueIDs = try a.ints("nodes_truenodeids")
    let trueLeaf = try a.ints("nodes_trueleafs")
    let falseIDs = try a.ints("nodes_falsenodeids")
    let falseLeaf = try a.ints("nodes_falseleafs")
    let nanTrue = try a.missingTracksTrue(count: n)
    let targets = try a.ints("leaf_targetids")
    guard let weights = try a.numbers("leaf_weights") else { throw a.fail("leaf_weights", "missing (required)") }
    try a.requireCounts(
      [
        ("nodes_splits", splits.count), ("nodes_modes", modes.count), ("nodes_truenodeids", trueIDs.count),
        ("nodes_trueleafs", trueLeaf.count), ("nodes_falsenodeids", falseIDs.count), ("nodes_falseleafs", falseLeaf.count),
        ("nodes_missing_value_tracks_true", nanTrue.count),
      ], n, "nodes")
    guard weights.count == targets.count else { throw a.fail("leaf_weights", "\(weights.count) weights for \(targets.count) leaves") }
    for (j, t) in targets.enumerated() where t < 0 || t >= outputs {
      throw a.fail("leaf_targetids[\(j)]", "target \(t) is outside 0..<\(outputs)")
    }
    func child(_ id: Int, leaf: Int, _ field: String) throws -> ONNXTree.Child {
      let limit = leaf != 0 ? targets.count : n
      guard id >= 0 && id < limit else { throw a.fail(field, "index \(id) is outside 0..<\(limit)") }
      return leaf != 0 ? .leaf(id) : .split(id)
    }
    var all: [ONNXTree.Split] = []
    for i in 0..<n {
      guard modes[i] >= 0, modes[i] <= 6, modes[i] == modes[i].rounded() else { throw a.fail("nodes_modes[\(i)]", "unknown mode \(modes[i])") }
      all.append(
        .init(
          feature: features[i], threshold: splits[i], mode: Int(modes[i]),
          whenTrue: try child(trueIDs[i], leaf: trueLeaf[i], "nodes_truenodeids[\(i)]"),
          whenFalse: try child(falseIDs[i], leaf: falseLeaf[i], "nodes_falsenodeids[\(i)]"), nanTrue: nanTrue[i] != 0))
    }
    let leaves = zip(targets, weights).map { [$0: $1] }
    return try a.ints("tree_roots").enumerated().map { (t, root) in
      guard root >= 0 && root < n else { throw a.fail("tree_roots[\(t)]", "index \(root) is outside 0..<\(n)") }
      var tree = ONNXTree()
      tree.name = "tree \(t)"
      tree.splits = all
      tree.leaves = leaves
      tree.root = .split(root)
      return tree
    }
  }
}
