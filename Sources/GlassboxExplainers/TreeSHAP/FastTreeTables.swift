import GlassboxModels

/// Per-leaf Shapley-weight tables for the fast path-dependent algorithm (Fast TreeSHAP
/// v2, Yang 2021), precomputed once per ensemble in double precision.
///
/// For a leaf with value v, let U be the distinct features on its path (d = |U|), `z_j`
/// the product of the cover ratios `cover(child) / cover(node)` of the path's nodes that
/// split on j, and A ⊆ U the features whose every split on the path the row satisfies.
/// The leaf's part of the path-dependent value function is `v · Π_{j∈U} (j∈S ? 1[j∈A] : z_j)`,
/// whose Shapley values depend on the row only through A:
/// ```
/// φ_i = −W(A) · G(A)                   for i ∈ U \ A
/// φ_i = (1 − z_i) · W(A) · G(A \ {i})  for i ∈ A
/// W(A) = v · Π_{j∈U\A} z_j,   G(B) = Σ_{S⊆B} |S|!(d−|S|−1)!/d! · Π_{j∈B\S} z_j
/// ```
/// Each leaf stores the pairs `(W(A), G(A))` for all 2^d subsets. G is a sum of positive
/// terms (computed through the polynomial `Π_{j∈B} (z_j + t)`), so the tables are
/// accurate to a few ulps; attributions then agree with the classic algorithm in double
/// to ≈1e-15 relative to the row's largest |φ|.
///
/// Memory is exponential in the number of distinct features on a path, so a tree uses
/// the tables only when it fits `Limits` (at most 12 distinct features per path, 1 MiB
/// per tree, 64 MiB in all); other trees keep the classic O(L·D²) kernel in double.
///
/// - Complexity: O(Σ_leaves 2^d · d) time and O(Σ_leaves 2^d) memory to build.
struct FastTreeTables: Sendable {
  /// Bounds on the tables' size.
  struct Limits: Sendable {
    /// Largest number of distinct features on a path that gets tables (default 12: 2^12
    /// pairs per leaf; at most 16).
    var maxPathFeatures = 12
    /// Largest table of one tree, in (W, G) pairs of 16 bytes (default 2^16: 1 MiB).
    var treeEntries = 1 << 16
    /// Largest total over the ensemble, in pairs (default 2^22: 64 MiB).
    var totalEntries = 1 << 22
    /// Largest total of expanded per-leaf terms (`LeafTerms`), in doubles (default 2^22:
    /// 32 MiB); leaves beyond it compute their terms from the pairs.
    var expandedTerms = 1 << 22
  }

  /// A node as the fast walk reads it (24 bytes; global node indices).
  ///
  /// At a split, `info` holds the bit `1 << k` of the feature's position k among the
  /// distinct features of the path to the node, plus `defaultLeft` and `generic`; at a
  /// leaf (`left < 0`), the leaf's record. Numeric splits with NaN-to-default are tested
  /// as `x < threshold` (the `x <= t` of LightGBM and scikit-learn becomes
  /// `x < t.nextUp`); `generic` nodes (categorical, LightGBM missing rules, infinite
  /// thresholds) use `TreeNode.child`.
  struct WalkNode: Sendable {
    var threshold: Double
    var left: Int32
    var right: Int32
    var feature: Int32
    var info: UInt32
    /// NaN goes left.
    static let defaultLeft: UInt32 = 1 << 30
    /// Decided by `TreeNode.child`.
    static let generic: UInt32 = 1 << 31
    static let bitMask: UInt32 = (1 << 16) - 1
  }

  /// Per tree: true when the tree uses the tables, false for the classic kernel.
  let treeIsFast: [Bool]
  /// Per node (global index), the walk's view of it (meaningful in fast trees only).
  let nodes: [WalkNode]
  /// Per leaf record: first (W, G) pair in `table` (times 2); one extra entry at the end.
  let leafTableStart: [Int]
  /// Per leaf record: first entry in `leafFeatures` / `leafOneMinusZero`; d is the
  /// difference to the next record's start.
  let leafFeatureStart: [Int32]
  /// The path's distinct features by position.
  let leafFeatures: [Int32]
  /// `1 − z_j` by position.
  let leafOneMinusZero: [Double]
  /// All leaves' `(W(A), G(A))` pairs, interleaved: `table[start + 2A]`, `table[start + 2A + 1]`.
  let table: [Double]
  /// Stack depth needed by the traversal (the deepest fast tree + 1).
  let stackCapacity: Int
  /// Per leaf record: the leaf's precomputed terms (`LeafTerms`), or −1 when beyond
  /// `Limits.expandedTerms`.
  let leafTermStart: [Int]
  /// All expanded leaves' terms: `terms[start + A·d + k]` is the term the walk adds to the
  /// k-th path feature when the satisfied set is A.
  let terms: [Double]

  /// Builds the tables of every tree that fits `limits`, in tree order.
  init(_ e: TreeEnsemble, limits: Limits = Limits()) {
    precondition(limits.maxPathFeatures <= 16)
    var builder = Builder(ensemble: e, limits: limits)
    var fast = [Bool](repeating: false, count: e.treeCount)
    var total = 0
    var stack = 1
    for t in 0..<e.treeCount where e.treeStart[t + 1] - e.treeStart[t] > 1 {
      let entries = builder.entryCount(tree: t)
      guard let entries, total + entries <= limits.totalEntries else { continue }
      total += entries
      fast[t] = true
      stack = max(stack, e.treeDepths[t] + 1)
      builder.build(tree: t)
    }
    builder.leafTableStart.append(builder.table.count)
    builder.leafFeatureStart.append(Int32(builder.leafFeatures.count))
    treeIsFast = fast
    nodes = builder.nodes
    leafTableStart = builder.leafTableStart
    leafFeatureStart = builder.leafFeatureStart
    leafFeatures = builder.leafFeatures
    leafOneMinusZero = builder.leafOneMinusZero
    table = builder.table
    stackCapacity = stack
    (leafTermStart, terms) = LeafTerms.expand(
      tableStart: leafTableStart, featureStart: leafFeatureStart, oneMinusZero: leafOneMinusZero, table: table,
      limit: limits.expandedTerms)
  }

  /// Accumulates the tables while walking trees.
  private struct Builder {
    let ensemble: TreeEnsemble
    let limits: Limits
    var nodes: [WalkNode]
    var leafTableStart: [Int] = []
    var leafFeatureStart: [Int32] = []
    var leafFeatures: [Int32] = []
    var leafOneMinusZero: [Double] = []
    var table: [Double] = []
    /// Scratch: polynomial coefficients per subset and products per subset.
    var polynomials: [Double] = []
    var products: [Double] = []

    init(ensemble: TreeEnsemble, limits: Limits) {
      self.ensemble = ensemble
      self.limits = limits
      nodes = ensemble.nodes.map { WalkNode(threshold: 0, left: $0.left, right: $0.right, feature: $0.feature, info: 0) }
    }

    /// Σ_leaves 2^d for tree t, or nil when a path has more than `maxPathFeatures`
    /// distinct features or the sum exceeds `treeEntries`.
    func entryCount(tree t: Int) -> Int? {
      var total = 0
      var path: [Int32] = []
      func visit(_ n: Int) -> Bool {
        let node = ensemble.nodes[n]
        if node.isLeaf {
          total += 1 << path.count
          return total <= limits.treeEntries
        }
        let added = !path.contains(node.feature)
        if added {
          if path.count == limits.maxPathFeatures { return false }
          path.append(node.feature)
        }
        defer { if added { path.removeLast() } }
        return visit(Int(node.left)) && visit(Int(node.right))
      }
      return visit(ensemble.treeStart[t]) ? total : nil
    }

    /// Walks tree t, recording split bits and one table per leaf.
    mutating func build(tree t: Int) {
      var path: [Int32] = []
      var zeros: [Double] = []
      let scale = ensemble.treeWeights[t]
      func visit(_ n: Int) {
        let node = ensemble.nodes[n]
        if node.isLeaf {
          nodes[n].info = UInt32(leafTableStart.count)
          addLeaf(features: path, zeros: zeros, value: ensemble.values[n] * scale)
          return
        }
        let k = path.firstIndex(of: node.feature) ?? path.count
        let added = k == path.count
        if added {
          path.append(node.feature)
          zeros.append(1)
        }
        nodes[n].info = UInt32(1) << UInt32(k)
        let flags = node.flags
        let plain =
          flags & (TreeNode.Flags.categorical | TreeNode.Flags.missingMask) == 0 && node.threshold.isFinite
        if flags & TreeNode.Flags.defaultLeft != 0 { nodes[n].info |= WalkNode.defaultLeft }
        if plain {
          nodes[n].threshold = flags & TreeNode.Flags.strictLess != 0 ? node.threshold : node.threshold.nextUp
        } else {
          nodes[n].info |= WalkNode.generic
        }
        let previous = zeros[k]
        for child in [Int(node.left), Int(node.right)] {
          zeros[k] = ensemble.covers[child] / ensemble.covers[n] * previous
          visit(child)
        }
        zeros[k] = previous
        if added {
          path.removeLast()
          zeros.removeLast()
        }
      }
      visit(ensemble.treeStart[t])
    }

    /// Appends the record and (W, G) table of a leaf with distinct path features
    /// `features`, cover products `zeros` and weighted value `value`.
    mutating func addLeaf(features: [Int32], zeros: [Double], value: Double) {
      let d = features.count
      let n = 1 << d
      leafTableStart.append(table.count)
      leafFeatureStart.append(Int32(leafFeatures.count))
      leafFeatures += features
      leafOneMinusZero += zeros.map { 1 - $0 }
      // weight[s] = s!(d−s−1)!/d! = 1 / (d · C(d−1, s)), for s < d.
      var weight = [Double](repeating: 0, count: max(d, 1))
      var binomial = 1.0
      for s in 0..<d {
        weight[s] = 1 / (Double(d) * binomial)
        binomial = binomial * Double(d - 1 - s) / Double(s + 1)
      }
      let width = d + 1
      if polynomials.count < n * width { polynomials = [Double](repeating: 0, count: n * width) }
      if products.count < n { products = [Double](repeating: 0, count: n) }
      let start = table.count
      table += repeatElement(0, count: 2 * n)
      polynomials[0] = 1
      for i in 1..<width { polynomials[i] = 0 }
      products[0] = 1
      // Subset B extends B' = B minus its lowest element j: c_B(t) = c_B'(t) · (z_j + t).
      for b in 1..<n {
        let j = b.trailingZeroBitCount
        let parent = b & (b - 1)
        let z = zeros[j]
        products[b] = products[parent] * z
        polynomials[b * width] = z * polynomials[parent * width]
        for i in 1..<width {
          polynomials[b * width + i] = z * polynomials[parent * width + i] + polynomials[parent * width + i - 1]
        }
      }
      let full = n - 1
      for a in 0..<n {
        let size = a.nonzeroBitCount
        var g = 0.0
        if size < d {
          for s in 0...size { g += weight[s] * polynomials[a * width + s] }
        }
        table[start + 2 * a] = value * products[full ^ a]
        table[start + 2 * a + 1] = g
      }
    }
  }
}
