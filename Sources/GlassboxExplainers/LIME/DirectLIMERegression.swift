/// The direct estimator's fit of one output on draws of the kernel-weighted law Q (equal
/// weights), or on draws of lime's sampling law importance-weighted to Q (weights = the
/// row's kernel weights).
///
/// Under Q the surrogate's inputs z are independent with known means μ and variances V, so
/// the population slopes are `Cov_Q(z_j, f)/V_j`, which the (weighted) least-squares
/// regression of f on all inputs at once also estimates. Regressing jointly (rather than
/// feature by feature) removes the other features' linear effects from each slope's noise,
/// leaving only the part of f no linear surrogate describes.
///
/// With a control variate h whose population slopes `β^h` and mean are known exactly (the
/// model's margin, `ExactLIME`), the fit is that of `f − λ·h` plus λ times h's exact
/// surrogate:
///
///   `β̂ = b(f) + λ·(β^h − b(h))`,  `Ê f = f̄ + b(f)·(μ − z̄) + λ·(E h − h̄ − b(h)·(μ − z̄))`,
///
/// where b(·) are the least-squares slopes on the draws (the same design for f and h), the
/// bars weighted means, and `λ = ⟨r_f, r_h⟩/⟨r_h, r_h⟩` over their weighted residuals, the
/// λ that leaves the smallest residual. The standard errors are the
/// heteroscedasticity-consistent (sandwich, HC1) ones of the slopes of `f − λ·h`, λ taken
/// as fixed. A feature whose input does not vary among the draws (a rare level) is left out
/// of the regression: its slope is `λ·β^h_j` plus the covariance of its input with the
/// residual, over V_j, with the spread of those terms as its error. The residual
/// `E_Q[(f − g)²]` is estimated by f's weighted mean squared residual times `n/(n − p − 1)`.
///
/// - Complexity: O(n·p²) for n draws and p inputs (`DirectLIMEDesign`, built once per row
///   for f and h and every output).
struct DirectLIMERegression {
  /// The estimated slopes, their standard errors, `E_Q[f]` and the residual.
  private(set) var slopes: [Double]
  private(set) var errors: [Double]
  private(set) var expectation: Double
  private(set) var residual: Double

  /// - Parameters:
  ///   - f: the output at each of the n draws.
  ///   - z: the inputs of the draws, feature-major (`m × n`).
  ///   - weights: each draw's weight (nil: equal).
  ///   - means, variances: μ_j and V_j under Q.
  ///   - control: h at each draw and its exact population (slopes in `contrasts`), or nil.
  init(
    f: [Double], z: [Double], weights: [Double]? = nil, means: [Double], variances: [Double],
    control: ([Double], LIMEPopulation)?
  ) {
    let design = DirectLIMEDesign(z: z, weights: weights, variances: variances, count: f.count)
    self.init(f: f, design: design, means: means, variances: variances, control: control)
  }

  /// The fit on a design made from the draws (`DirectLIMEDesign`), shared by f and h.
  init(f: [Double], design: DirectLIMEDesign, means: [Double], variances: [Double], control: ([Double], LIMEPopulation)?) {
    let n = f.count, m = means.count
    let w = design.weights, total = design.total, sampleMeans = design.sampleMeans
    let live = design.live, p = design.p
    slopes = [Double](repeating: 0, count: m)
    errors = [Double](repeating: 0, count: m)
    let fits = design.fits(control.map { [f, $0.0] } ?? [f])
    let (bf, fMean, rf) = fits[0]
    var lambda = 0.0
    var bh = [Double](repeating: 0, count: p), hMean = 0.0
    // The residuals of f − λh, times √w.
    var e = rf
    if let (_, exact) = control {
      let rh: [Double]
      (bh, hMean, rh) = fits[1]
      var fh = 0.0, hh = 0.0
      for i in 0..<n {
        fh += rf[i] * rh[i]
        hh += rh[i] * rh[i]
      }
      lambda = hh > 0 ? fh / hh : 0
      for i in 0..<n { e[i] -= lambda * rh[i] }
      for (a, j) in live.enumerated() { slopes[j] = bf[a] + lambda * (exact.contrasts[j] - bh[a]) }
    } else {
      for (a, j) in live.enumerated() { slopes[j] = bf[a] }
    }
    var shiftF = 0.0, shiftH = 0.0
    for (a, j) in live.enumerated() {
      shiftF += bf[a] * (means[j] - sampleMeans[j])
      shiftH += bh[a] * (means[j] - sampleMeans[j])
    }
    expectation = fMean + shiftF
    if let (_, exact) = control { expectation += lambda * (exact.expectation - hMean - shiftH) }
    // HC1 sandwich: Var(b_j) = n/(n − p − 1) · Σ_i w_i² e_i² (A⁻¹x_i)_j², with A = XᵀWX.
    let inflation = Double(n) / Double(max(1, n - p - 1))
    let meat = design.sandwich(scaledResiduals: e)
    for (a, j) in live.enumerated() { errors[j] = (meat[a] * inflation).squareRoot() }
    // Inputs left out of the regression: their covariance with the residual, feature by feature.
    if (0..<m).contains(where: { variances[$0] > 1e-14 && !live.contains($0) }) {
      var e = design.residuals(f, slopes: bf, mean: fMean)
      if let (h, _) = control {
        let eh = design.residuals(h, slopes: bh, mean: hMean)
        for i in 0..<n { e[i] -= lambda * eh[i] }
      }
      let eMean = e.withUnsafeBufferPointer { design.mean($0) }
      for j in 0..<m where variances[j] > 1e-14 && !live.contains(j) {
        let terms = (0..<n).map { i in (design.input(j, i) - means[j]) * (e[i] - eMean) / variances[j] }
        let center = terms.withUnsafeBufferPointer { design.mean($0) }
        var spread = 0.0
        for i in 0..<n { spread += w[i] * w[i] * (terms[i] - center) * (terms[i] - center) }
        slopes[j] = lambda * (control?.1.contrasts[j] ?? 0) + center
        errors[j] = (spread * inflation).squareRoot() / total
      }
    }
    var squares = 0.0
    for i in 0..<n { squares += rf[i] * rf[i] }
    residual = squares / total * inflation
  }
}
