/// One tree as a loader reads it: parallel per-node arrays with tree-local indices.
struct TreeSpec {
  /// Tree-local child indices; -1 marks a leaf (both must then be -1).
  var left: [Int] = []
  var right: [Int] = []
  var feature: [Int] = []
  var threshold: [Double] = []
  var defaultLeft: [Bool] = []
  var missing: [TreeEnsemble.MissingRule] = []
  /// Category bitsets of categorical nodes, by node.
  var categories: [Int: [UInt32]] = [:]
  var value: [Double] = []
  var cover: [Double] = []
  /// The output (class) the tree adds to.
  var output = 0
  /// The multiplier of its leaf values.
  var weight = 1.0
  /// A name for messages ("trees[3]").
  var name = ""

  var count: Int { left.count }

  mutating func reserve(_ n: Int) {
    left.reserveCapacity(n)
    right.reserveCapacity(n)
    feature.reserveCapacity(n)
    threshold.reserveCapacity(n)
    defaultLeft.reserveCapacity(n)
    missing.reserveCapacity(n)
    value.reserveCapacity(n)
    cover.reserveCapacity(n)
  }

  mutating func appendLeaf(value v: Double, cover c: Double) {
    left.append(-1)
    right.append(-1)
    feature.append(0)
    threshold.append(0)
    defaultLeft.append(false)
    missing.append(.nanToDefault)
    value.append(v)
    cover.append(c)
  }
}

/// Validates `TreeSpec`s and flattens them into `TreeEnsemble` storage.
///
/// Checks that every tree is a proper binary tree reachable from node 0: child
/// indices in range, no node reached twice (which rules out cycles and shared
/// subtrees), depth at most `maxDepth`, split features below the feature count,
/// thresholds that are not NaN (±∞ allowed), weighted leaf values within ±`valueBound`,
/// finite non-negative covers, positive covers on split nodes (path-dependent TreeSHAP
/// divides by them; training never splits a node without data, so a zero there means a
/// damaged file), and children's covers that add up to their parent's within
/// `coverTolerance` (they are the data that reached each side; weights outside [0, 1]
/// would make attributions meaningless). Nodes that cannot be reached from the root
/// (XGBoost's deleted nodes) are dropped.
struct TreeEnsembleBuilder {
  /// Deepest tree accepted (TreeSHAP keeps O(depth²) state per tree).
  static let maxDepth = 256

  /// The relative gap allowed between a split node's cover and the sum of its children's:
  /// libraries store covers rounded (XGBoost in float32), never further apart than this.
  static let coverTolerance = 1e-3

  /// The largest |leaf value × tree weight| (and |base margin|) accepted for models summed
  /// in double: 1e300 leaves room for 10^8 trees before a sum can overflow 1.8e308.
  static let doubleValueBound = 1e300
  /// The same bound for models summed in float32 (XGBoost): 1e30 leaves room for 10^8
  /// trees below float32's 3.4e38.
  static let float32ValueBound = 1e30

  struct Built {
    var nodes: [TreeNode] = []
    var values: [Double] = []
    var covers: [Double] = []
    var categoryWords: [UInt32] = []
    var treeStart: [Int] = [0]
    var treeOutputs: [Int] = []
    var treeWeights: [Double] = []
    var treeDepths: [Int] = []
  }

  let path: String
  let featureCount: Int
  let outputCount: Int
  /// The largest |leaf value × tree weight| accepted (`doubleValueBound` or `float32ValueBound`).
  let valueBound: Double
  /// Flags every split node gets (comparison and category direction).
  let commonFlags: UInt8
  private(set) var built = Built()

  init(
    path: String, featureCount: Int, outputCount: Int, strictLess: Bool, categorySetGoesLeft: Bool,
    valueBound: Double = TreeEnsembleBuilder.doubleValueBound
  ) {
    self.path = path
    self.featureCount = featureCount
    self.outputCount = outputCount
    self.valueBound = valueBound
    self.commonFlags =
      (strictLess ? TreeNode.Flags.strictLess : 0) | (categorySetGoesLeft ? TreeNode.Flags.setGoesLeft : 0)
  }

  private func fail(_ tree: TreeSpec, _ field: String, _ problem: String) -> ModelError {
    .invalid(path: path, field: tree.name.isEmpty ? field : "\(tree.name).\(field)", problem: problem)
  }

  /// Validates `tree` and appends it.
  /// - Throws: `ModelError.invalid` naming the tree and node.
  /// - Complexity: O(nodes).
  mutating func add(_ tree: TreeSpec) throws {
    let n = tree.count
    guard n > 0 else { throw fail(tree, "nodes", "the tree has no nodes") }
    for (name, c) in [
      ("right", tree.right.count), ("feature", tree.feature.count), ("threshold", tree.threshold.count),
      ("default_left", tree.defaultLeft.count), ("missing", tree.missing.count), ("value", tree.value.count),
      ("cover", tree.cover.count),
    ] where c != n {
      throw fail(tree, name, "\(c) entries for \(n) nodes")
    }
    guard tree.output >= 0 && tree.output < outputCount else {
      throw fail(tree, "output", "output group \(tree.output) is outside 0..<\(outputCount)")
    }
    guard tree.weight.isFinite && abs(tree.weight) <= valueBound else {
      throw fail(tree, "weight", "tree weight \(tree.weight) is not a finite number within ±\(valueBound)")
    }

    let base = built.nodes.count
    var newIndex = [Int32](repeating: -1, count: n)
    // Pre-order walk with an explicit stack: (local node, depth).
    var stack: [(Int, Int)] = [(0, 0)]
    var order: [Int] = []
    order.reserveCapacity(n)
    var depth = 0
    while let (i, d) = stack.popLast() {
      guard newIndex[i] < 0 else {
        throw fail(tree, "nodes[\(i)]", "the node is reached twice (a cycle or shared subtree)")
      }
      guard d <= Self.maxDepth else {
        throw fail(tree, "nodes", "deeper than \(Self.maxDepth) levels (or cyclic)")
      }
      depth = max(depth, d)
      newIndex[i] = Int32(base + order.count)
      order.append(i)
      let l = tree.left[i]
      let r = tree.right[i]
      if l == -1 && r == -1 { continue }
      for (side, c) in [("left", l), ("right", r)] where c < 0 || c >= n {
        throw fail(tree, "\(side)[\(i)]", "child index \(c) is outside 0..<\(n)")
      }
      stack.append((r, d + 1))
      stack.append((l, d + 1))
    }

    for i in order {
      let isLeaf = tree.left[i] == -1
      let cover = tree.cover[i]
      guard cover.isFinite && cover >= 0 else {
        throw fail(tree, "cover[\(i)]", "cover must be a finite non-negative number, found \(cover)")
      }
      if isLeaf {
        let weighted = tree.value[i] * tree.weight
        guard weighted.isFinite && abs(weighted) <= valueBound else {
          throw fail(
            tree, "value[\(i)]",
            "leaf value \(tree.value[i])\(tree.weight == 1 ? "" : " × tree weight \(tree.weight)") is not a finite number within ±\(valueBound)")
        }
        built.nodes.append(TreeNode(left: -1, right: -1, feature: 0, threshold: 0, flags: 0))
        built.values.append(tree.value[i])
        built.covers.append(cover)
        continue
      }
      guard cover > 0 else {
        throw fail(tree, "cover[\(i)]", "a split node needs a positive cover (path-dependent TreeSHAP divides by it), found \(cover)")
      }
      let childCovers = tree.cover[tree.left[i]] + tree.cover[tree.right[i]]
      guard abs(childCovers - cover) <= Self.coverTolerance * cover else {
        throw fail(
          tree, "cover[\(i)]",
          "the children's covers add up to \(childCovers), not to the node's cover \(cover) (they must, within "
            + "0.1%: TreeSHAP weighs each path by them)")
      }
      let f = tree.feature[i]
      guard f >= 0 && f < featureCount else {
        throw fail(tree, "feature[\(i)]", "feature index \(f) is outside 0..<\(featureCount)")
      }
      guard !tree.threshold[i].isNaN else { throw fail(tree, "threshold[\(i)]", "the split threshold is NaN") }
      var flags = commonFlags | (tree.missing[i].rawValue << TreeNode.Flags.missingShift)
      if tree.defaultLeft[i] { flags |= TreeNode.Flags.defaultLeft }
      var start: Int32 = 0
      var words: Int32 = 0
      if let set = tree.categories[i] {
        flags |= TreeNode.Flags.categorical
        start = Int32(built.categoryWords.count)
        words = Int32(set.count)
        built.categoryWords.append(contentsOf: set)
      }
      built.nodes.append(
        TreeNode(
          left: newIndex[tree.left[i]], right: newIndex[tree.right[i]], feature: Int32(f),
          threshold: tree.threshold[i], flags: flags, categoryStart: start, categoryWordCount: words))
      built.values.append(0)
      built.covers.append(cover)
    }
    built.treeStart.append(built.nodes.count)
    built.treeOutputs.append(tree.output)
    built.treeWeights.append(tree.weight)
    built.treeDepths.append(depth)
  }

  /// A category bitset holding `categories`.
  /// - Throws: `ModelError.invalid` for negative codes or codes ≥ 2^24.
  func bitset(_ categories: [Int], tree: TreeSpec, field: String) throws -> [UInt32] {
    var words: [UInt32] = []
    for c in categories {
      guard c >= 0 && c < 16_777_216 else {
        throw fail(tree, field, "category code \(c) is outside 0..<2^24")
      }
      let w = c >> 5
      if w >= words.count { words.append(contentsOf: repeatElement(0, count: w + 1 - words.count)) }
      words[w] |= UInt32(1) << UInt32(c & 31)
    }
    return words
  }
}
