import GlassboxModels

extension InterventionalBlocks {
  /// Adds the attributions of `count` prepared rows `x` (row-major) in every patterned tree
  /// to `phi` (`[row][output][feature]`), tree by tree.
  ///
  /// Per tree, the rows are grouped by their directions at the tree's splits
  /// (`TreeRowGroups`; every row is its own group when the splits cannot be binned): each
  /// group's direction word gives its table row in every block (64 groups at a time), these
  /// are summed, in block order, into one vector per group, and each row adds its group's
  /// vector on the tree's features. A row's
  /// values are thus the same sums in the same order whatever the rows explained with it
  /// (threads, batches), and within ≈1e-16 relative of a sum over the leaves.
  ///
  /// With `margins` (`[row][output]`, holding the base margins), each row's weighted leaf
  /// value in each patterned tree is added to it too, in file order: the same sum, bit for
  /// bit, as a walk of the trees (`InterventionalTreeSHAP.margins`) when every tree is
  /// patterned, without a second walk.
  /// - Complexity: O(count · T · f + Σ_trees G_t · (slots + B · w)) for G_t groups in tree t
  ///   and f features tested by a tree (O(count · F · log K) more for the codes).
  func addAll(
    _ e: TreeEnsemble, x rows: UnsafePointer<Double>, count: Int, phi: UnsafeMutablePointer<Double>,
    margins: UnsafeMutablePointer<Double>? = nil
  ) {
    guard count > 0 else { return }
    let m = e.featureCount
    let outputs = e.outputCount
    let stride = m * outputs
    var grouped = bins.map { TreeRowGroups($0, rows: rows, count: count) }
    var vectors = [Double](repeating: 0, count: count * m)
    var leaves = [Double](repeating: -0.0, count: count)
    var identity: [Int32] = []
    blockFeatures.withUnsafeBufferPointer { features in
      table.withUnsafeBufferPointer { table in
        reachedValues.withUnsafeBufferPointer { reached in
          vectors.withUnsafeMutableBufferPointer { vectors in
            leaves.withUnsafeMutableBufferPointer { leaves in
              let v = vectors.baseAddress!
              let leaves = leaves.baseAddress!
              for treeIndex in trees.indices {
                let tree = trees[treeIndex]
                let columns = treeColumns[treeIndex]
                let byGroups = bins?.treeFeatures[treeIndex] != nil
                let groupCount = byGroups ? grouped!.group(tree: treeIndex, membership: true) : count
                for g in 0..<groupCount {
                  for j in columns { v[g &* m &+ j] = 0 }
                }
                leaves.update(repeating: -0.0, count: groupCount)
                // One table row per block and group (or row), in block order.
                @inline(__always) func add(_ g: Int, _ block: Block, _ entry: Int) {
                  let out = v + g &* m
                  let width = Int(block.width)
                  let base = block.tableStart &+ entry &* width
                  let fs = block.featureStart
                  for k in 0..<width { out[Int(features[fs &+ k])] += table[base &+ k] }
                  leaves[g] += reached[block.entryStart &+ entry]
                }
                if byGroups {
                  // Group by group within a block: each sum still receives the blocks' rows
                  // in block order.
                  grouped!.words.withUnsafeBufferPointer { words in
                    forEachEntry(tree: treeIndex, words: words.baseAddress!, count: groupCount) { first, n, block, entries in
                      Self.addBlockRows(
                        n, entries: entries, width: Int(block.width), features: features.baseAddress! + block.featureStart,
                        rows: table.baseAddress! + block.tableStart, out: v + first &* m, stride: m,
                        reached: reached.baseAddress! + block.entryStart, leaves: leaves + first)
                    }
                  }
                } else {
                  forEachEntry(e, rows: rows, count: count, only: treeIndex) { _, r, block, entry in add(r, block, entry) }
                  if identity.isEmpty { identity = (0..<count).map { Int32($0) } }
                }
                // Each row adds its group's vector on the tree's features (elsewhere the
                // vector is +0, which leaves any sum of them as it is).
                (byGroups ? grouped!.groupOf : identity).withUnsafeBufferPointer { groupOf in
                  for r in 0..<count {
                    let g = Int(groupOf[r])
                    let out = phi + (r &* stride &+ tree.output &* m)
                    let vector = v + g &* m
                    for j in columns { out[j] += vector[j] }
                    if let margins { margins[r &* outputs &+ tree.output] += leaves[g] }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Adds to each of `n` group vectors (`out + i · m`) the table row its entry reaches in a
  /// block (`rows + entries[i] · width`, on the block's `width` features `features`) and to
  /// `leaves[i]` the block's reached value (`reached[entries[i]]`). Specialized per width up
  /// to 8, so that the features stay out of the loop and each add is a load, an add and a
  /// store; each sum receives the same terms in the same order at any width.
  @inline(__always)
  static func addBlockRows(
    _ n: Int, entries: UnsafePointer<UInt64>, width: Int, features: UnsafePointer<Int32>,
    rows: UnsafePointer<Double>, out: UnsafeMutablePointer<Double>, stride m: Int,
    reached: UnsafePointer<Double>, leaves: UnsafeMutablePointer<Double>
  ) {
    @inline(__always) func run(_ w: Int) {
      @inline(__always) func feature(_ k: Int) -> Int { w > k ? Int(features[k]) : 0 }
      let (f0, f1, f2, f3) = (feature(0), feature(1), feature(2), feature(3))
      let (f4, f5, f6, f7) = (feature(4), feature(5), feature(6), feature(7))
      for i in 0..<n {
        let entry = Int(truncatingIfNeeded: entries[i])
        let t = rows + entry &* w
        let o = out + i &* m
        o[f0] += t[0]
        if w > 1 { o[f1] += t[1] }
        if w > 2 { o[f2] += t[2] }
        if w > 3 { o[f3] += t[3] }
        if w > 4 { o[f4] += t[4] }
        if w > 5 { o[f5] += t[5] }
        if w > 6 { o[f6] += t[6] }
        if w > 7 { o[f7] += t[7] }
        leaves[i] += reached[entry]
      }
    }
    switch width {
    case 1: run(1)
    case 2: run(2)
    case 3: run(3)
    case 4: run(4)
    case 5: run(5)
    case 6: run(6)
    case 7: run(7)
    case 8: run(8)
    default:
      for i in 0..<n {
        let entry = Int(truncatingIfNeeded: entries[i])
        let t = rows + entry &* width
        let o = out + i &* m
        for k in 0..<width { o[Int(features[k])] += t[k] }
        leaves[i] += reached[entry]
      }
    }
  }
}
