import GlassboxData

/// Reads XGBoost `gblinear` boosters as a `LinearModel` computed as XGBoost does.
///
/// Layout: `gradient_booster.model.weights` holds `(num_feature + 1) × G` float32 values;
/// feature `j` of group `g` is `w[j·G + g]`, the bias of group `g` is `w[num_feature·G + g]`.
/// The margin is `bias_g + base_margin + Σ_j w·x_j` summed in float32 in that order, a
/// missing input adding nothing, and the base margin is ProbToMargin(`base_score[0]`) for
/// every group (XGBoost's gblinear ignores the other entries of a vector intercept).
/// Contributions (`pred_contribs`) are `w·x_j` per feature: the linear model's stored means
/// are zeros, so linear SHAP gives exactly those.
enum XGBoostLinearLoader {
  /// - Throws: `ModelError.invalid` for sizes or values that do not fit.
  /// - Complexity: O(features × groups).
  static func load(_ header: XGBoostHeader, f: TreeFields) throws -> LinearModel {
    let model = try f.object(header.booster["model"], "gradient_booster.model")
    let weights = try f.numbers(model["weights"], "gradient_booster.model.weights")
    let m = header.featureCount
    let g = header.outputCount
    guard weights.count == (m + 1) * g else {
      throw f.invalid("gradient_booster.model.weights", "\(weights.count) weights for (\(m) features + bias) × \(g) outputs")
    }
    if let i = weights.firstIndex(where: { !($0.isFinite && abs($0) <= TreeEnsembleBuilder.float32ValueBound) }) {
      throw f.invalid("gradient_booster.model.weights[\(i)]", "\(weights[i]) is not a finite number within ±\(TreeEnsembleBuilder.float32ValueBound)")
    }
    let base = try header.baseMargins(perOutput: false, f: f)
    let coefficients = (0..<g).map { k in (0..<m).map { j in Double(Float(weights[j * g + k])) } }
    let intercepts = (0..<g).map { k in Double(Float(weights[m * g + k]) + Float(base[k])) }
    var linear = LinearModel(
      featureNames: header.names, coefficients: coefficients, intercepts: intercepts, transform: header.transform,
      means: [Double](repeating: 0, count: m))
    linear.float32Sums = true
    linear.provenance = header.provenance(boosting: "gblinear", vectorLeafTrees: 0)
    linear.objective = header.objective
    return linear
  }
}
