import GlassboxModels

/// The direction a row takes at every internal node of an ensemble, as one bit per node
/// (set: left), plus the leaf it reaches in each tree.
///
/// Interventional TreeSHAP walks each tree along the paths of x and of every background
/// row z together; with these bits the walk never evaluates a split: the background's
/// bits are computed once at init, x's once per explained row, and the pair walk only
/// reads them. Two rows that reach the same leaf of a tree have equal directions along
/// that path, so the tree adds nothing to their pair and is skipped.
///
/// Exact: the bits are `TreeNode.child` of the prepared row, so results are unchanged.
///
/// - Complexity: O(nodes + Σ tree depths) per row; memory ⌈nodes / 64⌉ words plus one
///   `Int32` per tree, per row.
struct NodeDirections {
  /// 64-bit words per row.
  let wordCount: Int
  let treeCount: Int
  /// `wordCount` words per row.
  private(set) var bits: [UInt64]
  /// `treeCount` leaves (global node indices) per row.
  private(set) var leaves: [Int32]

  /// Directions of `count` prepared rows (`count × featureCount`, row-major).
  init(_ e: TreeEnsemble, prepared rows: UnsafeBufferPointer<Double>, count: Int) {
    wordCount = max(1, (e.nodes.count + 63) / 64)
    treeCount = e.treeCount
    bits = [UInt64](repeating: 0, count: count * wordCount)
    leaves = [Int32](repeating: 0, count: count * treeCount)
    let m = e.featureCount
    let w = wordCount
    let t = treeCount
    bits.withUnsafeMutableBufferPointer { bits in
      leaves.withUnsafeMutableBufferPointer { leaves in
        for r in 0..<count {
          Self.fill(
            e, row: rows.baseAddress! + r * m, bits: bits.baseAddress! + r * w, leaves: leaves.baseAddress! + r * t)
        }
      }
    }
  }

  /// Writes the direction bits (`⌈nodes / 64⌉` words, zeroed here) and the leaf per tree
  /// of one prepared row.
  static func fill(
    _ e: TreeEnsemble, row: UnsafePointer<Double>, bits: UnsafeMutablePointer<UInt64>,
    leaves: UnsafeMutablePointer<Int32>
  ) {
    let words = max(1, (e.nodes.count + 63) / 64)
    bits.update(repeating: 0, count: words)
    e.nodes.withUnsafeBufferPointer { nodes in
      e.categoryWords.withUnsafeBufferPointer { categories in
        for n in 0..<nodes.count {
          let node = nodes[n]
          if node.left < 0 { continue }
          if node.child(row[Int(node.feature)], categories) == node.left {
            bits[n &>> 6] |= UInt64(1) &<< UInt64(n & 63)
          }
        }
        for t in 0..<e.treeCount {
          var n = e.treeStart[t]
          while nodes[n].left >= 0 {
            n = bits[n &>> 6] &>> UInt64(n & 63) & 1 != 0 ? Int(nodes[n].left) : Int(nodes[n].right)
          }
          leaves[t] = Int32(truncatingIfNeeded: n)
        }
      }
    }
  }
}

/// Background rows grouped, per tree, by their directions at the tree's internal nodes.
///
/// Interventional TreeSHAP's pair walk through a tree reads z only through these
/// directions, so background rows with the same directions give the same attributions
/// in that tree: the explainer walks each class once, with the class's summed weight.
/// Linear in the weights, so exact up to the order of the floating-point sums (≈1e-16
/// relative).
///
/// - Complexity: O(R · nodes) to build for R background rows (hashing each row's
///   signature per tree); memory O(R · trees).
struct BackgroundClasses {
  /// Per tree, the first entry of `representatives`; one extra entry at the end.
  let classStart: [Int]
  /// A background row of each class.
  let representatives: [Int32]
  /// Per (tree, background row) `t * R + b`: the row's class within the tree.
  let classOf: [Int32]

  init(_ e: TreeEnsemble, directions: NodeDirections, count: Int) {
    var starts: [Int] = [0]
    var reps: [Int32] = []
    var classOf = [Int32](repeating: 0, count: e.treeCount * count)
    let w = directions.wordCount
    for t in 0..<e.treeCount {
      let s = e.treeStart[t]
      let end = e.treeStart[t + 1]
      var seen: [[UInt64]: Int32] = [:]
      var signature = [UInt64](repeating: 0, count: max(1, (end - s + 63) / 64))
      for b in 0..<count {
        for i in signature.indices { signature[i] = 0 }
        let bits = b * w
        for n in s..<end where (directions.bits[bits + n >> 6] >> UInt64(n & 63)) & 1 != 0 {
          signature[(n - s) >> 6] |= UInt64(1) << UInt64((n - s) & 63)
        }
        if let c = seen[signature] {
          classOf[t * count + b] = c
        } else {
          let c = Int32(seen.count)
          seen[signature] = c
          classOf[t * count + b] = c
          reps.append(Int32(b))
        }
      }
      starts.append(reps.count)
    }
    classStart = starts
    representatives = reps
    self.classOf = classOf
  }
}
