/// The direct estimator's regression design when every input is a match indicator
/// (discretized or categorical features, no Gaussian one): each draw's inputs are one bit
/// mask, and the sums over draws of products of inputs become sums over the draw's set bits.
///
/// `DirectLIMEDesign` multiplies p centred inputs pairwise at every draw (O(n·p²) floating
/// multiply-adds). With 0/1 inputs `z`, the centred sums are closed-form corrections of
/// uncentred ones, `Σ w (z_a − z̄_a)(z_b − z̄_b) = Σ_{z_a = z_b = 1} w − W z̄_a z̄_b`, and an
/// uncentred sum only visits the pairs of inputs that are 1 at a draw (about k²/2 for k
/// matches, against p²/2). The same holds for `Xᵀ W (y − ȳ)` (the draws' weighted deviations
/// summed over each input's matches, minus z̄_a times their total), the residuals (y minus
/// the slopes of the draw's matches) and the sandwich's meat (`Σ u z zᵀ` with
/// `u = (w e)²`, corrected by the same rank-two terms). The uncentred sums equal the dense
/// floating sums `Σ_i w_i z_ia z_ib` over the draws in order bit for bit (a non-match adds
/// +0); the centred results differ from `DirectLIMEDesign`'s by rounding only.
///
/// - Complexity: O(n·m) for the means and the live bits, O(n·k²/2) for the Gram matrix and
///   the meat (k: a draw's live matches), O(n·k) per slope fit and residual pass, O(p³) for
///   the factor and the sandwich's diagonal.
struct DirectLIMEMatchDesign: DirectLIMEFitDesign {
  // The protocol's requirements (`DirectLIMEFitDesign`).
  let n: Int, total: Double, weights: [Double], sampleMeans: [Double]
  private(set) var p: Int, live: [Int]
  /// Each draw's inputs (`masks[i]` bit j: `z_ij`).
  let masks: [UInt64]
  /// Each draw's live inputs that are 1, bit a for `live[a]`.
  private(set) var liveBits: [UInt64]
  /// The Cholesky factor of `XᵀWX` over the live inputs (`p × p`, `choleskyFactor`).
  private(set) var factor: [Double]

  /// - Parameters:
  ///   - masks: each draw's inputs as bits (at most 64 inputs).
  ///   - weights: each draw's weight (nil: equal).
  ///   - variances: V_j under Q; an input with `V_j ≤ 1e-14`, or whose weighted spread
  ///     among the draws is below `1e-9 · Σw · V_j`, is left out (as in `DirectLIMEDesign`).
  init(masks: [UInt64], weights: [Double]?, variances: [Double]) {
    let n = masks.count, m = variances.count
    precondition(m <= 64, "at most 64 match indicators")
    let w = weights ?? [Double](repeating: 1, count: n)
    self.n = n
    self.masks = masks
    self.weights = w
    let total = w.reduce(0, +)
    self.total = total
    let sums = Self.sums(masks, w, count: m)
    var means = [Double](repeating: 0, count: m)
    var live: [Int] = []
    for j in 0..<m {
      let mean = sums[j] / total
      means[j] = mean
      guard variances[j] > 1e-14 else { continue }
      // Σ w (z − z̄)² of a 0/1 input: its matches' weight times (1 − z̄)², the rest's times z̄².
      let spread = sums[j] * (1 - mean) * (1 - mean) + (total - sums[j]) * mean * mean
      if spread > 1e-9 * total * variances[j] { live.append(j) }
    }
    sampleMeans = means
    let p = live.count
    let liveBits = Self.compact(masks, live: live)
    let uncentred = Self.gram(liveBits, w, p: p)
    var gram = uncentred
    for a in 0..<p {
      for b in 0..<p { gram[a * p + b] -= total * means[live[a]] * means[live[b]] }
    }
    if let l = choleskyFactor(gram, p) {
      self.p = p
      self.live = live
      self.liveBits = liveBits
      factor = l
    } else {
      // Collinear draws (very few of them): every input is fitted on its own.
      self.p = 0
      self.live = []
      self.liveBits = [UInt64](repeating: 0, count: n)
      factor = []
    }
  }

  func input(_ j: Int, _ i: Int) -> Double { (masks[i] >> UInt64(j)) & 1 == 1 ? 1 : 0 }

  /// `Σ_i v_i z_ij` for every input j (`count` of them), summed over the draws in order.
  /// - Complexity: O(Σ_i popcount(bits_i)).
  static func sums(_ bits: [UInt64], _ v: [Double], count: Int) -> [Double] {
    var sums = [Double](repeating: 0, count: count)
    sums.withUnsafeMutableBufferPointer { s in
      for i in bits.indices {
        var b = bits[i]
        let value = v[i]
        while b != 0 {
          s[b.trailingZeroBitCount] += value
          b &= b &- 1
        }
      }
    }
    return sums
  }

  /// The uncentred weighted Gram matrix `Σ_i v_i z_ia z_ib` of bit-coded inputs (`p × p`,
  /// symmetric), summed over the draws in order: bit for bit the floating sum of the
  /// products over every draw.
  /// - Complexity: O(Σ_i k_i(k_i + 1)/2) for k_i set bits at draw i.
  static func gram(_ bits: [UInt64], _ v: [Double], p: Int) -> [Double] {
    var g = [Double](repeating: 0, count: p * p)
    g.withUnsafeMutableBufferPointer { g in
      for i in bits.indices {
        var b = bits[i]
        let value = v[i]
        while b != 0 {
          let a = b.trailingZeroBitCount
          b &= b &- 1
          let row = a * p
          g[row + a] += value
          var rest = b
          while rest != 0 {
            g[row + rest.trailingZeroBitCount] += value
            rest &= rest &- 1
          }
        }
      }
      for a in 0..<p { for c in 0..<a { g[a * p + c] = g[c * p + a] } }
    }
    return g
  }

  /// Each draw's bits of the `live` inputs, renumbered: bit a for input `live[a]`.
  private static func compact(_ masks: [UInt64], live: [Int]) -> [UInt64] {
    var position = [Int](repeating: -1, count: 64)
    var liveMask: UInt64 = 0
    for (a, j) in live.enumerated() {
      position[j] = a
      liveMask |= 1 << UInt64(j)
    }
    return masks.map { mask in
      var b = mask & liveMask, out: UInt64 = 0
      while b != 0 {
        out |= 1 << UInt64(position[b.trailingZeroBitCount])
        b &= b &- 1
      }
      return out
    }
  }

  func slopes(of y: [Double]) -> (slopes: [Double], mean: Double) {
    let mean = y.withUnsafeBufferPointer { self.mean($0) }
    var deviations = [Double](repeating: 0, count: n)
    var total = 0.0
    for i in 0..<n {
      let t = weights[i] * (y[i] - mean)
      deviations[i] = t
      total += t
    }
    // Σ w x_a (y − ȳ) = Σ_{z_a = 1} w (y − ȳ) − z̄_a Σ w (y − ȳ).
    let matched = Self.sums(liveBits, deviations, count: p)
    let xty = (0..<p).map { a in matched[a] - sampleMeans[live[a]] * total }
    return (choleskyBackSolve(factor, p, xty), mean)
  }

  func residuals(_ y: [Double], slopes b: [Double], mean: Double) -> [Double] {
    // y − ȳ − Σ_a b_a (z_a − z̄_a) = y − ȳ + Σ_a b_a z̄_a − Σ_{a matched} b_a.
    var offset = 0.0
    for a in 0..<p { offset += b[a] * sampleMeans[live[a]] }
    var r = [Double](repeating: 0, count: n)
    b.withUnsafeBufferPointer { b in
      for i in 0..<n {
        var v = y[i] - mean + offset
        var bits = liveBits[i]
        while bits != 0 {
          v -= b[bits.trailingZeroBitCount]
          bits &= bits &- 1
        }
        r[i] = v
      }
    }
    return r
  }

  func sandwich(_ e: [Double]) -> [Double] {
    let u = (0..<n).map { i in
      let we = weights[i] * e[i]
      return we * we
    }
    let uTotal = u.reduce(0, +)
    let s = Self.sums(liveBits, u, count: p)
    // Σ u (z_a − z̄_a)(z_b − z̄_b) = Σ u z_a z_b − z̄_a s_b − z̄_b s_a + U z̄_a z̄_b.
    var outer = Self.gram(liveBits, u, p: p)
    for a in 0..<p {
      let za = sampleMeans[live[a]]
      for b in 0..<p {
        let zb = sampleMeans[live[b]]
        outer[a * p + b] += uTotal * za * zb - za * s[b] - zb * s[a]
      }
    }
    return sandwichDiagonal(factor: factor, p: p, outer: outer)
  }
}
