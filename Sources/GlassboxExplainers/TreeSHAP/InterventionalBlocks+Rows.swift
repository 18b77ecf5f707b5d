import GlassboxModels

extension InterventionalBlocks {
  /// Adds the attributions of `count` prepared rows `x` (row-major) in every patterned tree
  /// to `phi` (`[row][output][feature]`), tree by tree.
  ///
  /// Per tree, the rows are grouped by the bins of the tree's thresholds (`TreeRowGroups`;
  /// every row is its own group when the splits cannot be binned): one representative per
  /// group is run through the blocks (64 at a time), its table rows are summed, in block
  /// order, into one dense vector per group, and each row adds its group's vector. A row's
  /// values are thus the same sums in the same order whatever the rows explained with it
  /// (threads, batches), and within ≈1e-16 relative of a sum over the leaves.
  ///
  /// With `margins` (`[row][output]`, holding the base margins), each row's weighted leaf
  /// value in each patterned tree is added to it too, in file order: the same sum, bit for
  /// bit, as a walk of the trees (`InterventionalTreeSHAP.margins`) when every tree is
  /// patterned, without a second walk.
  /// - Complexity: O(count · T · (f + F) + Σ_trees G_t · (S + B · (I + w))) for G_t groups
  ///   in tree t, f features tested by a tree and F features in all.
  func addAll(
    _ e: TreeEnsemble, x rows: UnsafePointer<Double>, count: Int, phi: UnsafeMutablePointer<Double>,
    margins: UnsafeMutablePointer<Double>? = nil
  ) {
    guard count > 0 else { return }
    let m = e.featureCount
    let outputs = e.outputCount
    let stride = m * outputs
    var grouped = bins.map { TreeRowGroups($0, rows: rows, count: count) }
    var gathered = [Double](repeating: 0, count: grouped == nil ? 0 : count * m)
    var vectors = [Double](repeating: 0, count: count * m)
    var leaves = [Double](repeating: -0.0, count: count)
    blockFeatures.withUnsafeBufferPointer { features in
      table.withUnsafeBufferPointer { table in
        reachedValues.withUnsafeBufferPointer { reached in
          gathered.withUnsafeMutableBufferPointer { gathered in
            vectors.withUnsafeMutableBufferPointer { vectors in
              leaves.withUnsafeMutableBufferPointer { leaves in
                for treeIndex in trees.indices {
                  let tree = trees[treeIndex]
                  var groupRows = rows
                  var groupCount = count
                  var groupOf: [Int32] = []
                  if grouped != nil {
                    let groups = grouped!.groups(tree: treeIndex, membership: true)
                    for (i, r) in groups.representatives.enumerated() {
                      (gathered.baseAddress! + i * m).update(from: rows + r * m, count: m)
                    }
                    groupRows = UnsafePointer(gathered.baseAddress!)
                    groupCount = groups.representatives.count
                    groupOf = groups.groupOf
                  }
                  let v = vectors.baseAddress!
                  v.update(repeating: 0, count: groupCount * m)
                  leaves.baseAddress!.update(repeating: -0.0, count: groupCount)
                  forEachEntry(e, rows: groupRows, count: groupCount, only: treeIndex) { _, g, block, entry in
                    let out = v + g &* m
                    let width = Int(block.width)
                    let base = block.tableStart &+ entry &* width
                    let fs = block.featureStart
                    for k in 0..<width { out[Int(features[fs &+ k])] += table[base &+ k] }
                    leaves[g] += reached[block.entryStart &+ entry]
                  }
                  groupOf.withUnsafeBufferPointer { groupOf in
                    for r in 0..<count {
                      let g = groupOf.isEmpty ? r : Int(groupOf[r])
                      let out = phi + (r &* stride &+ tree.output &* m)
                      let vector = v + g &* m
                      for j in 0..<m { out[j] += vector[j] }
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
  }
}
