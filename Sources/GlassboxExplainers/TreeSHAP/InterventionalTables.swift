import GlassboxModels

/// Per-leaf tables that give raw-space interventional TreeSHAP values of a tree in one
/// walk per explained row, independent of the background size.
///
/// For a leaf with value v and distinct path features U (d = |U|), let X ⊆ U be the
/// features whose every split on the path x satisfies, and Z the same for a background
/// row z. The pair (x, z) reaches the leaf iff X ∪ Z = U, with A = X \ Z following x and
/// B = Z \ X following z, and then adds `v·(|A|−1)!|B|!/(|A|+|B|)!` to each i ∈ A and
/// subtracts `v·|A|!(|B|−1)!/(|A|+|B|)!` from each i ∈ B. The contribution depends on z
/// only through Z, so at init the background weights are summed per Z and, for every
/// possible X (2^d), the d coefficients `Σ_Z W_Z · (…)` are stored, already times
/// `v · treeWeight`. Explaining a row then walks the tree once, carrying the mask of
/// path features x fails, and adds the d coefficients of X at each leaf.
///
/// Only raw (margin) attributions: probability-space scaling depends on the pair. Trees
/// with a path of more than `maxPathFeatures` distinct features, or beyond the size
/// budget, keep the pair walk. Agrees with the pair walk to ≈1e-15 relative (the sums
/// are reordered).
///
/// - Complexity: build O(R · N + Σ_leaves 4^d · d) for R background rows and N nodes;
///   per row and tree O(N + L · d); memory O(Σ_leaves 2^d · d).
struct InterventionalTables {
  /// Largest number of distinct features on a path that gets tables.
  static let maxPathFeatures = 8
  /// Largest total number of coefficients (8 bytes each: 256 MiB at most).
  static let maxCoefficients = 1 << 25

  /// Per tree: true when the tree has tables.
  let treeIsTabled: [Bool]
  /// Entries the walk stack needs (the deepest tree + 2).
  let stackCapacity: Int
  /// Per node (global index): at a split, the bit `1 << k` of its feature's position k on
  /// the path; at a leaf, its record.
  let info: [UInt32]
  /// Per leaf record: first coefficient; one extra entry at the end.
  let coefficientStart: [Int]
  /// Per leaf record: first entry of `leafFeatures`; one extra entry at the end.
  let featureStart: [Int]
  let leafFeatures: [Int32]
  /// Per leaf record, `[X][k]` for X < 2^d, k < d.
  let coefficients: [Double]

  /// - Parameters: `weightTable[a · stride + b] = a! b! / (a+b+1)!`.
  init(
    _ e: TreeEnsemble, directions: NodeDirections, weights: [Double], weightTable: [Double], stride: Int
  ) {
    var info = [UInt32](repeating: 0, count: e.nodes.count)
    var tabled = [Bool](repeating: false, count: e.treeCount)
    var coefficientStart: [Int] = []
    var featureStart: [Int] = []
    var leafFeatures: [Int32] = []
    var coefficients: [Double] = []
    var leafValues: [Double] = []
    var leafTree: [Int] = []
    let total = weights.reduce(0, +)
    for t in 0..<e.treeCount where e.treeStart[t + 1] - e.treeStart[t] > 1 {
      // Distinct path features per leaf; give up on the tree when one is too long.
      var leaves: [(node: Int, features: [Int32])] = []
      var bits: [(node: Int, bit: UInt32)] = []
      var ok = true
      var size = 0
      func visit(_ n: Int, _ path: [Int32]) {
        guard ok else { return }
        let node = e.nodes[n]
        if node.isLeaf {
          size += (1 << path.count) * path.count
          leaves.append((n, path))
          return
        }
        var p = path
        let k = p.firstIndex(of: node.feature) ?? p.count
        if k == p.count { p.append(node.feature) }
        if p.count > Self.maxPathFeatures {
          ok = false
          return
        }
        bits.append((n, UInt32(1) << UInt32(k)))
        visit(Int(node.left), p)
        visit(Int(node.right), p)
      }
      visit(e.treeStart[t], [])
      guard ok, coefficients.count + size <= Self.maxCoefficients else { continue }
      tabled[t] = true
      for (n, bit) in bits { info[n] = bit }
      for (n, features) in leaves {
        info[n] = UInt32(coefficientStart.count)
        coefficientStart.append(coefficients.count)
        featureStart.append(leafFeatures.count)
        leafFeatures += features
        coefficients += repeatElement(0, count: (1 << features.count) * features.count)
        leafValues.append(e.values[n] * e.treeWeights[t])
        leafTree.append(t)
      }
    }
    coefficientStart.append(coefficients.count)
    featureStart.append(leafFeatures.count)
    // Background weight per (leaf, Z).
    var masses: [[Double]] = (0..<leafValues.count).map {
      [Double](repeating: 0, count: 1 << (featureStart[$0 + 1] - featureStart[$0]))
    }
    directions.bits.withUnsafeBufferPointer { all in
      for b in 0..<weights.count where weights[b] > 0 {
        let z = all.baseAddress! + b * directions.wordCount
        let w = weights[b] / total
        Self.withWalk(e, info, stackCapacity: e.maxDepth + 2) { nodes, info, stack in
          for t in 0..<e.treeCount where tabled[t] {
            Self.walk(nodes, info, root: e.treeStart[t], z, stack: stack) { record, failed in
              let d = featureStart[record + 1] - featureStart[record]
              masses[record][((1 << d) - 1) & ~Int(failed)] += w
            }
          }
        }
      }
    }
    for record in 0..<leafValues.count {
      let d = featureStart[record + 1] - featureStart[record]
      let full = (1 << d) - 1
      let v = leafValues[record]
      let start = coefficientStart[record]
      for zMask in 0...full where masses[record][zMask] != 0 {
        let mass = masses[record][zMask] * v
        for x in 0...full where x | zMask == full {
          let a = x & ~zMask
          let bSet = zMask & ~x
          let na = a.nonzeroBitCount
          let nb = bSet.nonzeroBitCount
          if na + nb == 0 { continue }
          let up = na > 0 ? mass * weightTable[(na - 1) * stride + nb] : 0
          let down = nb > 0 ? mass * weightTable[na * stride + nb - 1] : 0
          for k in 0..<d {
            if a & (1 << k) != 0 { coefficients[start + x * d + k] += up }
            if bSet & (1 << k) != 0 { coefficients[start + x * d + k] -= down }
          }
        }
      }
    }
    treeIsTabled = tabled
    stackCapacity = e.maxDepth + 2
    self.info = info
    self.coefficientStart = coefficientStart
    self.featureStart = featureStart
    self.leafFeatures = leafFeatures
    self.coefficients = coefficients
  }

  /// Calls `leaf(record, failed)` for every leaf of the tree at `root`, where `failed` is
  /// the mask of path-feature positions whose splits the row (direction bits `row`) fails.
  /// - Complexity: O(nodes of the tree); `stack` holds `depth + 1` entries.
  @inline(__always)
  static func walk(
    _ nodes: UnsafePointer<TreeNode>, _ info: UnsafePointer<UInt32>, root: Int, _ row: UnsafePointer<UInt64>,
    stack: UnsafeMutablePointer<(Int32, UInt32)>, _ leaf: (Int, UInt32) -> Void
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
        let left = (row[n &>> 6] &>> UInt64(n & 63)) & 1 != 0
        stack[top] = (node.right, left ? failed | bit : failed)
        top &+= 1
        if !left { failed |= bit }
        n32 = node.left
      }
    }
  }

  /// Runs `body` with pointers to the ensemble's nodes, `info` and a walk stack.
  func withWalk<R>(
    _ e: TreeEnsemble,
    _ body: (UnsafePointer<TreeNode>, UnsafePointer<UInt32>, UnsafeMutablePointer<(Int32, UInt32)>) -> R
  ) -> R {
    Self.withWalk(e, info, stackCapacity: stackCapacity, body)
  }

  static func withWalk<R>(
    _ e: TreeEnsemble, _ info: [UInt32], stackCapacity: Int,
    _ body: (UnsafePointer<TreeNode>, UnsafePointer<UInt32>, UnsafeMutablePointer<(Int32, UInt32)>) -> R
  ) -> R {
    withUnsafeTemporaryAllocation(of: (Int32, UInt32).self, capacity: stackCapacity) { stack in
      e.nodes.withUnsafeBufferPointer { nodes in
        info.withUnsafeBufferPointer { info in body(nodes.baseAddress!, info.baseAddress!, stack.baseAddress!) }
      }
    }
  }

  /// Adds x's attributions in tabled tree `t` to `phi` (the tree's output, by feature).
  /// - Complexity: O(N + L · d).
  func add(
    _ nodes: UnsafePointer<TreeNode>, _ info: UnsafePointer<UInt32>, stack: UnsafeMutablePointer<(Int32, UInt32)>,
    root: Int, x: UnsafePointer<UInt64>, phi: UnsafeMutablePointer<Double>
  ) {
    coefficients.withUnsafeBufferPointer { c in
      leafFeatures.withUnsafeBufferPointer { features in
        coefficientStart.withUnsafeBufferPointer { coefficientStart in
          featureStart.withUnsafeBufferPointer { featureStart in
            Self.walk(nodes, info, root: root, x, stack: stack) { record, failed in
              let fs = featureStart[record]
              let d = featureStart[record &+ 1] &- fs
              let base = coefficientStart[record] &+ (((1 &<< d) &- 1) & ~Int(failed)) &* d
              for k in 0..<d { phi[Int(features[fs &+ k])] += c[base &+ k] }
            }
          }
        }
      }
    }
  }
}
