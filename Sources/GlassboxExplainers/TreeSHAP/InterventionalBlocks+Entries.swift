import GlassboxModels

/// The table row each row reaches in each block (`InterventionalBlocks`), 64 rows at a time.
///
/// The rows are copied once into column-major chunks of 64 (chunk c, feature j, row i at
/// `c · 64 · F + j · 64 + i`), so that a split reads 64 contiguous values and tests them
/// eight at a time, branch-free (numeric splits whose missing values take the default child;
/// other splits go through `TreeNode.child`). The failed masks of the slots and the table
/// rows of the blocks are then formed eight rows at a time from the direction words.
/// The directions are those of `TreeNode.child`, so the table rows are exactly those of a
/// walk of the tree.
extension InterventionalBlocks {
  /// Calls `body(tree, row, block, entry)` for every patterned tree, row and block, with the
  /// table row `entry` the row reaches in the block; tree by tree, 64 rows at a time.
  /// - Complexity: O(count · Σ patterned trees (S + B · (I + 1))) plus one copy of the rows.
  @inline(__always)
  func forEachEntry(
    _ e: TreeEnsemble, rows: UnsafePointer<Double>, count: Int, _ body: (Tree, Int, Block, Int) -> Void
  ) {
    guard count > 0 else { return }
    let m = e.featureCount
    let chunks = (count + 63) / 64
    let chunkSize = 64 * m
    let columns = UnsafeMutablePointer<Double>.allocate(capacity: chunks * chunkSize)
    defer { columns.deallocate() }
    columns.initialize(repeating: 0, count: chunks * chunkSize)
    for r in 0..<count {
      let target = columns + ((r >> 6) &* chunkSize &+ (r & 63))
      let source = rows + r &* m
      for j in 0..<m { target[j &* 64] = source[j] }
    }
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: maxTests) { words in
      withUnsafeTemporaryAllocation(of: SIMD8<UInt32>.self, capacity: maxSlots * 8) { failed in
        withUnsafeTemporaryAllocation(of: SIMD8<UInt32>.self, capacity: 8) { entryGroups in
          e.categoryWords.withUnsafeBufferPointer { categories in
            tests.withUnsafeBufferPointer { tests in
              slots.withUnsafeBufferPointer { slots in
                blocks.withUnsafeBufferPointer { blocks in
                  let words = words.baseAddress!
                  let failed = failed.baseAddress!
                  let entryGroups = entryGroups.baseAddress!
                  let entries = UnsafeRawPointer(entryGroups)
                  for tree in trees {
                    for chunk in 0..<chunks {
                      let n = min(64, count - chunk * 64)
                      let groups = (n + 7) >> 3
                      let x = columns + chunk &* chunkSize
                      for j in tree.tests {
                        words[j - tree.tests.lowerBound] = Self.leftBits(tests[j], x, categories)
                      }
                      // Failed masks slot by slot, eight rows per vector.
                      for g in 0..<groups { failed[g] = .zero }
                      for s in (tree.slots.lowerBound + 1)..<tree.slots.upperBound {
                        let slot = slots[s]
                        let word = words[Int(slot.parentTest)]
                        // A left child is failed by the rows that go right, and vice versa.
                        let fails = slot.isLeft != 0 ? ~word : word
                        let parent = failed + Int(slot.parent) &* 8
                        let own = failed + (s - tree.slots.lowerBound) &* 8
                        let bit = SIMD8<UInt32>(repeating: slot.parentBit)
                        for g in 0..<groups {
                          own[g] = parent[g] | (bit & Self.laneMask(fails, group: g))
                        }
                      }
                      for b in tree.blocks {
                        let block = blocks[b]
                        let first = Int(block.firstTest)
                        let splits = Int(block.testCount)
                        let above = failed + Int(block.slot) &* 8
                        for g in 0..<groups {
                          var entry = above[g] &<< UInt32(splits)
                          for i in 0..<splits {
                            entry |= SIMD8<UInt32>(repeating: 1 << UInt32(i)) & Self.laneMask(words[first &+ i], group: g)
                          }
                          entryGroups[g] = entry
                        }
                        for r in 0..<n {
                          body(tree, chunk &* 64 &+ r, block, Int(entries.load(fromByteOffset: r &* 4, as: UInt32.self)))
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
  }

  /// All ones in lane i when bit `8 · group + i` of `word` is set, else zero.
  @inline(__always)
  private static func laneMask(_ word: UInt64, group: Int) -> SIMD8<UInt32> {
    // Lane i tests bit i of the byte (constants written here, not read from a lazily
    // initialized global inside the loops).
    let laneBits = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
    let byte = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: word &>> UInt64(group &* 8)) & 0xFF)
    return SIMD8<UInt32>.zero.replacing(with: SIMD8<UInt32>(repeating: .max), where: (byte & laneBits) .!= 0)
  }

  /// Bit i set when row i of the 64 rows of the column-major chunk `x` (feature j at
  /// `x + j · 64`) goes left at `node`; eight rows per comparison for numeric splits whose
  /// missing values take the default child.
  @inline(__always)
  static func leftBits(_ node: TreeNode, _ x: UnsafePointer<Double>, _ categories: UnsafeBufferPointer<UInt32>) -> UInt64 {
    let column = x + Int(node.feature) &* 64
    var word: UInt64 = 0
    if node.flags & (TreeNode.Flags.categorical | TreeNode.Flags.missingMask) == 0 {
      let threshold = SIMD8<Double>(repeating: node.threshold)
      let missing = node.flags & TreeNode.Flags.defaultLeft != 0
      let strict = node.flags & TreeNode.Flags.strictLess != 0
      let raw = UnsafeRawPointer(column)
      // The bits of a byte (−128 is 0x80): the byte-wise sum of the selected lanes is the
      // byte of eight directions.
      let byteWeights = SIMD8<Int8>(1, 2, 4, 8, 16, 32, 64, -128)
      for g in 0..<8 {
        let v = raw.loadUnaligned(fromByteOffset: g &* 64, as: SIMD8<Double>.self)
        var left = strict ? v .< threshold : v .<= threshold
        if missing { left .|= v .!= v }
        let bytes = SIMD8<Int8>(truncatingIfNeeded: left._storage) & byteWeights
        word |= UInt64(UInt8(bitPattern: bytes.wrappedSum())) &<< UInt64(g &* 8)
      }
    } else {
      for i in 0..<64 where node.child(column[i], categories) == node.left {
        word |= UInt64(1) &<< UInt64(i)
      }
    }
    return word
  }
}
