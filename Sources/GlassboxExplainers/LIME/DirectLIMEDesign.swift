import GlassboxNumerics

/// The design of the direct estimator's regression on one row's draws: the inputs that vary
/// among the draws, centred on their weighted means and scaled by √w, and the Cholesky
/// factor of their weighted Gram matrix `XᵀWX` (`DirectLIMERegression`).
///
/// The scaled centred inputs `X̃ = W^½ X` are stored once, column by column (`n × p`,
/// column-major), so that every sum over the draws is a dense BLAS product: `XᵀWX = X̃ᵀX̃`
/// (dgemm), the weighted means `Zᵀw` (dgemv), `XᵀW(y − ȳ) = X̃ᵀ W^½(y − ȳ)` and the scaled
/// residuals `W^½(y − ȳ) − X̃b` (dgemv, response by response), and the sandwich's meat
/// `Σ_i w_i² e_i² x_i x_iᵀ = (diag(W^½e) X̃)ᵀ (diag(W^½e) X̃)` (dgemm). The sums run in
/// BLAS's order, so the results differ from plain loops over the draws by rounding only;
/// they depend only on the draws (OpenBLAS on one thread, `BLASRuntime`).
///
/// - Complexity: O(n·m) for the means and the live inputs, O(n·p²/2) for the Gram matrix,
///   O(p³) for its factor.
struct DirectLIMEDesign {
  /// The number of draws and of live inputs.
  let n: Int
  private(set) var p: Int
  /// The draws' weights, their square roots and their sum.
  let weights: [Double]
  let roots: [Double]
  let total: Double
  /// The weighted mean of every input (`m`).
  let sampleMeans: [Double]
  /// The inputs in the regression (feature indices, ascending).
  private(set) var live: [Int]
  /// The live inputs centred on their weighted means, times √w (`n × p`, column-major).
  private(set) var scaled: [Double]
  /// The Cholesky factor of `XᵀWX` over the live inputs (`p × p`, `choleskyFactor`).
  private(set) var factor: [Double]
  /// The inputs of the draws, feature-major (`m × n`).
  let z: [Double]

  /// - Parameters:
  ///   - z: the inputs of the draws, feature-major (`m × n`).
  ///   - weights: each draw's weight (nil: equal).
  ///   - variances: V_j under Q; an input with `V_j ≤ 1e-14`, or whose weighted spread
  ///     among the draws is below `1e-9 · Σw · V_j`, is left out.
  ///   - binary: the inputs known to be 0 or 1 at every draw (their spread is `s(1 − z̄)² +
  ///     (Σw − s)z̄²` for s their weighted sum; nil: none).
  init(z: [Double], weights: [Double]?, variances: [Double], count n: Int, binary: [Bool]? = nil) {
    let m = variances.count
    let w = weights ?? [Double](repeating: 1, count: n)
    self.n = n
    self.z = z
    self.weights = w
    let roots = w.map { $0.squareRoot() }
    self.roots = roots
    let total = w.reduce(0, +)
    self.total = total
    var sums = [Double](repeating: 0, count: m)
    z.withUnsafeBufferPointer { z in
      w.withUnsafeBufferPointer { w in
        sums.withUnsafeMutableBufferPointer { s in
          DenseProducts.multiply(
            z.baseAddress!, rows: n, columns: m, transposed: true, w.baseAddress!, into: s.baseAddress!)
        }
      }
    }
    var means = [Double](repeating: 0, count: m)
    var live: [Int] = []
    z.withUnsafeBufferPointer { z in
      w.withUnsafeBufferPointer { w in
        for j in 0..<m {
          let mean = sums[j] / total
          means[j] = mean
          guard variances[j] > 1e-14 else { continue }
          var spread = 0.0
          if binary?[j] == true {
            spread = sums[j] * (1 - mean) * (1 - mean) + (total - sums[j]) * mean * mean
          } else {
            let column = z.baseAddress! + j * n
            for i in 0..<n { spread += w[i] * (column[i] - mean) * (column[i] - mean) }
          }
          if spread > 1e-9 * total * variances[j] { live.append(j) }
        }
      }
    }
    let p = live.count
    // Every entry is written below.
    var scaled = [Double](unsafeUninitializedCapacity: n * p) { _, count in count = n * p }
    var gram = [Double](repeating: 0, count: p * p)
    z.withUnsafeBufferPointer { z in
      roots.withUnsafeBufferPointer { r in
        scaled.withUnsafeMutableBufferPointer { x in
          for (a, j) in live.enumerated() {
            let column = z.baseAddress! + j * n, mean = means[j], out = x.baseAddress! + a * n
            for i in 0..<n { out[i] = r[i] * (column[i] - mean) }
          }
          if p > 0 {
            gram.withUnsafeMutableBufferPointer { DenseProducts.gram(x.baseAddress!, rows: n, columns: p, into: $0.baseAddress!) }
          }
        }
      }
    }
    sampleMeans = means
    self.p = p
    if let l = choleskyFactor(gram, p) {
      self.live = live
      self.scaled = scaled
      factor = l
    } else {
      // Collinear draws (very few of them): every input is fitted on its own.
      self.live = []
      self.scaled = []
      self.p = 0
      factor = []
    }
  }

  /// Input j at draw i.
  func input(_ j: Int, _ i: Int) -> Double { z[j * n + i] }

  /// The weighted mean of `y` (n values).
  func mean(_ y: UnsafeBufferPointer<Double>) -> Double {
    var s = 0.0
    weights.withUnsafeBufferPointer { w in
      for i in 0..<n { s += w[i] * y[i] }
    }
    return s / total
  }

  /// The weighted least-squares fits of the responses `ys` (each n values) on the live
  /// inputs: each one's slopes, weighted mean and residuals times √w,
  /// `W^½(y − ȳ − Xb)` (`X̃ᵀ W^½(y − ȳ)` and `W^½(y − ȳ) − X̃b` by dgemv).
  /// - Complexity: O(n·p + p²) per response.
  func fits(_ ys: [[Double]]) -> [(slopes: [Double], mean: Double, scaledResiduals: [Double])] {
    let p = self.p, n = self.n
    return ys.map { y in
      let mean = y.withUnsafeBufferPointer { self.mean($0) }
      // The scaled deviations W^½(y − ȳ), then (after the slopes) the scaled residuals.
      var residuals = [Double](unsafeUninitializedCapacity: n) { out, count in
        y.withUnsafeBufferPointer { y in
          roots.withUnsafeBufferPointer { root in
            for i in 0..<n { out[i] = root[i] * (y[i] - mean) }
          }
        }
        count = n
      }
      var xty = [Double](repeating: 0, count: p)
      guard p > 0 else { return ([], mean, residuals) }
      scaled.withUnsafeBufferPointer { x in
        residuals.withUnsafeBufferPointer { d in
          xty.withUnsafeMutableBufferPointer {
            DenseProducts.multiply(x.baseAddress!, rows: n, columns: p, transposed: true, d.baseAddress!, into: $0.baseAddress!)
          }
        }
      }
      let slopes = choleskyBackSolve(factor, p, xty)
      scaled.withUnsafeBufferPointer { x in
        slopes.withUnsafeBufferPointer { b in
          residuals.withUnsafeMutableBufferPointer {
            DenseProducts.multiply(
              x.baseAddress!, rows: n, columns: p, transposed: false, alpha: -1, b.baseAddress!, beta: 1,
              into: $0.baseAddress!)
          }
        }
      }
      return (slopes, mean, residuals)
    }
  }

  /// `y − mean − Σ_a b_a · x_a` at every draw (unscaled), from the inputs.
  /// - Complexity: O(n·p).
  func residuals(_ y: [Double], slopes b: [Double], mean: Double) -> [Double] {
    var r = y.map { $0 - mean }
    for (a, j) in live.enumerated() {
      let centre = sampleMeans[j]
      for i in 0..<n { r[i] -= b[a] * (z[j * n + i] - centre) }
    }
    return r
  }

  /// `Σ_i w_i² e_i² (A⁻¹x_i)_a²` for every live input a, with `A = XᵀWX`, from the scaled
  /// residuals `√w · e`: the meat of the sandwich variance of the slopes (without the HC1
  /// inflation), as the diagonal of `A⁻¹ M A⁻¹` with `M = Σ_i w_i² e_i² x_i x_iᵀ`.
  /// - Complexity: O(n·p²/2 + p³).
  func sandwich(scaledResiduals e: [Double]) -> [Double] {
    let p = self.p, n = self.n
    if p == 0 { return [] }
    var weighted = [Double](unsafeUninitializedCapacity: n * p) { _, count in count = n * p }
    var outer = [Double](repeating: 0, count: p * p)
    scaled.withUnsafeBufferPointer { x in
      e.withUnsafeBufferPointer { e in
        weighted.withUnsafeMutableBufferPointer { v in
          for a in 0..<p {
            let column = x.baseAddress! + a * n, out = v.baseAddress! + a * n
            for i in 0..<n { out[i] = e[i] * column[i] }
          }
          outer.withUnsafeMutableBufferPointer { DenseProducts.gram(v.baseAddress!, rows: n, columns: p, into: $0.baseAddress!) }
        }
      }
    }
    return sandwichDiagonal(factor: factor, p: p, outer: outer)
  }
}

/// The diagonal of `A⁻¹ M A⁻¹` for `A = L Lᵀ` (`factor`, `choleskyFactor`) and the
/// symmetric `M` (`outer`, `p × p`), each entry at least 0.
/// - Complexity: O(p³).
func sandwichDiagonal(factor: [Double], p: Int, outer: [Double]) -> [Double] {
  // Column a of A⁻¹ (row a by symmetry) by forward then back substitution on e_a; the
  // forward pass starts at a, where the solution's leading zeros end.
  var inverse = [Double](repeating: 0, count: p * p)
  factor.withUnsafeBufferPointer { l in
    inverse.withUnsafeMutableBufferPointer { inverse in
      for a in 0..<p {
        let x = inverse.baseAddress! + a * p
        x[a] = 1
        for i in a..<p {
          var s = x[i]
          for k in a..<i { s -= l[i * p + k] * x[k] }
          x[i] = s / l[i * p + i]
        }
        for i in stride(from: p - 1, through: 0, by: -1) {
          var s = x[i]
          for k in (i + 1)..<p { s -= l[k * p + i] * x[k] }
          x[i] = s / l[i * p + i]
        }
      }
    }
  }
  return outer.withUnsafeBufferPointer { outer in
    inverse.withUnsafeBufferPointer { inverse in
      (0..<p).map { a in
        var s = 0.0
        for b in 0..<p {
          var t = 0.0
          for c in 0..<p { t += outer[b * p + c] * inverse[a * p + c] }
          s += inverse[a * p + b] * t
        }
        return max(0, s)
      }
    }
  }
}
