import GlassboxModels

extension TreeSHAP {
  /// SHAP interaction values (Lundberg et al. 2020, §4.3) in XGBoost's
  /// `pred_interactions` layout: `[row][output][F+1][F+1]`, the last row and column for
  /// the bias.
  ///
  /// Off-diagonal `Φ_ij = (φ_j | x_i on − φ_j | x_i off) / 2`, computed by conditioning the
  /// path-dependent algorithm on feature i; the diagonal is `φ_i − Σ_{j≠i} Φ_ij`, so each
  /// row of the matrix sums to φ_i and the whole matrix to the margin. `[F][F]` is the
  /// base value. XGBoost models are computed in float32 in XGBoost's order (bit for bit
  /// with `pred_interactions` of xgboost ≤ 3.2); others in double.
  ///
  /// - Complexity: O(count · F · T · L · D²) time, O(count · K · F²) memory.
  public func interactions(_ rows: UnsafeBufferPointer<Double>, count: Int) -> [Double] {
    let m = ensemble.featureCount
    let k = ensemble.outputCount
    let width = m + 1
    let single = ensemble.accumulation == .float32
    var result = [Double](repeating: 0, count: count * k * width * width)
    var diagonal = [Double](repeating: 0, count: count * k * m)
    var on = diagonal
    var off = diagonal
    diagonal.withUnsafeMutableBufferPointer { classicContributions(rows, count: count, into: $0) }
    for i in 0..<m {
      on.withUnsafeMutableBufferPointer { conditioned(rows, count: count, into: $0, condition: 1, feature: i) }
      off.withUnsafeMutableBufferPointer { conditioned(rows, count: count, into: $0, condition: -1, feature: i) }
      for r in 0..<count {
        for c in 0..<k {
          let source = (r * k + c) * m
          let target = ((r * k + c) * width + i) * width
          for j in 0..<m where j != i {
            let difference = single ? Double(Float(on[source + j]) - Float(off[source + j])) : on[source + j] - off[source + j]
            result[target + j] = difference / 2
          }
          // Bias column: conditioning never changes it, so the difference is 0.
          result[target + m] = 0
          // XGBoost's order: start at 0, subtract the off-diagonal terms in column order
          // and add φ_i when the column reaches i.
          if single {
            var d: Float = 0
            for j in 0..<width { d = j == i ? d + Float(diagonal[source + i]) : d - Float(result[target + j]) }
            result[target + i] = Double(d)
          } else {
            var d = 0.0
            for j in 0..<width { d = j == i ? d + diagonal[source + i] : d - result[target + j] }
            result[target + i] = d
          }
        }
      }
    }
    for r in 0..<count {
      for c in 0..<k {
        result[((r * k + c) * width + m) * width + m] = baseValues[c]
      }
    }
    return result
  }

  /// Interaction values of rows given as an array (see `interactions(_:count:)`).
  public func interactions(_ rows: [Double]) -> [Double] {
    let m = ensemble.featureCount
    let n = m == 0 ? 0 : rows.count / m
    return rows.withUnsafeBufferPointer { interactions($0, count: n) }
  }
}
