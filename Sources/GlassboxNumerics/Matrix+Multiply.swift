extension Matrix {
  /// The product `op(self) · op(other)` through BLAS dgemm.
  ///
  /// - Parameters:
  ///   - other: the right operand.
  ///   - transposeSelf: use `selfᵀ`.
  ///   - transposeOther: use `otherᵀ`.
  /// - Throws: `LinearAlgebraError.dimensionMismatch` when the inner sizes differ.
  /// - Complexity: O(m · n · k). The result depends on OpenBLAS's thread count in the
  ///   last bits (see `BLASRuntime`).
  public func multiplied(
    by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
  ) throws(LinearAlgebraError) -> Matrix {
    let m = transposeSelf ? columns : rows
    let k = transposeSelf ? rows : columns
    let k2 = transposeOther ? other.columns : other.rows
    let n = transposeOther ? other.rows : other.columns
    guard k == k2 else {
      throw .dimensionMismatch(operation: "gemm", expected: "inner size \(k)", found: "\(k2)")
    }
    var c = Matrix(rows: m, columns: n)
    if m == 0 || n == 0 { return c }
    if k == 0 { return c }
    storage.withUnsafeBufferPointer { a in
      other.storage.withUnsafeBufferPointer { b in
        c.storage.withUnsafeMutableBufferPointer { cp in
          blas_dgemm(
            transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, alpha: 1,
            a: a.baseAddress!, lda: max(1, rows), b: b.baseAddress!, ldb: max(1, other.rows),
            beta: 0, c: cp.baseAddress!, ldc: max(1, m))
        }
      }
    }
    return c
  }

  /// The matrix-vector product `op(self) · x` through BLAS dgemv.
  /// - Throws: `LinearAlgebraError.dimensionMismatch` when `x` has the wrong length.
  /// - Complexity: O(rows · columns).
  public func multiplied(
    by x: [Double], transposed: Bool = false
  ) throws(LinearAlgebraError) -> [Double] {
    let inner = transposed ? rows : columns
    let outer = transposed ? columns : rows
    guard x.count == inner else {
      throw .dimensionMismatch(operation: "gemv", expected: "\(inner) values", found: "\(x.count)")
    }
    var y = [Double](repeating: 0, count: outer)
    if outer == 0 || inner == 0 { return y }
    storage.withUnsafeBufferPointer { a in
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          blas_dgemv(
            trans: transposed, m: rows, n: columns, alpha: 1, a: a.baseAddress!,
            lda: max(1, rows), x: xp.baseAddress!, beta: 0, y: yp.baseAddress!)
        }
      }
    }
    return y
  }
}
