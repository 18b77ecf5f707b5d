import GlassboxNumerics

/// Kernel SHAP's weighted least squares with the efficiency constraint built in.
///
/// Solves, for one output,
/// ```
/// minimize_φ  Σ_i w_i (v(S_i) − v(∅) − Σ_{j∈S_i} φ_j)²   subject to  Σ_j φ_j = v(N) − v(∅) = Δ
/// ```
/// by the null-space method: `φ = (Δ/M)·1 + H β` with H the M×(M−1) Helmert basis of
/// {φ : Σφ = 0} (orthonormal columns, so the reduced problem is as well conditioned as the
/// original), and β from an unconstrained weighted least squares solved by LAPACK
/// (Householder QR, dgels, or SVD, dgelsd). Unlike shap, which eliminates the last
/// feature and leaves it the regression's error, no feature is singled out. The last
/// rounding of Σφ is spread evenly, so `Σφ = Δ` holds to a few ulps.
enum KernelRegression {
  /// - Parameters:
  ///   - masks: coalitions (bit j = player j present), none empty or full.
  ///   - weights: kernel weights, one per mask.
  ///   - values: `v(S_i)` for output `output`, from a row-major `masks.count × valueStride` table.
  ///   - empty: v(∅); `full`: v(N).
  /// - Throws: `LinearAlgebraError.rankDeficient` when the coalitions do not determine φ.
  /// - Complexity: O(n · M²) for n coalitions.
  static func solve(
    masks: ArraySlice<UInt64>, weights: ArraySlice<Double>, values: ArraySlice<Double>, valueStride: Int,
    output: Int, empty: Double, full: Double, players m: Int, solver: LeastSquaresSolver
  ) throws(LinearAlgebraError) -> [Double] {
    let delta = full - empty
    if m == 1 { return [delta] }
    let n = masks.count
    let columns = m - 1
    let norms = (0..<columns).map { j in 1 / (Double((j + 1) * (j + 2))).squareRoot() }
    var design = [Double](repeating: 0, count: n * columns)
    var target = [Double](repeating: 0, count: n)
    var i = 0
    for (index, mask) in zip(masks.indices, masks) {
      var prefix = 0.0
      for j in 0..<columns {
        prefix += mask & (1 << UInt64(j)) != 0 ? 1 : 0
        let nextIn: Double = mask & (1 << UInt64(j + 1)) != 0 ? 1 : 0
        design[i + j * n] = (prefix - Double(j + 1) * nextIn) * norms[j]
      }
      let size = Double(mask.nonzeroBitCount)
      let v = values[values.startIndex + (index - masks.startIndex) * valueStride + output]
      target[i] = v - empty - size * delta / Double(m)
      i += 1
    }
    let beta = try leastSquares(
      Matrix(rows: n, columns: columns, columnMajor: design), target, weights: Array(weights), solver: solver)
    var phi = [Double](repeating: delta / Double(m), count: m)
    // φ_l += Σ_{j ≥ l} β_j norms_j  (l ≤ j)  −  β_{l−1} · l · norms_{l−1}  (l ≥ 1).
    var tail = 0.0
    for l in stride(from: m - 1, through: 0, by: -1) {
      if l <= columns - 1 { tail += beta[l] * norms[l] }
      phi[l] += tail
      if l >= 1 { phi[l] -= beta[l - 1] * Double(l) * norms[l - 1] }
    }
    let gap = delta - phi.reduce(0, +)
    for l in 0..<m { phi[l] += gap / Double(m) }
    return phi
  }
}
