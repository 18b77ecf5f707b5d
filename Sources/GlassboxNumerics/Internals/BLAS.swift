import COpenBLAS

#if canImport(Glibc)
  import Glibc
#endif

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

/// Sets OpenBLAS's thread count; at one thread, also stops its idle worker threads.
///
/// OpenBLAS starts a worker per core when it loads, and an idle worker spins on
/// `sched_yield` for a while after each job (and after start-up): measured here, about
/// 5,500 calls and 20 ms of CPU in a short run, on the core glassbox's own workers need.
/// `blas_thread_shutdown_` (what OpenBLAS itself calls before `fork`) stops them; a
/// later multi-threaded call would start them again. Looked up at run time, so builds
/// of OpenBLAS without it still link.
func blas_setThreads(_ n: Int) {
  openblas_set_num_threads(blasInt(n))
  if n == 1, let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") {
    typealias Shutdown = @convention(c) () -> Int32
    _ = unsafeBitCast(symbol, to: Shutdown.self)()
  }
}
func blas_threads() -> Int { Int(openblas_get_num_threads()) }
func blas_config() -> String { String(cString: openblas_get_config()) }
