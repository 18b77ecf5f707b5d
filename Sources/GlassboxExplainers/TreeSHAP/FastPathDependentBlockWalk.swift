extension FastPathDependentKernel.Walker {
  /// Rows walked together by `walkBlock`.
  static var blockRows: Int { 8 }

  /// The walk of `walk(root:x:phi:)` for up to 8 rows at once: the traversal visits every
  /// node whatever the row, so one pass over the tree carries the 8 rows' failed masks side
  /// by side and each leaf adds its terms row by row. Each row receives the same additions
  /// in the same order as in its own walk, so the values are bit for bit those of `walk`.
  ///
  /// - Parameters:
  ///   - x: the first row; rows are `stride` apart and 8 rows must be readable (rows from
  ///     `rows` on are walked but add nothing).
  ///   - phi: the first row's output; outputs are `width` apart.
  ///   - masks: stack storage of `stackCapacity + 1` elements.
  /// - Complexity: O(N + L · D · rows) for the tree at `root`.
  @inline(__always)
  func walkBlock(
    root: Int, x: UnsafePointer<Double>, stride: Int, phi: UnsafeMutablePointer<Double>, width: Int, rows: Int,
    masks: UnsafeMutablePointer<SIMD8<UInt32>>
  ) {
    typealias Node = FastTreeTables.WalkNode
    stackNode[0] = Int32(truncatingIfNeeded: root)
    masks[0] = SIMD8(repeating: 0)
    var top = 1
    while top > 0 {
      top &-= 1
      var n = Int(stackNode[top])
      var failed = masks[top]
      while true {
        let node = walkNodes[n]
        if node.left < 0 {
          leafBlock(Int(node.info), failed: failed, phi: phi, width: width, rows: rows)
          break
        }
        let column = x + Int(node.feature)
        let bit = node.info & Node.bitMask
        var leftFails = SIMD8<UInt32>(repeating: 0)
        if node.info & Node.generic == 0 {
          let threshold = node.threshold
          if node.info & Node.defaultLeft != 0 {
            for r in 0..<8 { leftFails[r] = !(column[r &* stride] >= threshold) ? 0 : bit }
          } else {
            for r in 0..<8 { leftFails[r] = column[r &* stride] < threshold ? 0 : bit }
          }
        } else {
          for r in 0..<8 { leftFails[r] = nodes[n].child(column[r &* stride], words) == node.left ? 0 : bit }
        }
        stackNode[top] = node.right
        masks[top] = failed | (SIMD8(repeating: bit) ^ leftFails)
        top &+= 1
        failed |= leftFails
        n = Int(node.left)
      }
    }
  }

  /// Adds leaf `record`'s terms to each of the first `rows` rows.
  @inline(__always)
  private func leafBlock(_ record: Int, failed: SIMD8<UInt32>, phi: UnsafeMutablePointer<Double>, width: Int, rows: Int) {
    let expanded = termStart[record]
    guard expanded >= 0 else {
      for r in 0..<rows { leaf(record, failed: failed[r], phi: phi + r &* width) }
      return
    }
    let fs = Int(featureStart[record])
    let d = Int(featureStart[record &+ 1]) &- fs
    let full = (UInt32(1) << UInt32(d)) &- 1
    let feature = features + fs
    let base = terms + expanded
    for r in 0..<rows {
      let row = base + Int(full & ~failed[r]) &* d
      let out = phi + r &* width
      for k in 0..<d { out[Int(feature[k])] += row[k] }
    }
  }
}
