import GlassboxNumerics

/// The lasso regularization path by least-angle regression (LARS with the lasso
/// modification), as scikit-learn's `lars_path(X, y, method="lasso")`.
///
/// Starting from β = 0, the variable most correlated with the residual joins the active
/// set; β then moves along the equiangular direction until another variable is as
/// correlated (it joins) or an active coefficient crosses zero (it leaves). Each knot of
/// that piecewise-linear path is returned. Bookkeeping (the order in which inactive
/// variables are scanned, the `1e-7` degeneracy test on the Cholesky pivot, rounding of
/// the correlations to 15 decimals, stopping when α = C/n ≤ float32 ε or α rises) follows
/// scikit-learn so that the same knots appear; coefficients agree to rounding (≈1e-12).
///
/// - Parameters:
///   - x: `n × p` design (already centred and weighted by the caller).
///   - y: `n` targets.
/// - Returns: the knots' coefficients, `coefs[k][j]` for knot k (knot 0 is all zeros).
/// - Complexity: O(n·p² + knots · p³).
public func lassoPath(_ x: Matrix, _ y: [Double]) -> [[Double]] {
  let n = x.rows, p = x.columns
  var gram = [Double](repeating: 0, count: p * p)
  var xy = [Double](repeating: 0, count: p)
  for a in 0..<p {
    var s = 0.0
    for i in 0..<n { s += x[i, a] * y[i] }
    xy[a] = s
    for b in a..<p {
      var g = 0.0
      for i in 0..<n { g += x[i, a] * x[i, b] }
      gram[a * p + b] = g
      gram[b * p + a] = g
    }
  }
  func g(_ a: Int, _ b: Int) -> Double { gram[a * p + b] }
  let tiny32 = Double(Float.leastNormalMagnitude)
  let eps32 = Double(Float.ulpOfOne)
  var indices = Array(0..<p)  // position → feature; actives first
  var cov = xy  // correlations of the inactive positions nActive..<p, aligned with `indices`
  var active: [Int] = []
  var signs: [Double] = []
  var chol: [[Double]] = []  // lower-triangular rows of the active Gram's Cholesky factor
  var coef = [Double](repeating: 0, count: p)
  var path: [[Double]] = [coef]
  var previousAlpha = Double.infinity
  var drop = false
  var iteration = 0
  let nSamples = Double(n)

  func minPositive(_ xs: [Double]) -> Double { xs.filter { $0 > 0 }.min() ?? Double.greatestFiniteMagnitude }

  while true {
    var chosen = 0
    var c = 0.0
    var cSigned = 0.0
    if !cov.isEmpty {
      for k in cov.indices where abs(cov[k]) > abs(cov[chosen]) { chosen = k }
      cSigned = cov[chosen]
      c = abs(cSigned)
    }
    let alpha = c / nSamples
    if alpha <= eps32 { break }
    if iteration >= 500 || active.count >= p { break }
    if !drop {
      let m = active.count
      cov.swapAt(chosen, 0)
      indices.swapAt(m + chosen, m)
      let feature = indices[m]
      var row = active.map { g(feature, $0) }
      for r in 0..<row.count {  // forward substitution L z = G_A,new
        var s = row[r]
        for k in 0..<r { s -= chol[r][k] * row[k] }
        row[r] = s / chol[r][r]
      }
      let v = row.reduce(0) { $0 + $1 * $1 }
      let diag = max(abs(g(feature, feature) - v).squareRoot(), Double.ulpOfOne)
      if diag < 1e-7 {
        cov[0] = 0
        cov.swapAt(chosen, 0)
        continue
      }
      cov.removeFirst()
      chol.append(row + [diag])
      active.append(feature)
      signs.append(cSigned > 0 ? 1 : (cSigned < 0 ? -1 : 0))
    }
    if iteration > 0 && previousAlpha < alpha { break }
    let k = active.count
    // Solve (L Lᵀ) w = signs.
    var w = signs
    for r in 0..<k {
      var s = w[r]
      for q in 0..<r { s -= chol[r][q] * w[q] }
      w[r] = s / chol[r][r]
    }
    for r in stride(from: k - 1, through: 0, by: -1) {
      var s = w[r]
      for q in (r + 1)..<k { s -= chol[q][r] * w[q] }
      w[r] = s / chol[r][r]
    }
    var aa: Double
    if k == 1 && w[0] == 0 {
      w[0] = 1
      aa = 1
    } else {
      var t = 0.0
      for r in 0..<k { t += w[r] * signs[r] }
      aa = 1 / max(t, Double.ulpOfOne).squareRoot()
      for r in 0..<k { w[r] *= aa }
    }
    let inactive = Array(indices[k...])
    let correlation = inactive.map { f -> Double in
      var s = 0.0
      for r in 0..<k { s += g(f, active[r]) * w[r] }
      return (s * 1e15).rounded(.toNearestOrEven) / 1e15
    }
    let g1 = minPositive(zip(cov, correlation).map { (c - $0) / (aa - $1 + tiny32) })
    let g2 = minPositive(zip(cov, correlation).map { (c + $0) / (aa + $1 + tiny32) })
    var gamma = min(g1, g2, c / aa)
    drop = false
    let z = (0..<k).map { -coef[active[$0]] / (w[$0] + tiny32) }
    let zPositive = minPositive(z)
    var dropped: [Int] = []
    if zPositive < gamma {
      dropped = (0..<k).filter { z[$0] == zPositive }.reversed()
      for d in dropped { signs[d] = -signs[d] }
      gamma = zPositive
      drop = true
    }
    iteration += 1
    var next = [Double](repeating: 0, count: p)
    for r in 0..<k { next[active[r]] = coef[active[r]] + gamma * w[r] }
    coef = next
    path.append(coef)
    previousAlpha = alpha
    for q in cov.indices { cov[q] -= gamma * correlation[q] }
    if drop {
      var leaving: [Int] = []
      for d in dropped {
        leaving.append(active.remove(at: d))
        signs.remove(at: d)
        indices.remove(at: d)
      }
      for f in leaving { indices.insert(f, at: active.count) }
      // Fresh Cholesky of the remaining active Gram.
      chol = []
      for r in 0..<active.count {
        var row = [Double](repeating: 0, count: r + 1)
        for q in 0...r {
          var s = g(active[r], active[q])
          for t in 0..<q { s -= row[t] * chol[q][t] }
          row[q] = q == r ? max(s, 0).squareRoot() : s / chol[q][q]
        }
        chol.append(row)
      }
      var fresh: [Double] = []
      for f in leaving {
        var s = xy[f]
        for a in active { s -= g(f, a) * coef[a] }
        fresh.append(s)
      }
      cov = fresh.reversed() + cov
    }
  }
  return path
}
