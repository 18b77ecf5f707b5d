import GlassboxModels

/// Per-leaf histograms of the background's decision patterns: the only way the background
/// enters interventional TreeSHAP when it runs by decision patterns.
///
/// ## Decision patterns
/// For a leaf with distinct path features U = {u_0, …, u_{d−1}} (a feature tested at several
/// nodes of the path is one player: its conditions are merged), a row's pattern is the set
/// of positions k whose every condition on the path the row satisfies (bit k set). A
/// condition is the node's own split test (`TreeNode.child`), so missing values follow the
/// node's default direction and categorical splits its category set, exactly as in
/// prediction.
///
/// ## The contribution of a pair of patterns
/// With X the pattern of the explained row x and Z that of a background row z, the hybrid
/// row (x on a coalition S, z elsewhere) reaches the leaf iff every u ∈ U is taken from a row
/// that satisfies its conditions: u ∈ S needs u ∈ X, u ∉ S needs u ∈ Z. If X ∪ Z ≠ U no
/// coalition reaches the leaf and the pair adds nothing. Otherwise, with A = X \ Z (features
/// that must come from x) and B = Z \ X (that must come from z), the leaf is reached iff
/// A ⊆ S and B ∩ S = ∅; features in X ∩ Z and outside U are free. The game
/// `v(S) = value · [A ⊆ S, B ∩ S = ∅]` has Shapley values (Lundberg et al. 2020)
/// ```
/// φ_i = +value · (|A|−1)! |B|! / (|A|+|B|)!    for i ∈ A
/// φ_i = −value · |A|! (|B|−1)! / (|A|+|B|)!    for i ∈ B
/// ```
/// and 0 elsewhere (0 for all when A = B = ∅, since the leaf is then reached by every
/// coalition). The contribution depends on z only through Z, so the background enters through
/// W_leaf[Z] = Σ weights of background rows with pattern Z, divided by the total weight.
///
/// ## This type
/// Holds the layout (which trees get patterns, each leaf's features) and the histograms,
/// filled one background row at a time (`add`), so a background file can be streamed
/// through it block by block; nothing per background row is kept. `InterventionalTables`
/// turns the histograms into per-leaf coefficient tables.
///
/// Exact: sums of weights only, in the order rows are added (the result does not depend on
/// threads or blocks).
///
/// - Complexity: `add` is O(N) per row for N nodes of the patterned trees (every split is
///   evaluated once); memory Σ_leaves 2^d doubles for the histograms plus one `UInt32` per node.
struct DecisionPatternHistograms {
  /// Largest number of distinct features on a path that gets patterns (2^d-entry tables).
  static let maxPathFeatures = 8
  /// Largest total number of coefficients of the tables built from the histograms (8 bytes
  /// each: 256 MiB at most); further trees go to `DeepPatternTables`.
  static let maxCoefficients = 1 << 25

  /// Per tree: true when the tree is handled by decision patterns.
  let treeIsTabled: [Bool]
  /// Entries the walk stack needs (the deepest tree + 2).
  let stackCapacity: Int
  /// Per node (global index): at a split, the bit `1 << k` of its feature's position k on
  /// the path; at a leaf of a patterned tree, its record.
  let info: [UInt32]
  /// Per leaf record: first entry of `leafFeatures`; one extra entry at the end.
  let featureStart: [Int]
  /// The distinct path features of each leaf record, in path order.
  let leafFeatures: [Int32]
  /// Per leaf record: leaf value times tree weight.
  let leafValues: [Double]
  /// Per leaf record: first entry of `masses` (2^d entries per record); one extra at the end.
  let massStart: [Int]
  /// Summed background weight per (leaf record, pattern Z).
  var masses: [Double]
  /// Total weight of the rows added.
  private(set) var totalWeight = 0.0
  /// The total weight when known in advance: each row then adds `weight / knownTotal`, and
  /// the masses are already normalized; nil when the rows are streamed.
  let knownTotal: Double?
  /// Rows added (zero-weight rows included).
  private(set) var rowCount = 0

  /// The layout for `e`: trees whose paths have at most `maxPathFeatures` distinct features,
  /// in file order, while the coefficient budget lasts. `enabled: false` patterns no tree.
  /// `knownTotal`: the background's total weight, when known before the rows are added.
  init(_ e: TreeEnsemble, enabled: Bool = true, knownTotal: Double? = nil) {
    self.knownTotal = knownTotal
    var info = [UInt32](repeating: 0, count: e.nodes.count)
    var tabled = [Bool](repeating: false, count: e.treeCount)
    var featureStart: [Int] = []
    var leafFeatures: [Int32] = []
    var leafValues: [Double] = []
    var massStart: [Int] = []
    var coefficientCount = 0
    var massCount = 0
    for t in 0..<e.treeCount where enabled && e.treeStart[t + 1] - e.treeStart[t] > 1 {
      guard let layout = TreePathFeatures(e, tree: t, maxFeatures: Self.maxPathFeatures) else { continue }
      let size = layout.leaves.reduce(0) { $0 + (1 << $1.features.count) * $1.features.count }
      guard coefficientCount + size <= Self.maxCoefficients else { continue }
      coefficientCount += size
      tabled[t] = true
      for (n, bit) in layout.splits { info[n] = bit }
      for (n, features) in layout.leaves {
        info[n] = UInt32(featureStart.count)
        featureStart.append(leafFeatures.count)
        leafFeatures += features
        leafValues.append(e.values[n] * e.treeWeights[t])
        massStart.append(massCount)
        massCount += 1 << features.count
      }
    }
    featureStart.append(leafFeatures.count)
    massStart.append(massCount)
    treeIsTabled = tabled
    stackCapacity = e.maxDepth + 2
    self.info = info
    self.featureStart = featureStart
    self.leafFeatures = leafFeatures
    self.leafValues = leafValues
    self.massStart = massStart
    masses = [Double](repeating: 0, count: massCount)
  }

  /// The factor that turns `masses` into shares of the total weight.
  var massScale: Double { knownTotal != nil ? 1 : (totalWeight > 0 ? 1 / totalWeight : 0) }

  /// The weighted mean margin of the rows added, per output, when every tree is patterned:
  /// the intercept plus, per leaf, its value times the share of the rows that satisfy every
  /// split on its path (the all-ones pattern). Equal to the mean of the rows' margins up to
  /// the order of the sums (≈1e-16 relative).
  /// - Complexity: O(leaves).
  func meanMargins(_ e: TreeEnsemble) -> [Double] {
    precondition(tabledTreeCount == e.treeCount, "every tree needs histograms")
    var sums = [Double](repeating: 0, count: e.outputCount)
    let scale = massScale
    for t in 0..<e.treeCount {
      for n in e.treeStart[t]..<e.treeStart[t + 1] where e.nodes[n].isLeaf {
        let record = Int(info[n])
        let d = featureStart[record + 1] - featureStart[record]
        sums[e.treeOutputs[t]] += leafValues[record] * (masses[massStart[record] + (1 << d) - 1] * scale)
      }
    }
    return (0..<e.outputCount).map { e.baseMargins[$0] + sums[$0] }
  }

  /// Number of patterned trees.
  var tabledTreeCount: Int { treeIsTabled.reduce(0) { $0 + ($1 ? 1 : 0) } }
  /// Number of leaf records.
  var leafCount: Int { leafValues.count }

  /// Adds `count` prepared rows (row-major, `e.featureCount` columns) with their weights.
  /// The first call counts the rows per block table row (`addByBlocks`) when `blocks` are
  /// given and the rows' positive weights are all equal; the result is the same, bit for bit.
  /// - Complexity: O(count · N) for N nodes of the patterned trees.
  mutating func add(
    _ e: TreeEnsemble, prepared rows: UnsafePointer<Double>, count: Int, weights: UnsafePointer<Double>,
    blocks: InterventionalBlocks? = nil
  ) {
    let m = e.featureCount
    var pending = (0..<e.treeCount).filter { treeIsTabled[$0] }
    let positive = (0..<count).filter { weights[$0] > 0 }
    if rowCount == 0, !pending.isEmpty, let blocks, let first = positive.first,
      positive.allSatisfy({ weights[$0] == weights[first] })
    {
      let w = weights[first]
      addByBlocks(e, prepared: rows, included: positive, share: knownTotal.map { w / $0 } ?? w, blocks: blocks)
      pending = []
    }
    let trees = pending.map { e.treeStart[$0] }
    rowCount += count
    for r in 0..<count { totalWeight += weights[r] }
    guard !trees.isEmpty else { return }
    let massStart = self.massStart
    let featureStart = self.featureStart
    masses.withUnsafeMutableBufferPointer { masses in
      Self.withWalk(e, info, stackCapacity: stackCapacity) { nodes, info, categories, stack in
        // Tree by tree, so that one tree's histograms stay in cache while the rows stream
        // by; each mass still receives its rows in row order.
        for root in trees {
          for r in 0..<count {
            let w = weights[r]
            if w == 0 { continue }
            let share = knownTotal.map { w / $0 } ?? w
            let row = rows + r * m
            Self.walk(nodes, info, root: root, stack: stack, goesLeft: { _, node in
              node.child(row[Int(node.feature)], categories) == node.left
            }) { record, failed in
              let d = featureStart[record + 1] - featureStart[record]
              masses[massStart[record] + (((1 << d) - 1) & ~Int(failed))] += share
            }
          }
        }
      }
    }
  }

  /// Calls `leaf(record, failed)` for every leaf of the tree at `root`, where `failed` is
  /// the mask of path-feature positions with a split the row fails (`goesLeft(n, node)` says
  /// where the row goes at internal node n).
  /// - Complexity: O(nodes of the tree); `stack` holds `depth + 1` entries.
  @inline(__always)
  static func walk(
    _ nodes: UnsafePointer<TreeNode>, _ info: UnsafePointer<UInt32>, root: Int,
    stack: UnsafeMutablePointer<(Int32, UInt32)>, goesLeft: (Int, TreeNode) -> Bool, _ leaf: (Int, UInt32) -> Void
  ) {
    stack[0] = (Int32(truncatingIfNeeded: root), 0)
    var top = 1
    while top > 0 {
      top &-= 1
      var (n32, failed) = stack[top]
      while true {
        let n = Int(n32)
        let node = nodes[n]
        if node.left < 0 {
          leaf(Int(info[n]), failed)
          break
        }
        let bit = info[n]
        let left = goesLeft(n, node)
        stack[top] = (node.right, left ? failed | bit : failed)
        top &+= 1
        if !left { failed |= bit }
        n32 = node.left
      }
    }
  }

  /// Runs `body` with pointers to the ensemble's nodes, `info`, the category bitsets and a
  /// walk stack.
  static func withWalk<R>(
    _ e: TreeEnsemble, _ info: [UInt32], stackCapacity: Int,
    _ body: (
      UnsafePointer<TreeNode>, UnsafePointer<UInt32>, UnsafeBufferPointer<UInt32>,
      UnsafeMutablePointer<(Int32, UInt32)>
    ) -> R
  ) -> R {
    withUnsafeTemporaryAllocation(of: (Int32, UInt32).self, capacity: stackCapacity) { stack in
      e.nodes.withUnsafeBufferPointer { nodes in
        e.categoryWords.withUnsafeBufferPointer { categories in
          info.withUnsafeBufferPointer { info in
            body(nodes.baseAddress!, info.baseAddress!, categories, stack.baseAddress!)
          }
        }
      }
    }
  }
}
