import GlassboxModels
import GlassboxSystem

/// Interventional TreeSHAP with interaction values: each explanation carries its row's
/// `InteractionMatrix` of the interventional game `v(S) = E_r[f(x_S, r_S̄)]` over the
/// background (shap's `TreeExplainer(feature_perturbation="interventional")` returns zeros
/// for these, shap issue 1824).
///
/// The off-diagonal `Φ_ij` is half the Shapley interaction index of the game
/// (`InterventionalInteractions`); the diagonal is the main effect
/// `Φ_ii = φ_i − Σ_{j≠i} Φ_ij`, with φ the attributions of `InterventionalTreeSHAP`, so each
/// row of the matrix sums to the feature's SHAP value and the whole matrix to
/// `f(x) − E[f]`; `[F][F]` is the base value E[f], the rest of the bias row and column 0.
/// Equal to brute force over every coalition to ≈1e-14 relative.
///
/// Raw (margin) space only: the probability link is not additive, so the pair terms of a
/// leaf would depend on the whole row, not on the leaf alone.
///
/// - Complexity: per row the cost of `InterventionalTreeSHAP` plus that of
///   `InterventionalInteractions.add` plus O(K · F²); memory O(rows · K · F²) per call.
public struct InterventionalInteractionExplainer: Explainer {
  /// The SHAP values (and base values) the matrices' rows add up to.
  public let shap: InterventionalTreeSHAP
  private let pairs: InterventionalInteractions

  public var method: String { shap.method }
  public var isExact: Bool { true }
  public var outputSpace: OutputSpace { .raw }

  /// Trees whose pair terms come from decision-pattern histograms (the others run per
  /// background row).
  public var patternTreeCount: Int { pairs.patternRoots.count }
  /// The bytes of the interaction tables.
  public var tableBytes: Int { pairs.tableBytes }

  /// Which algorithm ran, for reports: the SHAP values' note, and how the pair terms were
  /// computed when that differs.
  public var algorithmDescription: String {
    let trees = shap.ensemble.treeCount
    let split = pairs.pairTrees.count
    let interactions =
      split == 0
      ? "interaction values by decision patterns"
      : "interaction values by decision patterns in \(trees - split) of \(trees) trees, per pair in the rest"
    return shap.algorithmDescription + "; " + interactions
  }

  /// - Parameters:
  ///   - shap: interventional TreeSHAP over the background (raw space).
  ///   - tableLimit: the interaction tables' budget in doubles (tests lower it).
  /// - Throws: `ExplainerError.unsupportedOutput` when `shap` explains probabilities or
  ///   its background was streamed (no rows kept).
  public init(shap: InterventionalTreeSHAP, tableLimit: Int? = nil) throws {
    guard shap.space == .raw else {
      throw ExplainerError.unsupportedOutput(
        method: shap.method,
        problem:
          "interaction values add up in the raw margin only (the logistic link of \(Parameter("output")) probability is not additive); drop \(Parameter("output")) probability to get them in log-odds")
    }
    guard shap.streamedChunks == nil else {
      throw ExplainerError.unsupportedOutput(
        method: shap.method, problem: "interaction values need the background rows in memory; build the SHAP values from a whole background")
    }
    self.shap = shap
    pairs = InterventionalInteractions(
      shap.ensemble, background: shap.background,
      tableLimit: tableLimit ?? InterventionalInteractions.maxTableEntries)
  }

  /// Interventional interaction values of `ensemble` against `background` (raw space).
  public init(ensemble: TreeEnsemble, background: Background) throws {
    try self.init(shap: InterventionalTreeSHAP(ensemble: ensemble, background: background))
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]
  ) throws {
    checkExplainInputs(rows, count: count, featureCount: shap.ensemble.featureCount, rowIndices: rowIndices)
    let first = out.count
    try shap.explain(rows, count: count, rowIndices: rowIndices, into: &out)
    let e = shap.ensemble
    let m = e.featureCount
    let k = e.outputCount
    precondition(out.count - first == count * k)
    let prepared = rows.map { e.prepared($0) }
    var terms = [Double](repeating: 0, count: count * k * m * m)
    prepared.withUnsafeBufferPointer { x in
      terms.withUnsafeMutableBufferPointer { t in
        if count > 0 { pairs.add(prepared: x.baseAddress!, count: count, into: t.baseAddress!, e) }
      }
    }
    let width = m + 1
    for block in 0..<(count * k) {
      let explanation = out[first + block]
      let source = block * m * m
      var matrix = [Double](repeating: 0, count: width * width)
      for i in 0..<m {
        for j in (i + 1)..<max(i + 1, m) {
          let v = terms[source + i * m + j] + terms[source + j * m + i]
          matrix[i * width + j] = v
          matrix[j * width + i] = v
        }
      }
      for i in 0..<m {
        var main = explanation.attributions[i]
        for j in 0..<m where j != i { main -= matrix[i * width + j] }
        matrix[i * width + i] = main
      }
      matrix[m * width + m] = explanation.baseValue
      out[first + block].payload = InteractionMatrix(featureCount: m, values: matrix)
    }
  }
}
