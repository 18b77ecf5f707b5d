/// The design of the direct estimator's regression on one row's draws: the inputs that vary
/// among the draws, centred on their weighted means, and the Cholesky factor of their
/// weighted Gram matrix `XᵀWX` (`DirectLIMERegression`).
///
/// The centred inputs are stored once, draw by draw (`n × p`), so that the Gram matrix, the
/// slopes of every response, the residuals and the sandwich read them without recomputing
/// `z − z̄` per pass, and every pass keeps p independent sums in flight. Each sum still runs
/// over the draws in order with its terms evaluated as `w · x_a · x_b`, so the Gram matrix,
/// slopes and residuals are those of the plain feature-by-feature loops bit for bit; the
/// sandwich is summed as a matrix (`sandwich`), which moves the errors by rounding only.
///
/// - Complexity: O(n·m) for the means and the live inputs, O(n·p²) for the Gram matrix,
///   O(p³) for its factor.
struct DirectLIMEDesign: DirectLIMEFitDesign {
  /// The number of draws and of live inputs.
  let n: Int
  private(set) var p: Int
  /// The draws' weights and their sum.
  let weights: [Double]
  let total: Double
  /// The weighted mean of every input (`m`).
  let sampleMeans: [Double]
  /// The inputs in the regression (feature indices, ascending).
  private(set) var live: [Int]
  /// The live inputs centred on their weighted means, draw by draw (`n × p`).
  private(set) var centred: [Double]
  /// The Cholesky factor of `XᵀWX` over the live inputs (`p × p`, `choleskyFactor`).
  private(set) var factor: [Double]
  /// The inputs of the draws, feature-major (`m × n`).
  let z: [Double]

  /// - Parameters:
  ///   - z: the inputs of the draws, feature-major (`m × n`).
  ///   - weights: each draw's weight (nil: equal).
  ///   - variances: V_j under Q; an input with `V_j ≤ 1e-14`, or whose weighted spread
  ///     among the draws is below `1e-9 · Σw · V_j`, is left out.
  init(z: [Double], weights: [Double]?, variances: [Double], count n: Int) {
    let m = variances.count
    let w = weights ?? [Double](repeating: 1, count: n)
    self.n = n
    self.z = z
    self.weights = w
    let total = w.reduce(0, +)
    self.total = total
    var means = [Double](repeating: 0, count: m)
    var live: [Int] = []
    z.withUnsafeBufferPointer { z in
      w.withUnsafeBufferPointer { w in
        for j in 0..<m {
          let column = z.baseAddress! + j * n
          var s = 0.0
          for i in 0..<n { s += w[i] * column[i] }
          let mean = s / total
          means[j] = mean
          guard variances[j] > 1e-14 else { continue }
          var spread = 0.0
          for i in 0..<n { spread += w[i] * (column[i] - mean) * (column[i] - mean) }
          if spread > 1e-9 * total * variances[j] { live.append(j) }
        }
      }
    }
    let p = live.count
    var centred = [Double](repeating: 0, count: n * p)
    var gram = [Double](repeating: 0, count: p * p)
    z.withUnsafeBufferPointer { z in
      w.withUnsafeBufferPointer { w in
        centred.withUnsafeMutableBufferPointer { x in
          for (a, j) in live.enumerated() {
            let column = z.baseAddress! + j * n, mean = means[j]
            for i in 0..<n { x[i * p + a] = column[i] - mean }
          }
          gram.withUnsafeMutableBufferPointer { gram in
            for i in 0..<n {
              let row = x.baseAddress! + i * p
              for a in 0..<p {
                let t = w[i] * row[a]
                for b in a..<p { gram[a * p + b] += t * row[b] }
              }
            }
          }
        }
      }
    }
    for a in 0..<p { for b in 0..<a { gram[a * p + b] = gram[b * p + a] } }
    sampleMeans = means
    self.p = p
    if let l = choleskyFactor(gram, p) {
      self.live = live
      self.centred = centred
      factor = l
    } else {
      // Collinear draws (very few of them): every input is fitted on its own.
      self.live = []
      self.centred = []
      self.p = 0
      factor = []
    }
  }

  func input(_ j: Int, _ i: Int) -> Double { z[j * n + i] }

  /// The weighted least-squares slopes of `y` on the live inputs, and y's weighted mean.
  /// - Complexity: O(n·p + p²).
  func slopes(of y: [Double]) -> (slopes: [Double], mean: Double) {
    var xty = [Double](repeating: 0, count: p)
    var mean = 0.0
    let p = self.p
    y.withUnsafeBufferPointer { y in
      mean = self.mean(y)
      centred.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
          xty.withUnsafeMutableBufferPointer { xty in
            for i in 0..<n {
              let row = x.baseAddress! + i * p, deviation = y[i] - mean
              for a in 0..<p { xty[a] += w[i] * row[a] * deviation }
            }
          }
        }
      }
    }
    return (choleskyBackSolve(factor, p, xty), mean)
  }

  /// `y − mean − Σ_a b_a · x_a` at every draw (the terms taken away in input order).
  /// - Complexity: O(n·p).
  func residuals(_ y: [Double], slopes b: [Double], mean: Double) -> [Double] {
    var r = y.map { $0 - mean }
    let p = self.p
    r.withUnsafeMutableBufferPointer { r in
      centred.withUnsafeBufferPointer { x in
        b.withUnsafeBufferPointer { b in
          for i in 0..<n {
            let row = x.baseAddress! + i * p
            var v = r[i]
            for a in 0..<p { v -= b[a] * row[a] }
            r[i] = v
          }
        }
      }
    }
    return r
  }

  /// `Σ_i w_i² e_i² (A⁻¹x_i)_a²` for every live input a, with `A = XᵀWX`: the meat of the
  /// sandwich variance of the slopes (without the HC1 inflation), as the diagonal of
  /// `A⁻¹ M A⁻¹` with `M = Σ_i w_i² e_i² x_i x_iᵀ`.
  /// - Complexity: O(n·p² / 2 + p³).
  func sandwich(_ e: [Double]) -> [Double] {
    let p = self.p
    var outer = [Double](repeating: 0, count: p * p)
    centred.withUnsafeBufferPointer { x in
      weights.withUnsafeBufferPointer { w in
        e.withUnsafeBufferPointer { e in
          outer.withUnsafeMutableBufferPointer { outer in
            for i in 0..<n {
              let row = x.baseAddress! + i * p
              let we = w[i] * e[i], u = we * we
              for a in 0..<p {
                let t = u * row[a]
                for b in a..<p { outer[a * p + b] += t * row[b] }
              }
            }
          }
        }
      }
    }
    for a in 0..<p { for b in 0..<a { outer[a * p + b] = outer[b * p + a] } }
    return sandwichDiagonal(factor: factor, p: p, outer: outer)
  }
}

/// A design of the direct estimator's regression (`DirectLIMERegression`): the draws' weights,
/// the inputs that vary among them (`live`, centred on their weighted means) and the fits
/// of responses on them.
protocol DirectLIMEFitDesign {
  /// The number of draws and of live inputs.
  var n: Int { get }
  var p: Int { get }
  /// The draws' weights and their sum.
  var weights: [Double] { get }
  var total: Double { get }
  /// The weighted mean of every input (`m`).
  var sampleMeans: [Double] { get }
  /// The inputs in the regression (feature indices, ascending).
  var live: [Int] { get }
  /// Input j at draw i.
  func input(_ j: Int, _ i: Int) -> Double
  /// The weighted least-squares slopes of `y` on the live inputs, and y's weighted mean.
  func slopes(of y: [Double]) -> (slopes: [Double], mean: Double)
  /// `y − mean − Σ_a b_a · x_a` at every draw, x the centred live inputs.
  func residuals(_ y: [Double], slopes b: [Double], mean: Double) -> [Double]
  /// `Σ_i w_i² e_i² (A⁻¹x_i)_a²` for every live input a, with `A = XᵀWX`: the meat of the
  /// sandwich variance of the slopes (without the HC1 inflation).
  func sandwich(_ e: [Double]) -> [Double]
}

extension DirectLIMEFitDesign {
  /// The weighted mean of `y` (n values).
  func mean(_ y: UnsafeBufferPointer<Double>) -> Double {
    var s = 0.0
    weights.withUnsafeBufferPointer { w in
      for i in 0..<n { s += w[i] * y[i] }
    }
    return s / total
  }
}

/// The diagonal of `A⁻¹ M A⁻¹` for `A = L Lᵀ` (`factor`, `choleskyFactor`) and the
/// symmetric `M` (`outer`, `p × p`), each entry at least 0.
/// - Complexity: O(p³).
func sandwichDiagonal(factor: [Double], p: Int, outer: [Double]) -> [Double] {
  var inverse = [Double](repeating: 0, count: p * p)
  for a in 0..<p {
    var unit = [Double](repeating: 0, count: p)
    unit[a] = 1
    let column = choleskyBackSolve(factor, p, unit)
    for b in 0..<p { inverse[b * p + a] = column[b] }
  }
  return (0..<p).map { a in
    var s = 0.0
    for b in 0..<p {
      var t = 0.0
      for c in 0..<p { t += outer[b * p + c] * inverse[a * p + c] }
      s += inverse[a * p + b] * t
    }
    return max(0, s)
  }
}
