import COpenBLAS

// The only place that calls LAPACKE. `lapack_int` is a macro Swift cannot see; it is
// Int32 on Debian's build (no 64-bit integers).
typealias LAPACKInt = Int32

/// Minimum-norm least squares by SVD (dgelsd). A and B are overwritten; B has
/// max(m, n) rows and `nrhs` columns. Returns the effective rank and LAPACK's info.
func lapack_dgelsd(
  m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
  b: UnsafeMutablePointer<Double>, ldb: Int, singularValues: UnsafeMutablePointer<Double>,
  rcond: Double
) -> (rank: Int, info: Int) {
  var rank: LAPACKInt = 0
  let info = LAPACKE_dgelsd(
    LAPACK_COL_MAJOR, LAPACKInt(m), LAPACKInt(n), LAPACKInt(nrhs), a, LAPACKInt(lda), b,
    LAPACKInt(ldb), singularValues, rcond, &rank)
  return (Int(rank), Int(info))
}

/// Least squares by QR (dgels), full column rank assumed; A and B are overwritten.
func lapack_dgels(
  m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
  b: UnsafeMutablePointer<Double>, ldb: Int
) -> Int {
  Int(
    LAPACKE_dgels(
      LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), LAPACKInt(m), LAPACKInt(n),
      LAPACKInt(nrhs), a, LAPACKInt(lda), b, LAPACKInt(ldb)))
}
