import GlassboxSystem
import GlassboxData
import GlassboxModels

/// Exact interventional SHAP values of a linear model.
///
/// With independent features the Shapley value of feature j for output k is
/// ```
/// φ_kj = w_kj · (x_j − μ_j),        base_k = b_k + Σ_j w_kj · μ_j
/// ```
/// where μ are the reference means (background, or the means stored in the model).
/// A missing x_j takes μ_j, so φ_kj = 0 and the row notes the imputation.
/// Attributions are in the margin (raw) space, where they add up exactly:
/// `base + Σφ = margin` to rounding (≈1e-15 relative).
///
/// - Complexity: O(rows · features · outputs).
public struct LinearSHAP: Explainer {
  public let model: LinearModel
  /// The reference means μ.
  public let means: [Double]
  private let baseValues: [Double]
  private let featureNames: [String]

  public var method: String { "linear" }
  public var isExact: Bool { true }

  /// - Parameters:
  ///   - model: the linear model.
  ///   - background: reference rows; when nil the model's stored means are used.
  /// - Throws: `ExplainerError.invalidBackground` when neither gives a mean for every feature.
  public init(model: LinearModel, background: Background?) throws {
    let reference: [Double]
    if let background {
      reference = background.means
      if let j = reference.firstIndex(where: { $0.isNaN }) {
        throw ExplainerError.invalidBackground(
          path: background.source, problem: "the feature '\(model.featureNames[j])' is missing in every row")
      }
    } else if let stored = model.means {
      reference = stored
    } else {
      throw ExplainerError.unsupportedModel(
        method: "linear", model: "linear (without stored means)",
        hint: "give \(Parameter.background) CSV with reference rows, or add \"means\" to the model file")
    }
    self.model = model
    self.means = reference
    self.featureNames = model.featureNames
    self.baseValues = (0..<model.outputCount).map { k in
      var b = model.intercepts[k]
      for j in 0..<reference.count { b += model.coefficients[k][j] * reference[j] }
      return b
    }
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]
  ) throws {
    checkExplainInputs(rows, count: count, featureCount: featureNames.count, rowIndices: rowIndices)
    let m = featureNames.count
    let k = model.outputCount
    var indices = rowIndices.startIndex
    for r in 0..<count {
      let inputs = Array(rows[(r * m)..<((r + 1) * m)])
      var notes: [String] = []
      for j in 0..<m where inputs[j].isNaN {
        notes.append("\(featureNames[j]) is missing: imputed with the reference mean \(shortNumber(means[j]))")
      }
      for c in 0..<k {
        let w = model.coefficients[c]
        var attributions = [Double](repeating: 0, count: m)
        var margin = model.intercepts[c]
        for j in 0..<m {
          let x = inputs[j].isNaN ? means[j] : inputs[j]
          attributions[j] = w[j] * (x - means[j])
          margin += w[j] * x
        }
        out.append(
          Explanation(
            row: rowIndices[indices], output: k == 1 ? nil : c, space: .raw, prediction: margin,
            baseValue: baseValues[c], attributions: attributions, inputs: inputs, notes: notes))
      }
      indices += 1
    }
  }
}

/// A compact number for messages: up to 6 significant digits.
func shortNumber(_ x: Double) -> String {
  let rounded = (x * 1e4).rounded() / 1e4
  return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
}
