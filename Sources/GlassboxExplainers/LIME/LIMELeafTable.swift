import GlassboxSystem
import GlassboxModels

/// A tree ensemble's leaves as boxes, with each box's probability under every level of
/// LIME's sampling law, so that the kernel-weighted expectations of the margin can be
/// computed per instance without evaluating the model.
///
/// For each leaf and each distinct feature j its path tests, the path allows a set of
/// x_j values (an *interval*; categorical tests make it a set of levels). The table keeps
/// every distinct such set once per feature (a *term*; leaves and trees that test the same
/// thresholds share it) with its probability under each level of j (`LIMEFeatureLaw`):
/// point levels (categories, degenerate bins, "missing") are routed through the node's own
/// test (`TreeNode.child`, exact); a truncated-normal level gets the mass of the interval
/// the path allows. The interval's ends are where the prepared input (rounded to float32
/// for XGBoost and scikit-learn) changes side, so float rounding is honoured up to ties,
/// which have probability zero. Each leaf lists its terms (*entries*).
///
/// Margins are summed in double here; XGBoost sums in float32, so expectations agree with
/// averaged model outputs to about 1e-6 relative.
///
/// - Complexity: building O(entries + edges · (depth + levels)); per instance
///   O(entries + terms) (`expectations`).
struct LIMELeafTable: Sendable {
  let outputCount: Int
  let baseMargins: [Double]
  /// Per leaf: its value times its tree's weight, its output, and where its entries start.
  private var leafValues: [Double] = []
  private var leafOutputs: [Int32] = []
  private var leafStart: [Int32] = [0]
  /// Per entry: its term.
  private var entryTerm: [Int32] = []
  /// Per feature: the first term of the feature (terms are numbered feature by feature;
  /// one more element at the end).
  private var featureFirstTerm: [Int] = []
  /// Non-Gaussian features, when the table stores every slot's terms: per feature, slot
  /// (`LIMETilt.slot`) and term, the term's mixture mass under Q, its reciprocal, and the
  /// difference of its masses given a match and given a mismatch; feature j's block for
  /// slot s starts at `slotStart[j] + s · (terms of j)`. Otherwise a row computes its own
  /// slot's from `termMasses`, `termTotals` and `tilts`.
  private var slotMixtures: [Double] = []
  private var slotReciprocals: [Double] = []
  private var slotDifferences: [Double] = []
  private var slotStart: [Int] = []
  /// Per term (non-Gaussian features), its masses under each level (then "missing"; flat,
  /// from `termMassStart[t]`) and `Σ frequency · mass` over the non-missing levels
  /// (`LIMETilt.masses`), and per feature the tilt of each slot; kept when the slots' terms
  /// are not stored.
  private var termMasses: [Double] = []
  private var termMassStart: [Int] = []
  private var termTotals: [Double] = []
  private var tilts: [[LIMETilt]] = []
  /// Gaussian features (`LIMETrainingStatistics.Feature.isGaussian`) have no static terms:
  /// per feature, the sorted cut points of its terms' intervals (raw input values, with
  /// −∞ and +∞ at the ends), and per term the indices of its lower and upper cut (indexed
  /// by term; 0 for other features).
  private var gaussianCuts: [[Double]] = []
  private var termLower: [Int32] = [], termUpper: [Int32] = []
  /// - Throws: `ExplainerError.unsupportedOutput` when a categorical split tests a
  ///   feature LIME samples as continuous (its mass has no closed form here).
  /// - Parameters:
  ///   - tilts: per feature, the tilt of each instance slot (`LIMETilt.slot`).
  ///   - storesSlots: whether every slot's terms are computed here (O(Σ_j slots_j · terms_j)
  ///     once, then copied per row: for many rows) or each row's own slot is computed per
  ///     row (O(terms) more per row: for a few rows). The results are the same bit for bit.
  init(_ ensemble: TreeEnsemble, laws: [LIMEFeatureLaw], tilts: [[LIMETilt]], storesSlots: Bool = true) throws {
    outputCount = ensemble.outputCount
    baseMargins = ensemble.baseMargins
    let built = try LIMELeafTableBuilder(ensemble, laws: laws)
    leafValues = built.leafValues
    leafOutputs = built.leafOutputs
    leafStart = built.leafStart
    entryTerm = built.entryTerm
    arrangeTerms(built, laws: laws, tilts: tilts, storesSlots: storesSlots)
  }

  /// Takes the terms' numbers (feature by feature) and computes the static terms of every
  /// slot (non-Gaussian features) or the cut indices (Gaussian ones).
  private mutating func arrangeTerms(
    _ built: LIMELeafTableBuilder, laws: [LIMEFeatureLaw], tilts: [[LIMETilt]], storesSlots: Bool
  ) {
    featureFirstTerm = built.firstTerm
    let first = built.firstTerm[laws.count]
    termLower = [Int32](repeating: 0, count: first)
    termUpper = [Int32](repeating: 0, count: first)
    if !storesSlots {
      // Every key, Gaussian features' too (never read), as the terms' masses.
      termMasses = built.keyValues
      termMassStart.reserveCapacity(first + 1)
      for j in laws.indices {
        for t in 0..<built.termCounts[j] { termMassStart.append(built.keyStart[j] + t * built.keyLengths[j]) }
      }
      termMassStart.append(built.keyValues.count)
    }
    built.keyValues.withUnsafeBufferPointer { keyValues in
      for (j, law) in laws.enumerated() {
        slotStart.append(slotMixtures.count)
        // The feature's keys, `length` values per term.
        let keys = UnsafeBufferPointer(rebasing: keyValues[built.keyStart[j]..<built.keyStart[j + 1]])
        let length = built.keyLengths[j], count = built.termCounts[j]
        if law.feature.isGaussian {
          let cuts = Array(Set(Array(keys) + [-.infinity, .infinity])).sorted()
          gaussianCuts.append(cuts)
          for t in 0..<count {
            termLower[featureFirstTerm[j] + t] = Int32(cuts.firstIndex(of: keys[length * t]) ?? 0)
            termUpper[featureFirstTerm[j] + t] = Int32(cuts.firstIndex(of: keys[length * t + 1]) ?? cuts.count - 1)
          }
          if !storesSlots { termTotals.append(contentsOf: repeatElement(0, count: count)) }
          continue
        }
        gaussianCuts.append([])
        let totals = law.frequencies.withUnsafeBufferPointer { frequencies in
          (0..<count).map { t in
            var total = 0.0
            for l in 0..<law.levelCount { total += frequencies[l] * keys[length * t + l] }
            return total
          }
        }
        guard storesSlots else {
          termTotals.append(contentsOf: totals)
          continue
        }
        for tilt in tilts[j] {
          for t in 0..<count {
            let q = tilt.masses(UnsafeBufferPointer(rebasing: keys[length * t..<length * (t + 1)]), total: totals[t])
            slotMixtures.append(q.mixture)
            slotReciprocals.append(1 / q.mixture)
            slotDifferences.append(q.given - q.otherwise)
          }
        }
      }
    }
    if !storesSlots { self.tilts = tilts }
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
  /// the product of the other entries' mixtures to Δ_j. The differences are factored out:
  /// each term gathers `Σ value · Π other mixtures` over the leaves that use it (the sum of
  /// the boxes' value × probability, times the reciprocal of the term's own mixture once: a
  /// box of probability 0, or below the smallest normal double, is skipped, so no reciprocal
  /// overflows), and Δ_j is the sum over j's terms of difference × gathered weight. The result equals the product-by-product sums to rounding (about 1e-15 relative).
  /// For a Gaussian feature, "mixture" is the interval's mass under Q's normal and the
  /// "difference" `E_Q[(z − E_Q z)·1{interval}] / Var_Q(z)`, so that its contrast is the
  /// least-squares slope `Cov_Q(z, f)/Var_Q(z)` (`gaussianTerms`).
  /// - Parameters:
  ///   - slots: the instance's slot of each feature (`LIMETilt.slot`; ignored for Gaussian features).
  ///   - gaussians: per feature, Q's normal law of z for a Gaussian feature, nil otherwise.
  /// - Returns: `expectation[k]`, `contrasts[k][j]`.
  /// - Complexity: O(entries + terms), plus O(cuts) normal distribution evaluations for
  ///   Gaussian features.
  func expectations(slots: [Int], gaussians: [LIMEGaussianTilt?]) -> (expectation: [Double], contrasts: [[Double]]) {
    let m = slots.count
    let termCount = featureFirstTerm[m]
    // This row's mixture and its reciprocal for every term: each feature's block for the
    // instance's slot, copied whole (Gaussian features: computed); the differences are
    // read from the blocks at the end.
    var mixtures = [Double](repeating: 0, count: termCount)
    var reciprocals = [Double](repeating: 0, count: termCount)
    var gaussianDifferences = [Double]()
    let blockStart = (0..<m).map { j -> Int in
      let count = featureFirstTerm[j + 1] - featureFirstTerm[j]
      return slotStart[j] + slots[j] * count
    }
    var ownDifferences = [Double]()
    if !tilts.isEmpty {
      // This row's slot only (`storesSlots` false).
      ownDifferences = [Double](repeating: 0, count: termCount)
      termMasses.withUnsafeBufferPointer { masses in
        for j in 0..<m where gaussians[j] == nil {
          let tilt = tilts[j][slots[j]]
          for t in featureFirstTerm[j]..<featureFirstTerm[j + 1] {
            let q = tilt.masses(UnsafeBufferPointer(rebasing: masses[termMassStart[t]..<termMassStart[t + 1]]), total: termTotals[t])
            mixtures[t] = q.mixture
            reciprocals[t] = 1 / q.mixture
            ownDifferences[t] = q.given - q.otherwise
          }
        }
      }
    } else {
      mixtures.withUnsafeMutableBufferPointer { mixtures in
        reciprocals.withUnsafeMutableBufferPointer { reciprocals in
          slotMixtures.withUnsafeBufferPointer { slotMixtures in
            slotReciprocals.withUnsafeBufferPointer { slotReciprocals in
              for j in 0..<m where gaussians[j] == nil {
                let first = featureFirstTerm[j], count = featureFirstTerm[j + 1] - first
                guard count > 0 else { continue }
                (mixtures.baseAddress! + first).update(from: slotMixtures.baseAddress! + blockStart[j], count: count)
                (reciprocals.baseAddress! + first).update(from: slotReciprocals.baseAddress! + blockStart[j], count: count)
              }
            }
          }
        }
      }
    }
    for j in 0..<m {
      guard let tilt = gaussians[j] else { continue }
      if gaussianDifferences.isEmpty { gaussianDifferences = [Double](repeating: 0, count: termCount) }
      gaussianTerms(j, tilt, mixtures: &mixtures, differences: &gaussianDifferences)
      for t in featureFirstTerm[j]..<featureFirstTerm[j + 1] { reciprocals[t] = 1 / mixtures[t] }
    }
    var expectation = baseMargins
    var gathered = [Double](repeating: 0, count: outputCount * termCount)
    // A leaf whose box has probability > 0 has no zero mixture, so "the product of the
    // other mixtures" is the box's probability times the reciprocal of the term's own,
    // applied once per term after the sum over its leaves.
    expectation.withUnsafeMutableBufferPointer { expectation in
      gathered.withUnsafeMutableBufferPointer { gathered in
        mixtures.withUnsafeBufferPointer { mixtures in
          entryTerm.withUnsafeBufferPointer { term in
            leafStart.withUnsafeBufferPointer { leafStart in
              leafValues.withUnsafeBufferPointer { leafValues in
                leafOutputs.withUnsafeBufferPointer { leafOutputs in
                  var first = 0
                  for leaf in 0..<leafValues.count {
                    let end = Int(leafStart[leaf + 1])
                    defer { first = end }
                    var product = 1.0
                    for e in first..<end { product *= mixtures[Int(term[e])] }
                    // A box of probability 0 adds nothing (where the mixture is 0, both masses
                    // are); one below the smallest normal double adds less than 1e-307 and is
                    // skipped too, so that every mixture of a kept box has a finite reciprocal.
                    if !(product >= .leastNormalMagnitude) { continue }
                    let output = Int(leafOutputs[leaf])
                    let weighted = leafValues[leaf] * product
                    expectation[output] += weighted
                    let row = output * termCount
                    for e in first..<end { gathered[row + Int(term[e])] += weighted }
                  }
                }
              }
            }
          }
        }
      }
    }
    let contrasts = (0..<outputCount).map { k in
      (0..<m).map { j in
        let first = featureFirstTerm[j]
        var sum = 0.0
        for t in first..<featureFirstTerm[j + 1] {
          let difference =
            gaussians[j] != nil
            ? gaussianDifferences[t] : ownDifferences.isEmpty ? slotDifferences[blockStart[j] + t - first] : ownDifferences[t]
          // A term of no kept box gathered nothing (its reciprocal may be infinite).
          let weight = gathered[k * termCount + t]
          if weight != 0 { sum += difference * (weight * reciprocals[t]) }
        }
        return sum
      }
    }
    return (expectation, contrasts)
  }

  /// The terms of Gaussian feature j for one row: the normal law N(μ_Q, σ_Q²) of z is
  /// evaluated once per cut point t = ((c − mean)/scale − μ_Q)/σ_Q, then a term over cuts
  /// (a, b) has mass `Φ(t_b) − Φ(t_a)` and difference `(φ(t_a) − φ(t_b))/σ_Q`
  /// (`E[(Z − μ)·1{a < Z < b}] = σ·(φ(α) − φ(β))` for Z ~ N(μ, σ²)).
  /// - Complexity: O(cuts + terms of j).
  private func gaussianTerms(
    _ j: Int, _ tilt: LIMEGaussianTilt, mixtures: inout [Double], differences: inout [Double]
  ) {
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
    for t in featureFirstTerm[j]..<featureFirstTerm[j + 1] {
      let a = Int(termLower[t]), b = Int(termUpper[t])
      mixtures[t] = max(0, cdf[b] - cdf[a])
      differences[t] = (pdf[a] - pdf[b]) / tilt.deviation
    }
  }
}
