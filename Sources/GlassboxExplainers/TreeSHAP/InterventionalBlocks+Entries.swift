import GlassboxModels

/// The table row each row reaches in each block (`InterventionalBlocks`), 64 rows at a time,
/// row-major and scalar (a column-major SIMD version ran 2-3x slower in release: its vector
/// operations were not specialized, see bench/treeshap/README.md).
extension InterventionalBlocks {
  /// Calls `body(tree, row, block, entry)` for every patterned tree, row and block, with the
  /// table row `entry` the row reaches in the block; tree by tree, 64 rows at a time.
  /// `only`: just that patterned tree (index into `trees`).
  @inline(__always)
  func forEachEntry(
    _ e: TreeEnsemble, rows: UnsafePointer<Double>, count: Int, only: Int? = nil,
    _ body: (Tree, Int, Block, Int) -> Void
  ) {
    let m = e.featureCount
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: maxTests) { words in
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: maxSlots * 64) { failed in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 64) { entries in
          e.categoryWords.withUnsafeBufferPointer { categories in
            tests.withUnsafeBufferPointer { tests in
              slots.withUnsafeBufferPointer { slots in
                blocks.withUnsafeBufferPointer { blocks in
                  for tree in only.map({ trees[$0...$0] }) ?? trees[...] {
                    var chunk = 0
                    while chunk < count {
                      let n = min(64, count - chunk)
                      let x = rows + chunk * m
                      for j in tree.tests {
                        words[j - tree.tests.lowerBound] = Self.leftBits(tests[j], x, count: n, columns: m, categories)
                      }
                      // Failed masks slot by slot, for the rows of the chunk side by side.
                      let failed = failed.baseAddress!
                      for r in 0..<n { failed[r] = 0 }
                      for s in (tree.slots.lowerBound + 1)..<tree.slots.upperBound {
                        let slot = slots[s]
                        let word = words[Int(slot.parentTest)]
                        let parent = failed + Int(slot.parent) &* 64
                        let own = failed + (s - tree.slots.lowerBound) &* 64
                        let bit = slot.parentBit
                        let isLeft = slot.isLeft
                        for r in 0..<n {
                          let direction = UInt32(truncatingIfNeeded: word &>> UInt64(r)) & 1
                          own[r] = parent[r] | (bit & (0 &- (direction ^ isLeft)))
                        }
                      }
                      for b in tree.blocks {
                        let block = blocks[b]
                        let first = Int(block.firstTest)
                        let splits = Int(block.testCount)
                        let above = failed + Int(block.slot) &* 64
                        for r in 0..<n { entries[r] = Int(above[r]) &<< splits }
                        for i in 0..<splits {
                          let word = words[first &+ i]
                          for r in 0..<n { entries[r] |= Int(truncatingIfNeeded: (word &>> UInt64(r)) & 1) &<< i }
                        }
                        for r in 0..<n { body(tree, chunk &+ r, block, entries[r]) }
                      }
                      chunk += n
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

  /// Calls `body(first, n, block, entries)` for each chunk of (at most) 64 of the `count`
  /// direction words of patterned tree `index` (bit i: the row goes left at the tree's i-th
  /// split, `TreeRowGroups`), from word `first` on, and each block of the tree in order, with
  /// `entries[i]` the table row word `first + i` reaches in the block. No split is
  /// evaluated: the words hold the directions.
  @inline(__always)
  func forEachEntry(
    tree index: Int, words: UnsafePointer<UInt64>, count: Int, _ body: (Int, Int, Block, UnsafePointer<UInt64>) -> Void
  ) {
    let tree = trees[index]
    // Failed masks as 64-bit words, like the direction words, so that the loops over the
    // chunk run on one type (and vectorize).
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: maxSlots * 64) { failed in
      withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { entries in
        slots.withUnsafeBufferPointer { slots in
          blocks.withUnsafeBufferPointer { blocks in
            let failed = failed.baseAddress!
            let entries = entries.baseAddress!
            var chunk = 0
            while chunk < count {
              let n = min(64, count - chunk)
              let w = words + chunk
              // Failed masks slot by slot, for the words of the chunk side by side.
              for r in 0..<n { failed[r] = 0 }
              for s in (tree.slots.lowerBound + 1)..<tree.slots.upperBound {
                let slot = slots[s]
                let shift = UInt64(slot.parentTest)
                let parent = failed + Int(slot.parent) &* 64
                let own = failed + (s - tree.slots.lowerBound) &* 64
                let bit = UInt64(slot.parentBit)
                let isLeft = UInt64(slot.isLeft)
                for r in 0..<n {
                  let direction = (w[r] &>> shift) & 1
                  own[r] = parent[r] | (bit & (0 &- (direction ^ isLeft)))
                }
              }
              for b in tree.blocks {
                let block = blocks[b]
                let splits = UInt64(block.testCount)
                let first = UInt64(block.firstTest)
                let low = (UInt64(1) &<< splits) &- 1
                let above = failed + Int(block.slot) &* 64
                for r in 0..<n { entries[r] = (above[r] &<< splits) | ((w[r] &>> first) & low) }
                body(chunk, n, block, entries)
              }
              chunk += n
            }
          }
        }
      }
    }
  }

  /// Bit i set when row i of the `count` (≤ 64) rows at `x` goes left at `node`
  /// (branch-free for numeric splits whose missing values take the default child).
  @inline(__always)
  static func leftBits(
    _ node: TreeNode, _ x: UnsafePointer<Double>, count: Int, columns m: Int, _ categories: UnsafeBufferPointer<UInt32>
  ) -> UInt64 {
    var word: UInt64 = 0
    let column = x + Int(node.feature)
    if node.flags & (TreeNode.Flags.categorical | TreeNode.Flags.missingMask) == 0 {
      let threshold = node.threshold
      let missing = UInt64(node.flags & TreeNode.Flags.defaultLeft)
      if node.flags & TreeNode.Flags.strictLess != 0 {
        for i in 0..<count {
          let v = column[i &* m]
          word |= (oneIf(v < threshold) | (oneIf(v != v) & missing)) &<< UInt64(i)
        }
      } else {
        for i in 0..<count {
          let v = column[i &* m]
          word |= (oneIf(v <= threshold) | (oneIf(v != v) & missing)) &<< UInt64(i)
        }
      }
    } else {
      for i in 0..<count where node.child(column[i &* m], categories) == node.left {
        word |= UInt64(1) &<< UInt64(i)
      }
    }
    return word
  }
}

/// 1 for true, 0 for false, without a branch.
@inline(__always)
func oneIf(_ b: Bool) -> UInt64 { UInt64(unsafeBitCast(b, to: UInt8.self)) }
