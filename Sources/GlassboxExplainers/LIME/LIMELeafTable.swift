import GlassboxSystem
import GlassboxModels

/// A tree ensemble's leaves as boxes, with each box's probability under every level of
/// LIME's sampling law, so that the kernel-weighted expectations of the margin can be
/// computed per instance without evaluating the model.
///
/// For each leaf and each distinct feature j its path tests, the table holds the
/// probability that a sampled x_j takes the path's side of every test on j, under each
/// level of j (`LIMEFeatureLaw`): point levels (categories, degenerate bins, "missing")
/// are routed through the node's own test (`TreeNode.child`, exact); a truncated-normal
/// level gets the mass of the interval the path allows. The interval's ends are where the
/// prepared input (rounded to float32 for XGBoost and scikit-learn) changes side, so float
/// rounding is honoured up to ties, which have probability zero.
///
/// Margins are summed in double here; XGBoost sums in float32, so expectations agree with
/// averaged model outputs to about 1e-6 relative.
///
/// - Complexity: building O(leaves · depth · (depth + levels)); per instance
///   O(Σ over leaves of the distinct features on the path).
struct LIMELeafTable: Sendable {
  let outputCount: Int
  let baseMargins: [Double]
  /// Per leaf: its value times its tree's weight, its output, and its entries.
  private var leafValues: [Double] = []
  private var leafOutputs: [Int] = []
  private var leafStart: [Int] = [0]
  /// Per entry (a leaf's distinct path feature): the feature, the start of its level
  /// masses (`levelCount + 1` values, "missing" last) and `Σ frequency · mass`.
  private var entryFeature: [Int] = []
  private var entryMassStart: [Int] = []
  private var entryTotal: [Double] = []
  private var masses: [Double] = []
  /// The most distinct features on one path.
  private(set) var longestPath = 0

  /// - Throws: `ExplainerError.unsupportedOutput` when a categorical split tests a
  ///   feature LIME samples as continuous (its mass has no closed form here).
  init(_ ensemble: TreeEnsemble, laws: [LIMEFeatureLaw]) throws {
    outputCount = ensemble.outputCount
    baseMargins = ensemble.baseMargins
    var path: [(node: Int, left: Bool)] = []
    try ensemble.nodes.withUnsafeBufferPointer { nodes in
      try ensemble.categoryWords.withUnsafeBufferPointer { words in
        for t in 0..<ensemble.treeCount {
          try walk(
            ensemble.treeStart[t], tree: t, path: &path, ensemble: ensemble, nodes: nodes, words: words, laws: laws)
        }
      }
    }
  }

  private mutating func walk(
    _ n: Int, tree t: Int, path: inout [(node: Int, left: Bool)], ensemble: TreeEnsemble,
    nodes: UnsafeBufferPointer<TreeNode>, words: UnsafeBufferPointer<UInt32>, laws: [LIMEFeatureLaw]
  ) throws {
    let node = nodes[n]
    if node.isLeaf {
      try addLeaf(
        value: ensemble.values[n] * ensemble.treeWeights[t], output: ensemble.treeOutputs[t], path: path,
        ensemble: ensemble, nodes: nodes, words: words, laws: laws)
      return
    }
    path.append((n, true))
    try walk(Int(node.left), tree: t, path: &path, ensemble: ensemble, nodes: nodes, words: words, laws: laws)
    path[path.count - 1].left = false
    try walk(Int(node.right), tree: t, path: &path, ensemble: ensemble, nodes: nodes, words: words, laws: laws)
    path.removeLast()
  }

  private mutating func addLeaf(
    value: Double, output: Int, path: [(node: Int, left: Bool)], ensemble: TreeEnsemble,
    nodes: UnsafeBufferPointer<TreeNode>, words: UnsafeBufferPointer<UInt32>, laws: [LIMEFeatureLaw]
  ) throws {
    var features: [Int] = []
    for step in path where !features.contains(Int(nodes[step.node].feature)) {
      features.append(Int(nodes[step.node].feature))
    }
    for j in features {
      let law = laws[j]
      let tests = path.filter { Int(nodes[$0.node].feature) == j }
      var lower = -Double.infinity, upper = Double.infinity
      var categoricalTest = false
      for step in tests {
        let node = nodes[step.node]
        if node.flags & TreeNode.Flags.categorical != 0 {
          categoricalTest = true
          continue
        }
        let cut = Self.cutoff(node, roundsToFloat: ensemble.roundsInputToFloat)
        if step.left { upper = min(upper, cut) } else { lower = max(lower, cut) }
      }
      /// A point value takes the path's side of every test.
      func passes(_ v: Double) -> Bool {
        let x = ensemble.prepared(v)
        return tests.allSatisfy { step in
          let node = nodes[step.node]
          return node.child(x, words) == (step.left ? node.left : node.right)
        }
      }
      entryFeature.append(j)
      entryMassStart.append(masses.count)
      var total = 0.0
      for l in 0..<law.levelCount {
        let m: Double
        if let v = law.points[l] {
          m = passes(v) ? 1 : 0
        } else if categoricalTest {
          throw ExplainerError.unsupportedOutput(
            method: "lime",
            problem: "the exact estimator cannot follow a categorical split on '\(law.feature.name)', which the card leaves numeric; use \(Parameter.estimator) sampled")
        } else {
          m = law.mass(level: l, lower: lower, upper: upper)
        }
        masses.append(m)
        total += law.frequencies[l] * m
      }
      masses.append(passes(.nan) ? 1 : 0)
      entryTotal.append(total)
    }
    longestPath = max(longestPath, features.count)
    leafValues.append(value)
    leafOutputs.append(output)
    leafStart.append(entryFeature.count)
  }

  /// Where a numeric test's answer changes, in terms of the raw (unprepared) input: values
  /// below go left, values above go right.
  static func cutoff(_ node: TreeNode, roundsToFloat: Bool) -> Double {
    let t = node.threshold
    guard roundsToFloat, t.isFinite else { return t }
    // The largest float that goes left: below t (strict test) or at most t.
    var f = Float(t)
    if Double(f) > t { f = f.nextDown }
    if node.flags & TreeNode.Flags.strictLess != 0 && Double(f) == t { f = f.nextDown }
    // Raw values round to f or below up to the midpoint with the next float.
    return (Double(f) + Double(f.nextUp)) / 2
  }

  /// The kernel-weighted expectation of each output's margin and each feature's contrast
  /// `E_Q[f | z_j = 1] − E_Q[f | z_j = 0]`.
  /// - Parameters:
  ///   - tilts: one per feature.
  ///   - laws: one per feature.
  /// - Returns: `expectation[k]`, `contrasts[k][j]`.
  /// - Complexity: O(entries).
  func expectations(tilts: [LIMETilt], laws: [LIMEFeatureLaw]) -> (expectation: [Double], contrasts: [[Double]]) {
    let m = tilts.count
    var expectation = baseMargins
    var contrasts = [Double](repeating: 0, count: outputCount * m)
    var tilted = [Double](repeating: 0, count: max(1, longestPath))
    var differences = [Double](repeating: 0, count: max(1, longestPath))
    let levelCounts = laws.map(\.levelCount)
    masses.withUnsafeBufferPointer { massBuffer in
      let base = massBuffer.baseAddress!
      for leaf in 0..<leafValues.count {
        let start = leafStart[leaf], end = leafStart[leaf + 1]
        var product = 1.0
        for e in start..<end {
          let j = entryFeature[e]
          let q = tilts[j].masses(base + entryMassStart[e], levelCount: levelCounts[j], total: entryTotal[e])
          tilted[e - start] = q.tilted
          differences[e - start] = q.given - q.otherwise
          product *= q.tilted
        }
        // A box of probability 0 adds nothing: its contrasts hold a factor 0 too, since
        // given and otherwise masses are both 0 where the tilted mass is.
        if product == 0 { continue }
        let v = leafValues[leaf]
        let k = leafOutputs[leaf]
        expectation[k] += v * product
        for e in start..<end {
          contrasts[k * m + entryFeature[e]] += v * differences[e - start] * (product / tilted[e - start])
        }
      }
    }
    return (expectation, (0..<outputCount).map { Array(contrasts[($0 * m)..<(($0 + 1) * m)]) })
  }
}
