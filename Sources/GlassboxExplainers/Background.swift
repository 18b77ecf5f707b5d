import GlassboxData

/// Reference data that attributions are measured against: "what is typical".
///
/// Rows are model inputs (row-major, model feature order), with optional weights.
public struct Background: Sendable {
  /// Row-major `count × featureCount` inputs.
  public let rows: [Double]
  public let count: Int
  public let featureCount: Int
  /// Row weights (all 1 when not given).
  public let weights: [Double]
  /// Where the rows came from, for messages and audit records.
  public let source: String

  public init(rows: [Double], featureCount: Int, weights: [Double]? = nil, source: String) {
    precondition(featureCount > 0 && rows.count % featureCount == 0)
    self.rows = rows
    self.featureCount = featureCount
    self.count = rows.count / featureCount
    self.weights = weights ?? [Double](repeating: 1, count: rows.count / featureCount)
    self.source = source
  }

  /// Reads a background CSV through `encoder` (same column matching and label mapping as
  /// the data), keeping every row.
  /// - Throws: `DataError` for unreadable input, `ExplainerError.invalidBackground` when empty.
  public static func read(path: String, schema: FeatureSchema) throws -> Background {
    try BackgroundStream(path: path, schema: schema).readAll()
  }

  /// The weighted mean of each feature over non-missing values (NaN when a feature is
  /// missing in every row).
  /// - Complexity: O(count · featureCount).
  public var means: [Double] {
    var sums = [Double](repeating: 0, count: featureCount)
    var totals = [Double](repeating: 0, count: featureCount)
    for r in 0..<count {
      let w = weights[r]
      for j in 0..<featureCount {
        let x = rows[r * featureCount + j]
        if !x.isNaN {
          sums[j] += w * x
          totals[j] += w
        }
      }
    }
    return (0..<featureCount).map { totals[$0] > 0 ? sums[$0] / totals[$0] : .nan }
  }
}
