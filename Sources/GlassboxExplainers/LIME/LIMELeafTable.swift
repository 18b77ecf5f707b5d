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
  /// Per entry (a leaf's distinct path feature j): j, and where its two terms lie within
  /// j's block for the instance's slot. The terms are the mixture mass under Q and the
  /// difference of the masses given a match and given a mismatch.
  private var entryFeature: [Int32] = []
  private var entryTermStart: [Int32] = []
  /// The terms, feature by feature, then slot by slot (`LIMETilt.slot`), then entry by
  /// entry in leaf order: one row touches one contiguous block per feature.
  private var terms: [Double] = []
  /// Per feature: where its blocks start in `terms`, and the length of one slot's block.
  private var featureTermStart: [Int] = []
  private var featureTermStride: [Int] = []
  /// The most distinct features on one path.
  private(set) var longestPath = 0
  /// Gaussian features (`LIMETrainingStatistics.Feature.isGaussian`) have no static terms:
  /// per feature, the sorted cut points of its entries' intervals (raw input values, with
  /// −∞ and +∞ at the ends), and per entry (feature by feature, in `entryTermStart` order)
  /// the indices of its interval's lower and upper cut; `gaussianStart[j]` is where
  /// feature j's entries begin, in entries (nil for other features).
  private var gaussianCuts: [[Double]] = []
  private var gaussianLower: [Int32] = [], gaussianUpper: [Int32] = []
  private var gaussianStart: [Int?] = []
  private var gaussianEnd: [Int] = []
  /// The raw interval of each entry of a Gaussian feature, in entry order (while building).
  private var entryInterval: [(lower: Double, upper: Double)] = []

  /// - Throws: `ExplainerError.unsupportedOutput` when a categorical split tests a
  ///   feature LIME samples as continuous (its mass has no closed form here).
  /// - Parameter tilts: per feature, the tilt of each instance slot (`LIMETilt.slot`).
  init(_ ensemble: TreeEnsemble, laws: [LIMEFeatureLaw], tilts: [[LIMETilt]]) throws {
    outputCount = ensemble.outputCount
    baseMargins = ensemble.baseMargins
    var path: [(node: Int, left: Bool)] = []
    try ensemble.nodes.withUnsafeBufferPointer { nodes in
      try ensemble.categoryWords.withUnsafeBufferPointer { words in
        for t in 0..<ensemble.treeCount {
          try walk(
            ensemble.treeStart[t], tree: t, path: &path, ensemble: ensemble, nodes: nodes, words: words, laws: laws,
            tilts: tilts)
        }
      }
    }
    let gaussian = laws.map(\.feature.isGaussian)
    arrangeTermsByFeature(slotCounts: tilts.indices.map { gaussian[$0] ? 0 : tilts[$0].count })
    arrangeGaussianCuts(gaussian)
  }

  /// Builds `gaussianCuts`, `gaussianLower`, `gaussianUpper` and `gaussianStart` from the
  /// entries' intervals.
  private mutating func arrangeGaussianCuts(_ gaussian: [Bool]) {
    let m = gaussian.count
    var counts = [Int](repeating: 0, count: m)
    var values = [[Double]](repeating: [], count: m)
    for (e, feature) in entryFeature.enumerated() where gaussian[Int(feature)] {
      counts[Int(feature)] += 1
      values[Int(feature)] += [entryInterval[e].lower, entryInterval[e].upper]
    }
    var start = 0
    gaussianStart = (0..<m).map { j in
      guard gaussian[j] else { return nil }
      defer { start += counts[j] }
      return start
    }
    gaussianEnd = (0..<m).map { (gaussianStart[$0] ?? 0) + counts[$0] }
    gaussianCuts = values.map { Array(Set($0 + [-.infinity, .infinity])).sorted() }
    gaussianLower = [Int32](repeating: 0, count: start)
    gaussianUpper = [Int32](repeating: 0, count: start)
    for (e, feature) in entryFeature.enumerated() {
      let j = Int(feature)
      guard let first = gaussianStart[j] else { continue }
      // Gaussian entries' term offsets are 2 · rank (`arrangeTermsByFeature`).
      let at = first + Int(entryTermStart[e]) / 2
      let cuts = gaussianCuts[j]
      gaussianLower[at] = Int32(cuts.firstIndex(of: entryInterval[e].lower) ?? 0)
      gaussianUpper[at] = Int32(cuts.firstIndex(of: entryInterval[e].upper) ?? cuts.count - 1)
    }
    entryInterval = []
  }

  /// Moves the terms from entry order (each entry's slots together) to feature, slot,
  /// entry order.
  private mutating func arrangeTermsByFeature(slotCounts: [Int]) {
    var rank = [Int](repeating: 0, count: entryFeature.count)
    var counts = [Int](repeating: 0, count: slotCounts.count)
    for (e, feature) in entryFeature.enumerated() {
      let j = Int(feature)
      rank[e] = counts[j]
      counts[j] += 1
    }
    var start = 0
    for j in slotCounts.indices {
      featureTermStart.append(start)
      featureTermStride.append(2 * counts[j])
      start += 2 * counts[j] * slotCounts[j]
    }
    var arranged = [Double](repeating: 0, count: start)
    for (e, feature) in entryFeature.enumerated() {
      let j = Int(feature)
      let from = Int(entryTermStart[e])
      for slot in 0..<slotCounts[j] {
        let to = featureTermStart[j] + slot * featureTermStride[j] + 2 * rank[e]
        arranged[to] = terms[from + 2 * slot]
        arranged[to + 1] = terms[from + 2 * slot + 1]
      }
      entryTermStart[e] = Int32(2 * rank[e])
    }
    terms = arranged
  }

  private mutating func walk(
    _ n: Int, tree t: Int, path: inout [(node: Int, left: Bool)], ensemble: TreeEnsemble,
    nodes: UnsafeBufferPointer<TreeNode>, words: UnsafeBufferPointer<UInt32>, laws: [LIMEFeatureLaw],
    tilts: [[LIMETilt]]
  ) throws {
    let node = nodes[n]
    if node.isLeaf {
      try addLeaf(
        value: ensemble.values[n] * ensemble.treeWeights[t], output: ensemble.treeOutputs[t], path: path,
        ensemble: ensemble, nodes: nodes, words: words, laws: laws, tilts: tilts)
      return
    }
    path.append((n, true))
    try walk(
      Int(node.left), tree: t, path: &path, ensemble: ensemble, nodes: nodes, words: words, laws: laws, tilts: tilts)
    path[path.count - 1].left = false
    try walk(
      Int(node.right), tree: t, path: &path, ensemble: ensemble, nodes: nodes, words: words, laws: laws, tilts: tilts)
    path.removeLast()
  }

  private mutating func addLeaf(
    value: Double, output: Int, path: [(node: Int, left: Bool)], ensemble: TreeEnsemble,
    nodes: UnsafeBufferPointer<TreeNode>, words: UnsafeBufferPointer<UInt32>, laws: [LIMEFeatureLaw],
    tilts: [[LIMETilt]]
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
      entryInterval.append((lower, upper))
      if law.feature.isGaussian {
        if categoricalTest {
          throw Self.categoricalSplitError(law.feature.name)
        }
        // The terms depend on the instance; `gaussianTerms` computes them per row.
        entryFeature.append(Int32(j))
        entryTermStart.append(Int32(terms.count))
        continue
      }
      var masses: [Double] = []
      var total = 0.0
      for l in 0..<law.levelCount {
        let m: Double
        if let v = law.points[l] {
          m = passes(v) ? 1 : 0
        } else if categoricalTest {
          throw Self.categoricalSplitError(law.feature.name)
        } else {
          m = law.mass(level: l, lower: lower, upper: upper)
        }
        masses.append(m)
        total += law.frequencies[l] * m
      }
      masses.append(passes(.nan) ? 1 : 0)
      entryFeature.append(Int32(j))
      entryTermStart.append(Int32(terms.count))
      for tilt in tilts[j] {
        let q = tilt.masses(masses, total: total)
        terms.append(q.mixture)
        terms.append(q.given - q.otherwise)
      }
    }
    longestPath = max(longestPath, features.count)
    leafValues.append(value)
    leafOutputs.append(output)
    leafStart.append(entryFeature.count)
  }

  private static func categoricalSplitError(_ name: String) -> ExplainerError {
    .unsupportedOutput(
      method: "lime",
      problem: "the exact estimator cannot follow a categorical split on '\(name)', which the card leaves numeric; use \(Parameter.estimator) sampled")
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
  ///
  /// A leaf adds its value times the product of its entries' mixture masses to the
  /// expectation, and for each of its features j its value times j's mass difference times
  /// the product of the other entries' mixtures to Δ_j.
  /// For a Gaussian feature, "mixture" is the interval's mass under Q's normal and the
  /// "difference" `E_Q[(z − E_Q z)·1{interval}] / Var_Q(z)`, so that its contrast is the
  /// least-squares slope `Cov_Q(z, f)/Var_Q(z)` (`gaussianTerms`).
  /// - Parameters:
  ///   - slots: the instance's slot of each feature (`LIMETilt.slot`; ignored for Gaussian features).
  ///   - gaussians: per feature, Q's normal law of z for a Gaussian feature, nil otherwise.
  /// - Returns: `expectation[k]`, `contrasts[k][j]`.
  /// - Complexity: O(entries), plus O(cuts) normal distribution evaluations for Gaussian features.
  func expectations(slots: [Int], gaussians: [LIMEGaussianTilt?]) -> (expectation: [Double], contrasts: [[Double]]) {
    let m = slots.count
    var expectation = baseMargins
    var contrasts = [Double](repeating: 0, count: outputCount * m)
    // Scratch for one leaf's entries: mixture masses, mass differences, and the products
    // of the mixtures before each entry (so that "all but one" needs no division).
    let width = max(1, longestPath) + 1
    let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: 3 * width)
    defer { scratch.deallocate() }
    let difference = scratch.baseAddress! + width
    let before = difference + width
    let dynamic = gaussianTerms(gaussians)
    expectation.withUnsafeMutableBufferPointer { expectation in
      contrasts.withUnsafeMutableBufferPointer { contrasts in
        terms.withUnsafeBufferPointer { staticTerms in
          dynamic.withUnsafeBufferPointer { dynamic in
            // Where each feature's block for the instance starts: its slot's static block, or
            // its terms for this row (Gaussian features).
            // An empty table has no base address; no entry reads through it then.
            let none = UnsafePointer(scratch.baseAddress!)
            let blocks = slots.indices.map { j -> UnsafePointer<Double> in
              if let first = gaussianStart[j] { return (dynamic.baseAddress ?? none) + 2 * first }
              return (staticTerms.baseAddress ?? none) + featureTermStart[j] + slots[j] * featureTermStride[j]
            }
            blocks.withUnsafeBufferPointer { blocks in
            entryFeature.withUnsafeBufferPointer { feature in
              entryTermStart.withUnsafeBufferPointer { start in
                leafStart.withUnsafeBufferPointer { leafStart in
                  leafValues.withUnsafeBufferPointer { leafValues in
                    leafOutputs.withUnsafeBufferPointer { leafOutputs in
                      for leaf in 0..<leafValues.count {
                        let first = leafStart[leaf], end = leafStart[leaf + 1]
                        let count = end - first
                        // Forward: each entry's mixture and difference, and the product of the
                        // mixtures before it (`before`); backward: the product after it, in a
                        // register. Entry i's contrast term is value · before · difference · after.
                        var product = 1.0
                        for i in 0..<count {
                          let at = blocks[Int(feature[first + i])] + Int(start[first + i])
                          before[i] = product
                          difference[i] = at[1]
                          scratch[i] = at[0]
                          product *= at[0]
                        }
                        // A box of probability 0 adds nothing: where the mixture is 0, both masses are.
                        if product == 0 { continue }
                        let v = leafValues[leaf]
                        let row = leafOutputs[leaf] * m
                        expectation[leafOutputs[leaf]] += v * product
                        var after = v
                        var i = count
                        while i > 0 {
                          i &-= 1
                          contrasts[row + Int(feature[first + i])] += after * difference[i] * before[i]
                          after *= scratch[i]
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
    return (expectation, (0..<outputCount).map { Array(contrasts[($0 * m)..<(($0 + 1) * m)]) })
  }

  /// The terms of the Gaussian features' entries for one row, laid out as
  /// `gaussianStart`: the normal law N(μ_Q, σ_Q²) of z is evaluated once per cut point
  /// t = ((c − mean)/scale − μ_Q)/σ_Q, then an entry over cuts (a, b) has mass
  /// `Φ(t_b) − Φ(t_a)` and difference `(φ(t_a) − φ(t_b))/σ_Q`
  /// (`E[(Z − μ)·1{a < Z < b}] = σ·(φ(α) − φ(β))` for Z ~ N(μ, σ²)).
  /// - Complexity: O(cuts + Gaussian entries).
  private func gaussianTerms(_ gaussians: [LIMEGaussianTilt?]) -> [Double] {
    var out = [Double](repeating: 0, count: 2 * gaussianLower.count)
    for (j, tilt) in gaussians.enumerated() {
      guard let tilt, let first = gaussianStart[j] else { continue }
      let cuts = gaussianCuts[j]
      var cdf = [Double](repeating: 0, count: cuts.count)
      var pdf = [Double](repeating: 0, count: cuts.count)
      for (c, x) in cuts.enumerated() {
        if x == .infinity { cdf[c] = 1; continue }
        if x == -.infinity { continue }
        let t = ((x - tilt.scalerMean) / tilt.scalerScale - tilt.mean) / tilt.deviation
        cdf[c] = standardNormalMass(-.infinity, t)
        pdf[c] = standardNormalDensity(t)
      }
      for e in first..<gaussianEnd[j] {
        let a = Int(gaussianLower[e]), b = Int(gaussianUpper[e])
        out[2 * e] = max(0, cdf[b] - cdf[a])
        out[2 * e + 1] = (pdf[a] - pdf[b]) / tilt.deviation
      }
    }
    return out
  }
}

/// The kernel-weighted law of a Gaussian feature's standardized value z around one
/// instance (lime's `discretize_continuous=False`): z is standard normal under the sampler,
/// the kernel factor is `exp(−(z − z₀)²/(2w²))`, so under Q z is normal with mean
/// `z₀/(1 + w²)` and variance `w²/(1 + w²)`, and the sampler's mean kernel factor is
/// `√(w²/(1 + w²))·exp(−z₀²/(2(1 + w²)))`.
struct LIMEGaussianTilt: Sendable {
  /// The instance's standardized value z₀.
  var instance: Double
  /// μ_Q and σ_Q.
  var mean: Double, deviation: Double
  /// `E_P[exp(−(z − z₀)²/(2w²))]`.
  var kernelMean: Double
  /// The feature's scaler: raw value = scalerMean + scalerScale · z.
  var scalerMean: Double, scalerScale: Double

  /// - Parameters: x: the instance's raw value; w: the kernel width.
  init(_ feature: LIMETrainingStatistics.Feature, value x: Double, width w: Double) {
    scalerMean = feature.scalerMean
    scalerScale = feature.scalerScale
    instance = (x - scalerMean) / scalerScale
    let spread = 1 + w * w
    mean = instance / spread
    deviation = (w * w / spread).squareRoot()
    kernelMean = deviation * expValue(-instance * instance / (2 * spread))
  }
}
