import GlassboxNumerics

/// lime's surrogate (`LimeBase.explain_instance_with_data`) computed from expected
/// weighted moments instead of samples: every step of `fitLIMESurrogate` needs only the
/// weighted means, covariances and the output's variance, which `LIMEPopulationMoments`
/// holds.
///
/// - forward selection: K rounds, each adds the feature with the largest explained
///   variance `c_Uᵀ C_UU⁻¹ c_U` of the unpenalized fit (the first on ties; a feature whose
///   bit does not vary adds nothing);
/// - highest weights: the K largest |slope · z₀| of the ridge with α = 0.01 (z₀ = 1 for a
///   match bit);
/// - lasso path: the LARS path of the square-root design `X = Lᵀ`, `y = L⁻¹·S·c` with
///   `S·C = L·Lᵀ`, which has the same Gram matrix `XᵀX` and correlations `Xᵀy` as lime's
///   weighted, centred data, hence the same path;
/// - none: all features; auto: forward selection when K ≤ 6, else highest weights.
/// The final ridge (α) uses the selected features; the score is the weighted R² under M.
///
/// - Returns: the fit, features by decreasing |weight| (ties by index, as the sampled fit).
/// - Complexity: O(p³) (O(K·p·K³) for forward selection).
func fitLIMEPopulationSurrogate(
  _ moments: LIMEPopulationMoments, features k: Int, selection: LIMEFeatureSelection, alpha: Double
) -> LIMESurrogateFit {
  let used = selectLIMEPopulationFeatures(moments, features: k, selection: selection)
  let beta = moments.slopes(used, penalty: moments.relativePenalty(alpha)) ?? [Double](repeating: 0, count: used.count)
  var intercept = moments.outputMean
  var local = 0.0
  for (c, j) in used.enumerated() {
    intercept -= beta[c] * moments.means[j]
    local += beta[c] * moments.instanceInputs[j]
  }
  let order = used.indices.sorted {
    let a = abs(beta[$0]), b = abs(beta[$1])
    return a != b ? a > b : used[$0] < used[$1]
  }
  return LIMESurrogateFit(
    features: order.map { used[$0] }, weights: order.map { beta[$0] }, intercept: intercept,
    score: moments.rSquared(used, beta) ?? 0, localPrediction: intercept + local)
}

/// The features `fitLIMEPopulationSurrogate` uses, in selection order.
/// - Complexity: see `fitLIMEPopulationSurrogate`.
func selectLIMEPopulationFeatures(
  _ moments: LIMEPopulationMoments, features k: Int, selection: LIMEFeatureSelection
) -> [Int] {
  let p = moments.count
  switch selection {
  case .none:
    return Array(0..<p)
  case .auto:
    return selectLIMEPopulationFeatures(moments, features: k, selection: k <= 6 ? .forwardSelection : .highestWeights)
  case .highestWeights:
    let all = Array(0..<p)
    let slopes = moments.slopes(all, penalty: moments.relativePenalty(0.01)) ?? [Double](repeating: 0, count: p)
    // lime ranks |slope · first sample|.
    let beta = all.map { slopes[$0] * moments.instanceInputs[$0] }
    let order = all.sorted {
      let a = abs(beta[$0]), b = abs(beta[$1])
      return a != b ? a > b : $0 < $1
    }
    return Array(order.prefix(k))
  case .forwardSelection:
    var used: [Int] = []
    var independent: [Int] = []
    for _ in 0..<min(k, p) {
      var best = -1
      var bestScore = -Double.infinity
      var bestAdds = false
      let base = explainedVariance(moments, independent) ?? 0
      for f in 0..<p where !used.contains(f) {
        var score = base
        var adds = false
        if moments.varies(f), let s = explainedVariance(moments, independent + [f]) {
          score = s
          adds = true
        }
        // A tie within rounding keeps the first feature, as the sampled selection.
        if best < 0 || score > bestScore + 1e-12 * max(1, abs(bestScore)) {
          best = f
          bestScore = score
          bestAdds = adds
        }
      }
      used.append(best)
      if bestAdds { independent.append(best) }
    }
    return used
  case .lassoPath:
    let live = (0..<p).filter { moments.varies($0) }
    let scale = moments.totalWeight ?? 1
    let n = live.count
    var gram = [Double](repeating: 0, count: n * n)
    for (a, i) in live.enumerated() {
      for (b, j) in live.enumerated() { gram[a * n + b] = scale * moments.covariance[i * p + j] }
    }
    guard n > 0, let l = choleskyFactor(gram, n) else { return Array(0..<p) }
    // X = Lᵀ (so XᵀX = L·Lᵀ), y solves L·y = S·c (so Xᵀy = S·c).
    var x = Matrix(rows: n, columns: n)
    for r in 0..<n { for c in 0..<n { x[r, c] = l[c * n + r] } }
    var y = live.map { scale * moments.cross[$0] }
    for i in 0..<n {
      for r in 0..<i { y[i] -= l[i * n + r] * y[r] }
      y[i] /= l[i * n + i]
    }
    let path = lassoPath(x, y)
    var chosen = Array(0..<p)
    for knot in stride(from: path.count - 1, to: 0, by: -1) {
      chosen = (0..<n).filter { path[knot][$0] != 0 }.map { live[$0] }
      if chosen.count <= k { break }
    }
    return chosen
  }
}

/// `c_Uᵀ C_UU⁻¹ c_U`, the variance the unpenalized fit on `features` explains; nil when
/// `C_UU` is singular.
private func explainedVariance(_ moments: LIMEPopulationMoments, _ features: [Int]) -> Double? {
  if features.isEmpty { return 0 }
  guard let beta = moments.slopes(features, penalty: 0) else { return nil }
  var s = 0.0
  for (a, j) in features.enumerated() { s += beta[a] * moments.cross[j] }
  return s
}
