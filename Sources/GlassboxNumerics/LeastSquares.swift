/// How a least-squares problem is factorized.
public enum LeastSquaresSolver: Sendable {
  /// Householder QR (LAPACK dgels), with rank deficiency detected from R's diagonal.
  case qr
  /// Singular value decomposition (LAPACK dgelsd), rank decided by `rcond`.
  case svd
}

/// Weighted linear least squares.
///
/// Solves
/// ```
/// minimize_β  Σ_i w_i (y_i − a_iᵀ β)²
/// ```
/// by scaling each row by √w_i and factorizing with LAPACK; never through normal
/// equations, so the conditioning is that of A, not of AᵀA.
///
/// - Parameters:
///   - a: the `m × n` design matrix, `m ≥ n`.
///   - y: `m` targets.
///   - weights: `m` non-negative weights (nil means all 1).
///   - solver: QR (faster) or SVD (more robust).
///   - relativeTolerance: a column whose singular value (or R diagonal) falls below
///     `relativeTolerance · largest` counts as dependent. The default
///     `max(m, n) · ε` is LAPACK's usual choice.
/// - Returns: the `n` coefficients.
/// - Throws: `LinearAlgebraError.rankDeficient` when A (after weighting) does not have
///   full column rank, instead of returning one of infinitely many solutions;
///   `.dimensionMismatch`; `.nonFinite`.
/// - Complexity: O(m · n²).
public func leastSquares(
  _ a: Matrix, _ y: [Double], weights: [Double]? = nil, solver: LeastSquaresSolver = .qr,
  relativeTolerance: Double? = nil
) throws(LinearAlgebraError) -> [Double] {
  let m = a.rows
  let n = a.columns
  guard y.count == m else {
    throw .dimensionMismatch(operation: "least squares", expected: "\(m) targets", found: "\(y.count)")
  }
  if let w = weights, w.count != m {
    throw .dimensionMismatch(operation: "least squares", expected: "\(m) weights", found: "\(w.count)")
  }
  guard m >= n else { throw .rankDeficient(routine: "least squares", rank: m, columns: n) }
  if n == 0 { return [] }
  var scaled = a.storage
  var rhs = y
  if let w = weights {
    for i in 0..<m {
      guard w[i] >= 0, w[i].isFinite else { throw .nonFinite(operation: "least squares weights") }
      let s = w[i].squareRoot()
      rhs[i] *= s
      for j in 0..<n { scaled[i + j * m] *= s }
    }
  }
  guard scaled.allSatisfy({ $0.isFinite }), rhs.allSatisfy({ $0.isFinite }) else {
    throw .nonFinite(operation: "least squares")
  }
  let tolerance = relativeTolerance ?? (Double(max(m, n)) * Double.ulpOfOne)
  switch solver {
  case .svd:
    var sv = [Double](repeating: 0, count: n)
    let (rank, info) = scaled.withUnsafeMutableBufferPointer { ap in
      rhs.withUnsafeMutableBufferPointer { bp in
        sv.withUnsafeMutableBufferPointer { sp in
          lapack_dgelsd(
            m: m, n: n, nrhs: 1, a: ap.baseAddress!, lda: m, b: bp.baseAddress!, ldb: m,
            singularValues: sp.baseAddress!, rcond: tolerance)
        }
      }
    }
    guard info == 0 else { throw .lapackFailure(routine: "dgelsd", info: info) }
    guard rank == n else { throw .rankDeficient(routine: "dgelsd", rank: rank, columns: n) }
    return Array(rhs[0..<n])
  case .qr:
    let info = scaled.withUnsafeMutableBufferPointer { ap in
      rhs.withUnsafeMutableBufferPointer { bp in
        lapack_dgels(m: m, n: n, nrhs: 1, a: ap.baseAddress!, lda: m, b: bp.baseAddress!, ldb: m)
      }
    }
    // R sits in the upper triangle of the overwritten A.
    var largest = 0.0
    for j in 0..<n { largest = max(largest, abs(scaled[j + j * m])) }
    var rank = 0
    for j in 0..<n where abs(scaled[j + j * m]) > tolerance * largest { rank += 1 }
    if info > 0 || rank < n || largest == 0 {
      throw .rankDeficient(routine: "dgels", rank: rank, columns: n)
    }
    guard info == 0 else { throw .lapackFailure(routine: "dgels", info: info) }
    return Array(rhs[0..<n])
  }
}
