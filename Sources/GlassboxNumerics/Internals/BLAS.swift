import COpenBLAS

// The only place that calls CBLAS. Public API uses Int; conversion to the 32-bit
// BLAS integer happens here, with a trapping conversion on overflow.

@inline(__always)
func blasInt(_ n: Int) -> Int32 { Int32(n) }

/// C ← alpha·op(A)·op(B) + beta·C, all column-major.
func blas_dgemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
  a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
  beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
) {
  cblas_dgemm(
    CblasColMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c,
    blasInt(ldc))
}

/// y ← alpha·op(A)·x + beta·y, column-major.
func blas_dgemv(
  trans: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
  x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
) {
  cblas_dgemv(
    CblasColMajor, trans ? CblasTrans : CblasNoTrans, blasInt(m), blasInt(n), alpha, a,
    blasInt(lda), x, 1, beta, y, 1)
}

func blas_setThreads(_ n: Int) { openblas_set_num_threads(blasInt(n)) }
func blas_threads() -> Int { Int(openblas_get_num_threads()) }
func blas_config() -> String { String(cString: openblas_get_config()) }
