import GlassboxModels

/// The per-leaf coefficient tables of `InterventionalTables` regrouped by small subtrees
/// ("blocks"), so that an explained row adds one table row per block instead of one per
/// leaf.
///
/// ## Layout
/// Each patterned tree is cut into an upper part of "top" splits and blocks hanging below
/// it: a block is a subtree with at most `maxBlockTests` splits (a single leaf is a block
/// with none). What a block adds to a row's attributions depends only on
/// - F, the mask of the root's path-feature positions whose splits above the block the row
///   fails (d_g bits for d_g distinct features on the path to the block), and
/// - the row's directions at the block's own I splits (I bits),
/// because these fix the failed mask, hence the pattern, at every leaf of the block. So the
/// block's table holds, for each of the 2^(d_g + I) combinations, the sum of its leaves'
/// coefficient rows, one entry per distinct feature of the block (the d_g path features and
/// the block's new ones). A row then evaluates every split of the tree once (64 rows at a
/// time, branch-free for numeric splits), derives F at each block root from its parent's
/// (`F_child = F_parent ∪ {parent's position if the row goes the other way}`), and adds one
/// table row per block.
///
/// Exact: each entry is the sum of the same leaf coefficients the leaf walk adds; only the
/// order of the floating-point sums changes (≈1e-16 relative). Each row's sums run over the
/// trees in file order and the blocks in pre-order, whatever the rows around it, so the result
/// does not depend on threads or batches.
///
/// - Complexity: per row and patterned tree O(S + B · (I + w)) for S splits, B blocks and
///   w features per block (a depth-6 tree: 63 splits, 16 blocks of 3 splits and ≤ 7 features,
///   against 64 leaves × 6 coefficients for the leaf walk). Build O(Σ_blocks 2^(d_g+I) ·
///   leaves · d). Memory Σ_blocks 2^(d_g+I) · w doubles, at most `maxBlockCoefficients` per
///   block; for a full depth-6 tree 14,336 doubles (112 KiB), less than its leaf tables
///   (24,576 doubles).
struct InterventionalBlocks {
  /// Largest number of splits in one block.
  static let maxBlockTests = 3
  /// Largest number of coefficients in one block's table (a larger subtree is split further).
  static let maxBlockCoefficients = 1 << 12

  /// One patterned tree: its output and its ranges in `tests`, `slots` and `blocks`.
  struct Tree {
    let output: Int
    let tests: Range<Int>
    let slots: Range<Int>
    let blocks: Range<Int>
  }

  /// A top split or a block root: how its failed mask follows from its parent's.
  struct Slot {
    /// Parent slot (tree-local), -1 at the tree's root.
    let parent: Int32
    /// The parent's split (tree-local test index).
    let parentTest: Int32
    /// The parent's path-feature bit.
    let parentBit: UInt32
    /// 1 for a left child, 0 for a right child.
    let isLeft: UInt32
  }

  struct Block {
    /// The block root's slot (tree-local).
    let slot: Int32
    /// First split of the block (tree-local test index); its splits are contiguous.
    let firstTest: Int32
    let testCount: Int32
    /// Features per table row.
    let width: Int32
    let tableStart: Int
    /// First entry of `blockFeatures`.
    let featureStart: Int
    /// The block's root node (global index).
    let root: Int
    /// First table row of the block among all blocks' rows.
    let entryStart: Int
    /// Table rows: 2^(d_g + I).
    let entryCount: Int
  }

  /// Per tree of the ensemble: true when it has tables.
  let treeIsTabled: [Bool]
  let trees: [Tree]
  /// The splits of every patterned tree: top splits and each block's splits.
  let tests: [TreeNode]
  let slots: [Slot]
  let blocks: [Block]
  /// The features of each block's table rows.
  let blockFeatures: [Int32]
  /// Per block, `[F][directions][feature]`.
  private(set) var table: [Double]
  /// See `DecisionPatternHistograms.info`.
  let info: [UInt32]
  /// Table rows of all blocks.
  let entryCount: Int
  /// Per table row of all blocks (`Block.entryStart + entry`): the tree's weighted leaf
  /// value when the row reaches the block (F = 0) and the directions lead to that leaf, else
  /// −0 (which leaves any sum as it is), so that a row's margin is the sum over its blocks.
  let reachedValues: [Double]
  /// Per patterned tree: the features its blocks' tables hold, ascending.
  let treeColumns: [[Int]]
  /// The most splits and slots of one tree (scratch sizes).
  let maxTests: Int
  let maxSlots: Int
  /// The bins that group rows per tree (`TreeRowGroups`), nil when some split cannot be
  /// binned (then every row is evaluated).
  private(set) var bins: TreeRowGroups.Bins? = nil

  /// The bytes the tables take.
  var byteCount: Int { table.count * MemoryLayout<Double>.stride }

  /// The blocks of the patterned trees of `h`, with empty tables (`fill` fills them).
  init(_ e: TreeEnsemble, histograms h: DecisionPatternHistograms) {
    var trees: [Tree] = []
    var tests: [TreeNode] = []
    var slots: [Slot] = []
    var blocks: [Block] = []
    var blockFeatures: [Int32] = []
    var tableCount = 0
    var entryCount = 0
    let info = h.info
    let nodes = e.nodes
    var splitCount = [Int](repeating: 0, count: nodes.count)
    for tree in 0..<e.treeCount where h.treeIsTabled[tree] {
      let root = e.treeStart[tree]
      for n in (root..<e.treeStart[tree + 1]).reversed() where !nodes[n].isLeaf {
        splitCount[n] = 1 + splitCount[Int(nodes[n].left)] + splitCount[Int(nodes[n].right)]
      }
      let testStart = tests.count
      let slotStart = slots.count
      let blockStart = blocks.count

      /// Features of the subtree at `n` not in `path`, in pre-order.
      func newFeatures(_ n: Int, _ path: [Int32], into found: inout [Int32]) {
        let node = nodes[n]
        if node.isLeaf { return }
        if !path.contains(node.feature) && !found.contains(node.feature) { found.append(node.feature) }
        newFeatures(Int(node.left), path, into: &found)
        newFeatures(Int(node.right), path, into: &found)
      }
      /// Appends the splits of the subtree at `n` in pre-order (the order of `splitBits`).
      func appendSplits(_ n: Int) {
        let node = nodes[n]
        if node.isLeaf { return }
        tests.append(node)
        appendSplits(Int(node.left))
        appendSplits(Int(node.right))
      }
      func place(_ n: Int, parent: Int32, parentTest: Int32, parentBit: UInt32, isLeft: UInt32, path: [Int32]) {
        let slot = Int32(slots.count - slotStart)
        slots.append(Slot(parent: parent, parentTest: parentTest, parentBit: parentBit, isLeft: isLeft))
        let node = nodes[n]
        let splits = splitCount[n]
        var added: [Int32] = []
        newFeatures(n, path, into: &added)
        let features = path + added
        let entries = 1 << (path.count + splits)
        if node.isLeaf || (splits <= Self.maxBlockTests && entries * features.count <= Self.maxBlockCoefficients) {
          let firstTest = tests.count - testStart
          appendSplits(n)
          blocks.append(
            Block(
              slot: slot, firstTest: Int32(firstTest), testCount: Int32(splits), width: Int32(features.count),
              tableStart: tableCount, featureStart: blockFeatures.count, root: n, entryStart: entryCount,
              entryCount: entries))
          tableCount += entries * features.count
          entryCount += entries
          blockFeatures += features
          return
        }
        let test = Int32(tests.count - testStart)
        tests.append(node)
        var below = path
        if !below.contains(node.feature) { below.append(node.feature) }
        place(Int(node.left), parent: slot, parentTest: test, parentBit: info[n], isLeft: 1, path: below)
        place(Int(node.right), parent: slot, parentTest: test, parentBit: info[n], isLeft: 0, path: below)
      }
      place(root, parent: -1, parentTest: 0, parentBit: 0, isLeft: 0, path: [])
      trees.append(
        Tree(
          output: e.treeOutputs[tree], tests: testStart..<tests.count, slots: slotStart..<slots.count,
          blocks: blockStart..<blocks.count))
    }
    treeIsTabled = h.treeIsTabled
    self.info = info
    self.trees = trees
    self.tests = tests
    self.slots = slots
    self.blocks = blocks
    self.blockFeatures = blockFeatures
    table = [Double](repeating: 0, count: tableCount)
    self.entryCount = entryCount
    var reached = [Double](repeating: -0.0, count: entryCount)
    for block in blocks {
      let tree = Self.treeOf(e, node: block.root)
      let bitOf = Self.splitBits(e, block)
      for directions in 0..<(1 << Int(block.testCount)) {
        var n = block.root
        while !nodes[n].isLeaf {
          n = (directions >> bitOf[n]!) & 1 != 0 ? Int(nodes[n].left) : Int(nodes[n].right)
        }
        // The product margins use: `treeWeights[t] * values[leaf]`.
        reached[block.entryStart + directions] = e.treeWeights[tree] * e.values[n]
      }
    }
    reachedValues = reached
    treeColumns = trees.map { tree in
      Set(tree.blocks.flatMap { b in blockFeatures[blocks[b].featureStart..<(blocks[b].featureStart + Int(blocks[b].width))] })
        .map { Int($0) }.sorted()
    }
    maxTests = max(1, trees.map { $0.tests.count }.max() ?? 1)
    maxSlots = max(1, trees.map { $0.slots.count }.max() ?? 1)
    bins = TreeRowGroups.Bins(e, blocks: self)
  }

  /// Fills the tables from the leaf tables built from the same histograms.
  /// - Complexity: O(Σ_blocks 2^(d_g+I) · leaves · d), arrays only.
  mutating func fill(_ e: TreeEnsemble, leaves: InterventionalTables) {
    for block in blocks {
      let features = Array(blockFeatures[block.featureStart..<(block.featureStart + Int(block.width))])
      let splits = Int(block.testCount)
      let width = Int(block.width)
      let layout = leafLayout(e, block)
      // Per leaf of the block: the table column of each of its path features.
      let columns: [[Int]] = layout.map { leaf in
        let fs = leaves.featureStart[leaf.record]
        return (fs..<leaves.featureStart[leaf.record + 1]).map { features.firstIndex(of: leaves.leafFeatures[$0])! }
      }
      table.withUnsafeMutableBufferPointer { table in
        leaves.coefficients.withUnsafeBufferPointer { coefficients in
          for entry in 0..<(block.entryCount) {
            let above = UInt32(entry >> splits)
            let directions = entry & ((1 << splits) - 1)
            let row = block.tableStart + entry * width
            for (l, leaf) in layout.enumerated() {
              let d = columns[l].count
              let pattern = ((1 << d) - 1) & ~Int(above | leaf.innerFailed[directions])
              let base = leaves.coefficientStart[leaf.record] + pattern * d
              for k in 0..<d { table[row + columns[l][k]] += coefficients[base + k] }
            }
          }
        }
      }
    }
  }

  /// The leaves of `block` in the leaf walk's order (pre-order, left first): each leaf's
  /// record and, per directions index of the block's splits, the mask of path-feature
  /// positions the leaf's splits inside the block fail (the row's failed mask at the leaf is
  /// that mask with the mask F above the block).
  /// - Complexity: O(2^I · leaves · I).
  func leafLayout(_ e: TreeEnsemble, _ block: Block) -> [(record: Int, innerFailed: [UInt32])] {
    let nodes = e.nodes
    let bitOf = Self.splitBits(e, block)
    let combinations = 1 << Int(block.testCount)
    var layout: [(record: Int, innerFailed: [UInt32])] = []
    func visit(_ n: Int, _ path: [(bit: Int, left: Bool, feature: UInt32)]) {
      let node = nodes[n]
      if node.isLeaf {
        let inner = (0..<combinations).map { directions in
          path.reduce(UInt32(0)) { mask, step in
            ((directions >> step.bit) & 1 != 0) == step.left ? mask : mask | step.feature
          }
        }
        layout.append((Int(info[n]), inner))
        return
      }
      visit(Int(node.left), path + [(bitOf[n]!, true, info[n])])
      visit(Int(node.right), path + [(bitOf[n]!, false, info[n])])
    }
    visit(block.root, [])
    return layout
  }

  /// The tree that holds the global node index `node`.
  static func treeOf(_ e: TreeEnsemble, node: Int) -> Int {
    var lo = 0
    var hi = e.treeCount - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if e.treeStart[mid] <= node { lo = mid } else { hi = mid - 1 }
    }
    return lo
  }

  /// The block's splits (global node index) → bit of the directions index.
  static func splitBits(_ e: TreeEnsemble, _ block: Block) -> [Int: Int] {
    var bitOf: [Int: Int] = [:]
    func visit(_ n: Int) {
      let node = e.nodes[n]
      if node.isLeaf { return }
      bitOf[n] = bitOf.count
      visit(Int(node.left))
      visit(Int(node.right))
    }
    visit(block.root)
    return bitOf
  }

  /// How many of the `count` prepared rows reach each table row (blocks in order,
  /// `entryCount` rows each, `Block.entryStart`). When the splits can be binned
  /// (`TreeRowGroups`), each tree groups the rows by their directions at its splits and
  /// counts each group's size once per block, without evaluating a split; the counts are the
  /// same integers either way.
  /// - Complexity: O(count · Σ patterned trees f_t + Σ_trees G_t · (slots + B)) for f_t
  ///   features and G_t groups of tree t when binned (plus O(count · F · log K) for the
  ///   codes), else O(count · Σ patterned trees (S + B · I)).
  func countEntries(_ e: TreeEnsemble, rows: UnsafePointer<Double>, count: Int) -> [Int] {
    if let bins {
      var grouped = TreeRowGroups(bins, rows: rows, count: count)
      var counts = [Int](repeating: 0, count: entryCount)
      counts.withUnsafeMutableBufferPointer { counts in
        for tree in trees.indices {
          guard bins.treeFeatures[tree] != nil else {
            forEachEntry(e, rows: rows, count: count, only: tree) { _, _, block, entry in
              counts[block.entryStart &+ entry] &+= 1
            }
            continue
          }
          let groups = grouped.group(tree: tree)
          grouped.words.withUnsafeBufferPointer { words in
            grouped.sizes.withUnsafeBufferPointer { sizes in
              forEachEntry(tree: tree, words: words.baseAddress!, count: groups) { first, n, block, entries in
                let counts = counts.baseAddress! + block.entryStart
                let sizes = sizes.baseAddress! + first
                for i in 0..<n { counts[Int(truncatingIfNeeded: entries[i])] &+= Int(sizes[i]) }
              }
            }
          }
        }
      }
      return counts
    }
    // Four counters per table row, by row number: consecutive rows that reach the same table
    // row do not wait for each other's increment.
    var counts = [Int](repeating: 0, count: 4 * entryCount)
    counts.withUnsafeMutableBufferPointer { counts in
      forEachEntry(e, rows: rows, count: count) { _, r, block, entry in
        counts[(block.entryStart &+ entry) &* 4 &+ (r & 3)] &+= 1
      }
    }
    return (0..<entryCount).map { counts[4 * $0] + counts[4 * $0 + 1] + counts[4 * $0 + 2] + counts[4 * $0 + 3] }
  }
}
