import GlassboxModels

/// Per-ensemble data the path-dependent algorithm reads, converted once to the working
/// precision `T` (Float to reproduce XGBoost bit for bit, Double otherwise).
struct TreeTables<T: BinaryFloatingPoint & Sendable>: Sendable {
  /// Leaf value per node in `T` (0 at internal nodes).
  let values: [T]
  /// Cover per node in `T`.
  let covers: [T]
  /// Cover-weighted mean of the leaves below each node, computed as XGBoost does:
  /// `(m_L·c_L + m_R·c_R) / c` in `T`.
  let means: [T]
  /// Distinct split features of tree t: `features[featureStart[t] ..< featureStart[t+1]]`.
  let features: [Int32]
  let featureStart: [Int]
  /// Tree weights in `T`.
  let weights: [T]
  /// Path storage needed by the deepest tree: (D+2)(D+3)/2 elements.
  let pathCapacity: Int

  init(_ e: TreeEnsemble) {
    values = e.values.map { T($0) }
    covers = e.covers.map { T($0) }
    weights = e.treeWeights.map { T($0) }
    var means = [T](repeating: 0, count: e.nodes.count)
    var features: [Int32] = []
    var featureStart = [0]
    var seen = [Bool](repeating: false, count: e.featureCount)
    for t in 0..<e.treeCount {
      // Pre-order puts children after parents: a reverse sweep sees children first.
      for n in stride(from: e.treeStart[t + 1] - 1, through: e.treeStart[t], by: -1) {
        let node = e.nodes[n]
        if node.isLeaf {
          means[n] = values[n]
        } else {
          let l = Int(node.left)
          let r = Int(node.right)
          var m = means[l] * covers[l]
          m += means[r] * covers[r]
          means[n] = covers[n] > 0 ? m / covers[n] : (means[l] + means[r]) / 2
          let f = Int(node.feature)
          if !seen[f] {
            seen[f] = true
            features.append(node.feature)
          }
        }
      }
      for i in featureStart[t]..<features.count { seen[Int(features[i])] = false }
      featureStart.append(features.count)
    }
    self.means = means
    self.features = features
    self.featureStart = featureStart
    let d = e.maxDepth + 2
    pathCapacity = d * (d + 1) / 2 + d + 1
  }
}

/// Lundberg et al.'s Algorithm 2 (path-dependent TreeSHAP) for one tree and one row,
/// with XGBoost's operation order so that `T == Float` reproduces `pred_contribs`.
///
/// The optional conditioning (`condition` +1/−1 on `conditionFeature`) computes the
/// on/off terms of SHAP interaction values.
///
/// - Complexity: O(L · D²) per tree (L leaves, D depth); no allocation.
struct PathDependentKernel<T: BinaryFloatingPoint> {
  let nodes: UnsafePointer<TreeNode>
  let words: UnsafeBufferPointer<UInt32>
  let values: UnsafePointer<T>
  let covers: UnsafePointer<T>
  /// The prepared input row.
  var x: UnsafePointer<Double>
  /// Per-tree output: one slot per feature (+ bias, unused here).
  let phi: UnsafeMutablePointer<T>
  let pathFeature: UnsafeMutablePointer<Int>
  let pathZero: UnsafeMutablePointer<T>
  let pathOne: UnsafeMutablePointer<T>
  let pathWeight: UnsafeMutablePointer<T>
  var condition = 0
  var conditionFeature = -1

  /// Adds tree contributions (starting at `root`) into `phi`.
  @inline(__always)
  func run(root: Int) {
    recurse(root, 0, 0, 1, 1, -1, 1)
  }

  private func extend(_ p: Int, _ d: Int, _ zero: T, _ one: T, _ feature: Int) {
    pathFeature[p + d] = feature
    pathZero[p + d] = zero
    pathOne[p + d] = one
    pathWeight[p + d] = d == 0 ? 1 : 0
    let dp1 = T(d + 1)
    var i = d - 1
    while i >= 0 {
      pathWeight[p + i + 1] += one * pathWeight[p + i] * T(i + 1) / dp1
      pathWeight[p + i] = zero * pathWeight[p + i] * T(d - i) / dp1
      i -= 1
    }
  }

  private func unwind(_ p: Int, _ d: Int, _ index: Int) {
    let one = pathOne[p + index]
    let zero = pathZero[p + index]
    var next = pathWeight[p + d]
    let dp1 = T(d + 1)
    var i = d - 1
    while i >= 0 {
      if one != 0 {
        let tmp = pathWeight[p + i]
        pathWeight[p + i] = next * dp1 / (T(i + 1) * one)
        next = tmp - pathWeight[p + i] * zero * T(d - i) / dp1
      } else {
        pathWeight[p + i] = (pathWeight[p + i] * dp1) / (zero * T(d - i))
      }
      i -= 1
    }
    var j = index
    while j < d {
      pathFeature[p + j] = pathFeature[p + j + 1]
      pathZero[p + j] = pathZero[p + j + 1]
      pathOne[p + j] = pathOne[p + j + 1]
      j += 1
    }
  }

  private func unwoundSum(_ p: Int, _ d: Int, _ index: Int) -> T {
    let one = pathOne[p + index]
    let zero = pathZero[p + index]
    var next = pathWeight[p + d]
    var total: T = 0
    let dp1 = T(d + 1)
    var i = d - 1
    while i >= 0 {
      if one != 0 {
        let tmp = next * dp1 / (T(i + 1) * one)
        total += tmp
        next = pathWeight[p + i] - tmp * zero * (T(d - i) / dp1)
      } else if zero != 0 {
        total += (pathWeight[p + i] / zero) / (T(d - i) / dp1)
      }
      i -= 1
    }
    return total
  }

  private func recurse(
    _ node: Int, _ depth: Int, _ parent: Int, _ parentZero: T, _ parentOne: T, _ parentFeature: Int,
    _ conditionFraction: T
  ) {
    if conditionFraction == 0 { return }
    var d = depth
    let p = parent + d + 1
    for i in 0...d {
      pathFeature[p + i] = pathFeature[parent + i]
      pathZero[p + i] = pathZero[parent + i]
      pathOne[p + i] = pathOne[parent + i]
      pathWeight[p + i] = pathWeight[parent + i]
    }
    if condition == 0 || conditionFeature != parentFeature {
      extend(p, d, parentZero, parentOne, parentFeature)
    }
    let n = nodes[node]
    if n.left < 0 {
      if d >= 1 {
        let leafValue = values[node]
        for i in 1...d {
          let w = unwoundSum(p, d, i)
          phi[pathFeature[p + i]] += w * (pathOne[p + i] - pathZero[p + i]) * leafValue * conditionFraction
        }
      }
      return
    }
    let split = Int(n.feature)
    let hot = Int(n.child(x[split], words))
    let cold = hot == Int(n.left) ? Int(n.right) : Int(n.left)
    let w = covers[node]
    let hotZero = covers[hot] / w
    let coldZero = covers[cold] / w
    var incomingZero: T = 1
    var incomingOne: T = 1
    var k = 0
    while k <= d {
      if pathFeature[p + k] == split { break }
      k += 1
    }
    if k != d + 1 {
      incomingZero = pathZero[p + k]
      incomingOne = pathOne[p + k]
      unwind(p, d, k)
      d -= 1
    }
    var hotCondition = conditionFraction
    var coldCondition = conditionFraction
    if condition > 0 && split == conditionFeature {
      coldCondition = 0
      d -= 1
    } else if condition < 0 && split == conditionFeature {
      hotCondition *= hotZero
      coldCondition *= coldZero
      d -= 1
    }
    recurse(hot, d + 1, p, hotZero * incomingZero, incomingOne, split, hotCondition)
    recurse(cold, d + 1, p, coldZero * incomingZero, 0, split, coldCondition)
  }
}
