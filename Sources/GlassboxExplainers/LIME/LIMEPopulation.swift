/// What the exact estimator knows about one explained output around one instance: the
/// kernel-weighted law Q of the surrogate's inputs z (independent: match bits with
/// `P(z_j = 1) = tilted[j]`, or standardized values of Gaussian features) and the model's
/// output f under it.
///
/// Under Q the inputs are independent, so the least-squares fit of f on z decouples: its
/// slopes are `Cov_Q(z_j, f)/Var_Q(z_j)`, for a match bit the contrast
/// `Δ_j = E_Q[f | z_j = 1] − E_Q[f | z_j = 0]`, and its residual `E_Q[(f − g)²]` (g the
/// fit) is what the linear surrogate cannot describe.
struct LIMEPopulation: Sendable {
  /// `E_Q[z_j]` per feature (`P_Q(z_j = 1)` for a match bit).
  var tilted: [Double]
  /// `Var_Q(z_j)` per feature (`q(1 − q)` for a match bit).
  var variances: [Double]
  /// The instance's own z (1 for a match bit, z₀ for a Gaussian feature).
  var instanceInputs: [Double]
  /// `E_Q[f]`.
  var expectation: Double
  /// The slope of each feature (`Δ_j` for a match bit).
  var contrasts: [Double]
  /// `E_Q[(f − g)²]` for the least-squares fit g of f on z under Q.
  var residual: Double
  /// Whether `residual` is estimated (from draws) rather than computed in closed form.
  var residualIsEstimated: Bool
  /// The model's output at the instance (lime's first sample).
  var instanceOutput: Double
  /// The sampler's mean kernel weight `E_P[π] = Π_j (p_j + (1 − p_j)·c)` (a Gaussian
  /// feature's factor is `LIMEGaussianTilt.kernelMean`).
  var kernelMean: Double
}

/// The weighted moments of the surrogate's inputs and the output that an N-sample LIME run
/// expects: the instance (weight 1, every bit 1, Gaussian inputs at z₀) plus N − 1 draws whose kernel weights add
/// up to `(N − 1)·E_P[π]` in expectation, that is the mixture
/// `M = a·Q + (1 − a)·δ_instance` with total weight `S = 1 + (N − 1)·E_P[π]` and
/// `a = (N − 1)·E_P[π]/S`. Without N (the limit), `a = 1` and the ridge penalty vanishes
/// relative to S.
///
/// Plugging these expected moments into lime's weighted ridge gives its expected
/// surrogate to first order in 1/N (the ratio of expectations); lime's own runs scatter
/// around it with standard errors of order 1/√N.
struct LIMEPopulationMoments: Sendable {
  /// The number of features p.
  let count: Int
  /// `S`, or nil in the limit.
  let totalWeight: Double?
  /// `E_M[z]`.
  let means: [Double]
  /// The instance's z (lime's first sample).
  let instanceInputs: [Double]
  /// `Cov_M(z)`, p × p row-major.
  let covariance: [Double]
  /// `Cov_M(z, f)`.
  let cross: [Double]
  /// `E_M[f]` and `Var_M(f)`.
  let outputMean: Double, outputVariance: Double

  /// - Parameter samples: lime's `num_samples` N (the instance included), or nil for the limit.
  /// - Complexity: O(p²).
  init(_ population: LIMEPopulation, samples: Int?) {
    let p = population.tilted.count
    count = p
    var a = 1.0
    if let n = samples {
      let drawn = Double(n - 1) * population.kernelMean
      totalWeight = 1 + drawn
      a = drawn / (1 + drawn)
    } else {
      totalWeight = nil
    }
    let q = population.tilted
    let z0 = population.instanceInputs
    let gap = population.expectation - population.instanceOutput
    let shared = a * (1 - a)
    var covariance = [Double](repeating: 0, count: p * p)
    var cross = [Double](repeating: 0, count: p)
    var explained = 0.0
    for j in 0..<p {
      let spread = population.variances[j]
      explained += population.contrasts[j] * population.contrasts[j] * spread
      cross[j] = a * spread * population.contrasts[j] + shared * (q[j] - z0[j]) * gap
      for k in 0..<p { covariance[j * p + k] = shared * (q[j] - z0[j]) * (q[k] - z0[k]) }
      covariance[j * p + j] += a * spread
    }
    instanceInputs = z0
    means = (0..<p).map { a * q[$0] + (1 - a) * z0[$0] }
    self.covariance = covariance
    self.cross = cross
    outputMean = a * population.expectation + (1 - a) * population.instanceOutput
    outputVariance = a * (explained + max(0, population.residual)) + shared * gap * gap
  }

  /// The ridge penalty relative to the total weight, `α/S` (0 in the limit).
  func relativePenalty(_ alpha: Double) -> Double { totalWeight.map { alpha / $0 } ?? 0 }

  /// Whether feature j's bit varies under M (a constant bit gets weight 0, as in lime).
  func varies(_ j: Int) -> Bool { covariance[j * count + j] > 1e-14 }

  /// The ridge slopes on `features` with relative penalty `penalty`; features whose bit
  /// does not vary get 0. Nil when the system is singular (only possible with penalty 0).
  /// - Complexity: O(|features|³).
  func slopes(_ features: [Int], penalty: Double) -> [Double]? {
    let live = features.indices.filter { varies(features[$0]) }
    var matrix = [Double](repeating: 0, count: live.count * live.count)
    for (a, i) in live.enumerated() {
      for (b, k) in live.enumerated() { matrix[a * live.count + b] = covariance[features[i] * count + features[k]] }
      matrix[a * live.count + a] += penalty
    }
    guard let solved = choleskySolve(matrix, live.map { cross[features[$0]] }) else { return nil }
    var out = [Double](repeating: 0, count: features.count)
    for (a, i) in live.enumerated() { out[i] = solved[a] }
    return out
  }

  /// The weighted R² of slopes `beta` on `features` (with the best intercept); nil when f
  /// does not vary.
  func rSquared(_ features: [Int], _ beta: [Double]) -> Double? {
    guard outputVariance > 0 else { return nil }
    var residual = outputVariance
    for (a, j) in features.enumerated() {
      residual -= 2 * beta[a] * cross[j]
      for (b, k) in features.enumerated() { residual += beta[a] * beta[b] * covariance[j * count + k] }
    }
    return 1 - max(0, residual) / outputVariance
  }
}

/// Solves `A x = b` for a symmetric positive definite A (row-major, n × n) by Cholesky;
/// nil when a pivot is not positive (relative to the diagonal, 1e-12).
/// - Complexity: O(n³).
func choleskySolve(_ a: [Double], _ b: [Double]) -> [Double]? {
  guard let l = choleskyFactor(a, b.count) else { return nil }
  return choleskyBackSolve(l, b.count, b)
}

/// Solves `L·Lᵀ·x = b` for the lower Cholesky factor L (row-major, n × n) of
/// `choleskyFactor`.
/// - Complexity: O(n²).
func choleskyBackSolve(_ l: [Double], _ n: Int, _ b: [Double]) -> [Double] {
  var y = b
  for i in 0..<n {
    for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
    y[i] /= l[i * n + i]
  }
  for i in stride(from: n - 1, through: 0, by: -1) {
    for k in (i + 1)..<n { y[i] -= l[k * n + i] * y[k] }
    y[i] /= l[i * n + i]
  }
  return y
}

/// The lower Cholesky factor L (row-major) of `a` = L·Lᵀ, or nil when not positive definite.
/// - Complexity: O(n³).
func choleskyFactor(_ a: [Double], _ n: Int) -> [Double]? {
  var l = [Double](repeating: 0, count: n * n)
  let scale = (0..<n).map { a[$0 * n + $0] }.max() ?? 0
  for i in 0..<n {
    for k in 0...i {
      var s = a[i * n + k]
      for r in 0..<k { s -= l[i * n + r] * l[k * n + r] }
      if i == k {
        guard s > 1e-12 * scale, s > 0 else { return nil }
        l[i * n + i] = s.squareRoot()
      } else {
        l[i * n + k] = s / l[k * n + k]
      }
    }
  }
  return l
}
