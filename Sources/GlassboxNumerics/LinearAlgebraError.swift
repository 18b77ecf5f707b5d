/// Failures of the dense linear-algebra routines.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The operands' shapes do not fit together.
  case dimensionMismatch(operation: String, expected: String, found: String)
  /// The system's matrix has numerical rank below its column count, so the
  /// solution is not unique. `rank` is the rank LAPACK determined.
  case rankDeficient(routine: String, rank: Int, columns: Int)
  /// A LAPACK routine reported an illegal argument or did not converge.
  case lapackFailure(routine: String, info: Int)
  /// An input contained NaN or an infinity.
  case nonFinite(operation: String)

  public var description: String {
    switch self {
    case .dimensionMismatch(let op, let expected, let found):
      return "\(op): dimension mismatch, expected \(expected), found \(found)"
    case .rankDeficient(let routine, let rank, let columns):
      return "\(routine): the system is rank deficient (rank \(rank) of \(columns) columns); "
        + "remove duplicated or constant columns, or add regularization"
    case .lapackFailure(let routine, let info):
      return "\(routine) failed (info \(info))"
    case .nonFinite(let op):
      return "\(op): input contains NaN or infinity"
    }
  }
}
