import GlassboxModels

/// The SHAP interaction values of one row and output (path-dependent TreeSHAP), carried by
/// its `Explanation` as a payload.
///
/// `values` is the `(F+1) × (F+1)` matrix of xgboost's `pred_interactions`, row-major: the
/// off-diagonal `Φ_ij = Φ_ji` is half the pair's interaction effect, the diagonal `Φ_ii` the
/// main effect of feature i, the last row and column the bias (`[F][F]` the base value).
/// Each row of the matrix sums to the feature's SHAP value.
public struct InteractionMatrix: ExplanationPayload, Equatable {
  public let featureCount: Int
  public let values: [Double]

  public init(featureCount: Int, values: [Double]) {
    precondition(values.count == (featureCount + 1) * (featureCount + 1))
    self.featureCount = featureCount
    self.values = values
  }

  public var isAdditive: Bool { true }

  /// `Φ_ij` (i, j < F; i == j the main effect).
  public func value(_ i: Int, _ j: Int) -> Double { values[i * (featureCount + 1) + j] }

  /// The main effects `Φ_ii`, per feature.
  public var mainEffects: [Double] { (0..<featureCount).map { value($0, $0) } }

  /// The `count` feature pairs (i < j) with the largest |Φ_ij|, strongest first (ties by
  /// i, then j); pairs whose value is 0 are left out.
  /// - Complexity: O(F² log F).
  public func strongestPairs(_ count: Int) -> [(i: Int, j: Int, value: Double)] {
    var pairs: [(i: Int, j: Int, value: Double)] = []
    for i in 0..<featureCount {
      for j in (i + 1)..<max(i + 1, featureCount) where value(i, j) != 0 { pairs.append((i, j, value(i, j))) }
    }
    pairs.sort { a, b in
      abs(a.value) != abs(b.value) ? abs(a.value) > abs(b.value) : (a.i, a.j) < (b.i, b.j)
    }
    return Array(pairs.prefix(count))
  }
}

extension Explanation {
  /// The interaction values the explanation carries, if any.
  public var interactions: InteractionMatrix? { payload as? InteractionMatrix }
}

/// Path-dependent TreeSHAP with interaction values: each explanation carries its row's
/// `InteractionMatrix` (xgboost's `pred_interactions`, bit for bit for XGBoost models; see
/// `TreeSHAP.interactions`), and its attributions are the matrix's row sums' SHAP values
/// from `TreeSHAP`.
///
/// - Complexity: O(F) times path-dependent TreeSHAP per row for F features; memory
///   O(rows · outputs · F²) per call.
public struct TreeInteractionExplainer: Explainer {
  public let tree: TreeSHAP

  public init(tree: TreeSHAP) { self.tree = tree }

  public var method: String { tree.method }
  public var isExact: Bool { true }
  public var outputSpace: OutputSpace { .raw }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]
  ) throws {
    let first = out.count
    try tree.explain(rows, count: count, rowIndices: rowIndices, into: &out)
    let m = tree.ensemble.featureCount
    let k = tree.ensemble.outputCount
    let width = (m + 1) * (m + 1)
    let matrices = tree.interactions(rows, count: count)
    for e in first..<out.count {
      let block = (e - first) * width
      out[e].payload = InteractionMatrix(featureCount: m, values: Array(matrices[block..<(block + width)]))
    }
    precondition(out.count - first == count * k)
  }
}
