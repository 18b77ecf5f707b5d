#if canImport(Glibc)
  import Glibc
#endif

/// The population stability index (PSI) of a feature against a reference.
///
/// ```
/// PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)
/// ```
/// over bins `b`, where `e_b` is the reference's share of bin `b` and `a_b` the data's.
/// A share of 0 is replaced by `epsilon` (1e-4) on either side, so an empty bin
/// contributes a large but finite term (and a bin empty on both sides contributes 0).
/// The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift, 0.25 and above a
/// significant shift.
public enum PopulationStability {
  /// The floor for a bin's share.
  public static let epsilon = 1e-4

  /// How a PSI value reads.
  public enum Band: String, Sendable, Comparable {
    case stable
    case moderate
    case significant

    /// The band of `psi`: [0, 0.1) stable, [0.1, 0.25) moderate, ≥ 0.25 significant.
    public init(psi: Double) {
      self = psi < 0.1 ? .stable : (psi < 0.25 ? .moderate : .significant)
    }

    public static func < (a: Band, b: Band) -> Bool { a.rank < b.rank }

    private var rank: Int {
      switch self {
      case .stable: 0
      case .moderate: 1
      case .significant: 2
      }
    }
  }

  /// The PSI of `actual` bin counts against `expected` bin shares.
  /// - Parameters:
  ///   - expected: the reference's share of each bin (summing to 1).
  ///   - actual: the data's count in each bin, same bins.
  /// - Returns: the index, or nil when `actual` holds no value.
  /// - Complexity: O(bins).
  public static func index(expected: [Double], actual: [Int]) -> Double? {
    precondition(expected.count == actual.count, "expected and actual must have the same bins")
    let total = actual.reduce(0, +)
    guard total > 0 else { return nil }
    var psi = 0.0
    for b in 0..<expected.count {
      let e = max(expected[b], epsilon)
      let a = max(Double(actual[b]) / Double(total), epsilon)
      psi += (a - e) * log(a / e)
    }
    return psi
  }
}
