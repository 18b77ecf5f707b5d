import GlassboxExplainers

/// The attributions of every analysed row, kept so that any grouping can average them.
///
/// Memory: rows × features doubles (50,000 × 13 ≈ 5 MB).
public struct AttributionTable: Sendable {
  /// Feature names, in model order.
  public let featureNames: [String]
  /// Row-major `rows × features` attributions.
  public let values: [Double]
  /// The explained output of each row (`base + Σφ` up to the explainer's additivity).
  public let predictions: [Double]
  /// The base value of each row (constant for one explainer and output).
  public let baseValues: [Double]
  /// The explainer ("linear", "tree", ...).
  public let method: String
  /// Where the numbers live (margin or probability).
  public let space: OutputSpace
  /// True when the attributions are exact Shapley values.
  public let isExact: Bool

  public init(
    featureNames: [String], values: [Double], predictions: [Double], baseValues: [Double], method: String,
    space: OutputSpace, isExact: Bool
  ) {
    precondition(values.count == predictions.count * featureNames.count && baseValues.count == predictions.count)
    self.featureNames = featureNames
    self.values = values
    self.predictions = predictions
    self.baseValues = baseValues
    self.method = method
    self.space = space
    self.isExact = isExact
  }

  /// A table from one explanation per row, in row order.
  public init(featureNames: [String], explanations: [Explanation], method: String, isExact: Bool) {
    self.init(
      featureNames: featureNames, values: explanations.flatMap(\.attributions),
      predictions: explanations.map(\.prediction), baseValues: explanations.map(\.baseValue), method: method,
      space: explanations.first?.space ?? .raw, isExact: isExact)
  }

  /// The number of rows.
  public var rowCount: Int { predictions.count }
}

/// Mean attribution of each feature in each group.
///
/// Means use Neumaier-compensated sums, so their rounding error does not grow with the
/// group's size.
/// - Complexity: O(rows · features).
public struct GroupAttribution: Sendable {
  /// `means[g][j]`: the mean attribution of feature j over group g.
  public let means: [[Double]]
  /// The mean explained output of each group.
  public let meanPrediction: [Double]
  /// The mean base value of each group.
  public let meanBase: [Double]

  public init(_ table: AttributionTable, grouping: Grouping) {
    precondition(table.rowCount == grouping.rowCount)
    let m = table.featureNames.count
    var sums = [[CompensatedSum]](repeating: [CompensatedSum](repeating: CompensatedSum(), count: m), count: grouping.count)
    var predictions = [CompensatedSum](repeating: CompensatedSum(), count: grouping.count)
    var bases = predictions
    for r in 0..<table.rowCount {
      let g = Int(grouping.membership[r])
      for j in 0..<m { sums[g][j].add(table.values[r * m + j]) }
      predictions[g].add(table.predictions[r])
      bases[g].add(table.baseValues[r])
    }
    let counts = grouping.counts.map { Double($0) }
    means = sums.enumerated().map { g, row in row.map { $0.value / counts[g] } }
    meanPrediction = predictions.enumerated().map { $1.value / counts[$0] }
    meanBase = bases.enumerated().map { $1.value / counts[$0] }
  }
}

/// The exact split of a gap in mean model output between two groups into per-feature parts.
///
/// With additive attributions `f(x) = φ₀ + Σ_j φ_j(x)` and one base value φ₀ for all rows,
/// ```
/// gap = mean_A f − mean_B f = Σ_j (mean_A φ_j − mean_B φ_j)
/// ```
/// so the parts add up to the gap. `residual = gap − Δbase − Σ parts` measures what the
/// explainer's additivity and the rounding leave over: ≈1e-15 relative for linear SHAP and
/// double-precision trees, ≈1e-7 for XGBoost trees (float32 arithmetic).
public struct GapDecomposition: Sendable, Equatable {
  /// The group compared (A).
  public let group: Int
  /// The group compared with (B).
  public let reference: Int
  /// mean_A f − mean_B f.
  public let gap: Double
  /// Per feature: mean_A φ_j − mean_B φ_j.
  public let contributions: [Double]
  /// mean_A φ₀ − mean_B φ₀ (0 when the explainer has one base value).
  public let baseDifference: Double
  /// gap − baseDifference − Σ contributions.
  public let residual: Double

  /// Decomposes the gap between groups `group` and `reference`.
  /// - Complexity: O(features).
  public init(_ attribution: GroupAttribution, group: Int, reference: Int) {
    self.group = group
    self.reference = reference
    gap = attribution.meanPrediction[group] - attribution.meanPrediction[reference]
    contributions = zip(attribution.means[group], attribution.means[reference]).map { $0 - $1 }
    baseDifference = attribution.meanBase[group] - attribution.meanBase[reference]
    var total = CompensatedSum()
    for c in contributions { total.add(c) }
    residual = gap - baseDifference - total.value
  }

  /// Feature j's share of the decomposition: |part_j| / Σ_k |part_k| (0 when every part is 0).
  public func share(_ j: Int) -> Double {
    let total = contributions.reduce(0) { $0 + abs($1) }
    return total > 0 ? abs(contributions[j]) / total : 0
  }
}

/// Neumaier's compensated summation: error O(ε) independent of the number of terms.
struct CompensatedSum: Sendable {
  private var sum = 0.0
  private var compensation = 0.0

  @inline(__always)
  mutating func add(_ x: Double) {
    let t = sum + x
    if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
    sum = t
  }

  var value: Double { sum + compensation }
}
