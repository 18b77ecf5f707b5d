/// Products of column-major matrices given as pointers, through BLAS, for loops that run
/// once per explained row and cannot afford `Matrix`'s copies.
///
/// The results depend on OpenBLAS's thread count in the last bits (`BLASRuntime`; glassbox
/// keeps it at one thread); at a given thread count they depend only on the operands.
public enum DenseProducts {
  /// `C = AᵀA` (`columns × columns`, both triangles filled) for A (`rows × columns`,
  /// column-major, leading dimension `rows`).
  /// - Complexity: O(rows · columns²).
  public static func gram(
    _ a: UnsafePointer<Double>, rows: Int, columns: Int, into c: UnsafeMutablePointer<Double>
  ) {
    let p = columns
    if p == 0 { return }
    if rows == 0 {
      c.update(repeating: 0, count: p * p)
      return
    }
    // dgemm rather than dsyrk: measured here (OpenBLAS 0.3.21, AVX-512, one thread) 18.8
    // against 24 µs for 1,200 × 13; the upper triangle is mirrored so that C is exactly
    // symmetric.
    blas_dgemm(
      transA: true, transB: false, m: p, n: p, k: rows, alpha: 1, a: a, lda: rows, b: a, ldb: rows, beta: 0, c: c,
      ldc: p)
    for b in 0..<p { for a in 0..<b { c[b + a * p] = c[a + b * p] } }
  }

  /// `y = alpha·op(A)·x + beta·y` (dgemv) for A (`rows × columns`, column-major, leading
  /// dimension `rows`).
  /// - Complexity: O(rows · columns).
  public static func multiply(
    _ a: UnsafePointer<Double>, rows: Int, columns: Int, transposed: Bool, alpha: Double = 1,
    _ x: UnsafePointer<Double>, beta: Double = 0, into y: UnsafeMutablePointer<Double>
  ) {
    if rows == 0 || columns == 0 { return }
    blas_dgemv(trans: transposed, m: rows, n: columns, alpha: alpha, a: a, lda: rows, x: x, beta: beta, y: y)
  }
}
