import GlassboxModels

extension DecisionPatternHistograms {
  /// Largest tree (in nodes) whose background rows are grouped by their directions: the
  /// directions of one row then fit in four 64-bit words.
  static let maxGroupedNodes = 256

  /// Fills the histograms of the trees of at most `maxGroupedNodes` nodes from rows that all
  /// carry the same share `share` (the usual background: equal weights), and returns the
  /// trees it did not handle.
  ///
  /// Two rows with equal directions at every split of a tree have equal patterns at every
  /// leaf, so per tree the rows are grouped by their direction bits (one evaluation of each
  /// split and one hash probe per row), and each group walks the tree once, adding its row
  /// count to the leaf's pattern. A mass received `n` shares, and `repeatedSums[n]` is the
  /// share added to 0 `n` times in a row: exactly the per-row sum, so the histograms are bit
  /// for bit those of `add` (this runs only on empty histograms).
  ///
  /// - Complexity: O(R · N) split evaluations and O(R) hash probes per tree, plus O(G · N)
  ///   for G groups; memory O(G) per tree.
  mutating func addGrouped(
    _ e: TreeEnsemble, prepared rows: UnsafePointer<Double>, included: [Int], share: Double
  ) -> [Int] {
    precondition(rowCount == 0 && totalWeight == 0, "grouping needs empty histograms")
    let m = e.featureCount
    var counts = [Int](repeating: 0, count: masses.count)
    var left: [Int] = []
    var keys: [UInt64] = []
    var groupCounts: [Int] = []
    var slots: [Int32] = []
    let massStart = self.massStart
    let featureStart = self.featureStart
    // The included rows column by column, and four direction words per row.
    let n = included.count
    var columns = [Double](repeating: 0, count: n * m)
    for (i, r) in included.enumerated() {
      for f in 0..<m { columns[f * n + i] = rows[r * m + f] }
    }
    var directionWords = [UInt64](repeating: 0, count: 4 * n)
    Self.withWalk(e, info, stackCapacity: stackCapacity) { nodes, info, categories, stack in
      for t in 0..<e.treeCount where treeIsTabled[t] {
        let start = e.treeStart[t]
        let size = e.treeStart[t + 1] - start
        guard size <= Self.maxGroupedNodes else {
          left.append(t)
          continue
        }
        keys.removeAll(keepingCapacity: true)
        groupCounts.removeAll(keepingCapacity: true)
        var capacity = 64
        while capacity < 2 * included.count { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        // The rows' direction bits, split by split over the columns (branch-free for
        // numeric splits whose missing values take the default child).
        let splits = (0..<size).filter { !nodes[start + $0].isLeaf }
        directionWords.withUnsafeMutableBufferPointer { words in
          words.update(repeating: 0)
          columns.withUnsafeBufferPointer { columns in
            for local in splits {
              let node = nodes[start &+ local]
              let column = columns.baseAddress! + Int(node.feature) * n
              let word = words.baseAddress! + (local &>> 6)
              let bit = UInt64(local & 63)
              let simple = node.flags & (TreeNode.Flags.categorical | TreeNode.Flags.missingMask) == 0
              if simple {
                let threshold = node.threshold
                let missing = UInt64(node.flags & TreeNode.Flags.defaultLeft)
                if node.flags & TreeNode.Flags.strictLess != 0 {
                  for i in 0..<n {
                    let v = column[i]
                    let goesLeft = oneIf(v < threshold) | (oneIf(v != v) & missing)
                    word[i &* 4] |= goesLeft &<< bit
                  }
                } else {
                  for i in 0..<n {
                    let v = column[i]
                    let goesLeft = oneIf(v <= threshold) | (oneIf(v != v) & missing)
                    word[i &* 4] |= goesLeft &<< bit
                  }
                }
              } else {
                for i in 0..<n {
                  let goesLeft: UInt64 = node.child(column[i], categories) == node.left ? 1 : 0
                  word[i &* 4] |= goesLeft &<< bit
                }
              }
            }
          }
        }
        for i in 0..<n {
          let key = (directionWords[4 * i], directionWords[4 * i + 1], directionWords[4 * i + 2], directionWords[4 * i + 3])
          var h = key.0 &* 0x9E37_79B9_7F4A_7C15
          h ^= key.1 &* 0xC2B2_AE3D_27D4_EB4F
          h ^= key.2 &* 0x1656_67B1_9E37_79F9
          h ^= key.3 &* 0x27D4_EB2F_1656_67C5
          var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
          while true {
            let g = Int(slots[slot])
            if g < 0 {
              slots[slot] = Int32(groupCounts.count)
              keys.append(key.0)
              keys.append(key.1)
              keys.append(key.2)
              keys.append(key.3)
              groupCounts.append(1)
              break
            }
            if keys[4 * g] == key.0 && keys[4 * g + 1] == key.1 && keys[4 * g + 2] == key.2 && keys[4 * g + 3] == key.3 {
              groupCounts[g] += 1
              break
            }
            slot = (slot + 1) & mask
          }
        }
        keys.withUnsafeBufferPointer { keys in
          for g in 0..<groupCounts.count {
            let rowsInGroup = groupCounts[g]
            let words = keys.baseAddress! + 4 * g
            Self.walk(
              nodes, info, root: start, stack: stack,
              goesLeft: { node, _ in (words[(node - start) >> 6] >> UInt64((node - start) & 63)) & 1 != 0 }
            ) { record, failed in
              let d = featureStart[record + 1] - featureStart[record]
              counts[massStart[record] + (((1 << d) - 1) & ~Int(failed))] += rowsInGroup
            }
          }
        }
      }
    }
    var repeatedSums = [0.0]
    let most = counts.max() ?? 0
    repeatedSums.reserveCapacity(most + 1)
    for _ in 0..<most { repeatedSums.append(repeatedSums[repeatedSums.count - 1] + share) }
    for cell in 0..<counts.count where counts[cell] > 0 { masses[cell] = repeatedSums[counts[cell]] }
    return left
  }
}

/// 1 for true, 0 for false, without a branch.
@inline(__always)
private func oneIf(_ b: Bool) -> UInt64 { UInt64(unsafeBitCast(b, to: UInt8.self)) }
