/// A fitted weighted ridge regression `ŷ = intercept + xᵀ coefficients`.
public struct RidgeFit: Sendable, Equatable {
  public var intercept: Double
  public var coefficients: [Double]
  /// The weighted coefficient of determination on the training data,
  /// `1 − Σw(y−ŷ)² / Σw(y−ȳ_w)²` (as scikit-learn's `score` with `sample_weight`).
  public var rSquared: Double
}

/// Weighted ridge regression with an unpenalized intercept.
///
/// Minimizes
/// ```
/// Σ_i w_i (y_i − b − x_iᵀβ)² + α ‖β‖²
/// ```
/// as scikit-learn's `Ridge(alpha, fit_intercept=True).fit(X, y, sample_weight=w)`:
/// columns and targets are centred with weighted means, then the augmented system
/// `[√W·Xc; √α·I] β = [√W·yc; 0]` is solved by QR (LAPACK dgels), which is full rank
/// for any `α > 0`.
///
/// - Parameters:
///   - x: `m × n` features.
///   - y: `m` targets.
///   - weights: `m` non-negative weights with a positive sum.
///   - alpha: the penalty, `α ≥ 0` (`α = 0` is weighted least squares and may throw
///     `rankDeficient`).
/// - Complexity: O((m + n) · n²).
public func ridgeRegression(
  _ x: Matrix, _ y: [Double], weights: [Double], alpha: Double
) throws(LinearAlgebraError) -> RidgeFit {
  let m = x.rows
  let n = x.columns
  guard y.count == m, weights.count == m else {
    throw .dimensionMismatch(operation: "ridge", expected: "\(m) targets and weights", found: "\(y.count), \(weights.count)")
  }
  guard alpha >= 0, alpha.isFinite else { throw .nonFinite(operation: "ridge alpha") }
  let totalWeight = weights.reduce(0, +)
  guard totalWeight > 0, totalWeight.isFinite else { throw .nonFinite(operation: "ridge weights") }
  var xMean = [Double](repeating: 0, count: n)
  var yMean = 0.0
  for i in 0..<m {
    yMean += weights[i] * y[i]
    for j in 0..<n { xMean[j] += weights[i] * x[i, j] }
  }
  yMean /= totalWeight
  for j in 0..<n { xMean[j] /= totalWeight }

  let rowsAugmented = m + n
  var a = Matrix(rows: rowsAugmented, columns: n)
  var b = [Double](repeating: 0, count: rowsAugmented)
  for i in 0..<m {
    let s = weights[i].squareRoot()
    b[i] = s * (y[i] - yMean)
    for j in 0..<n { a[i, j] = s * (x[i, j] - xMean[j]) }
  }
  let penalty = alpha.squareRoot()
  for j in 0..<n { a[m + j, j] = penalty }
  let beta = try leastSquares(a, b, solver: .qr)
  var intercept = yMean
  for j in 0..<n { intercept -= xMean[j] * beta[j] }

  var residual = 0.0
  var total = 0.0
  for i in 0..<m {
    var prediction = intercept
    for j in 0..<n { prediction += x[i, j] * beta[j] }
    residual += weights[i] * (y[i] - prediction) * (y[i] - prediction)
    total += weights[i] * (y[i] - yMean) * (y[i] - yMean)
  }
  let r2 = total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
  return RidgeFit(intercept: intercept, coefficients: beta, rSquared: r2)
}
