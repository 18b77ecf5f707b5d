import GlassboxModels

/// Exact path-dependent TreeSHAP (Lundberg et al. 2020, Algorithm 2) for tree ensembles.
///
/// The value function is `E[f(x) | x_S]` estimated by following the tree's own cover
/// statistics, the convention of XGBoost `pred_contribs`, LightGBM `pred_contrib` and
/// `shap.TreeExplainer(model)` without background data:
/// ```
/// φ_j = Σ_S |S|!(M−|S|−1)!/M! · (v(S ∪ {j}) − v(S)),   v(S) = E_cover[f(x) | x_S]
/// base_k = base margin_k + Σ_{t in output k} w_t · (cover-weighted mean of tree t)
/// ```
/// Attributions are in margin (raw) space, one `Explanation` per output.
///
/// Two exact algorithms compute the same values (`Algorithm`):
/// - `.fast` (default): Fast TreeSHAP v2 (Yang 2021) in double. Per tree and leaf, the
///   Shapley weights of all subsets of the path's distinct features are precomputed
///   (`FastTreeTables`); a row then costs one walk over each tree's nodes plus O(D) per
///   leaf. Agrees with the classic algorithm in double to ≈1e-15 of the row's largest
///   |φ|; with XGBoost's float32 `pred_contribs` to ≈1e-6 of it (the float32 rounding of
///   XGBoost); with LightGBM and scikit-learn (shap) to ≈1e-12. Trees whose tables would
///   be too large (more than 12 distinct features on a path, more than 2^16 table pairs
///   per tree or 2^22 in all) fall back to the classic kernel in double.
/// - `.classic`: Algorithm 2 in the library's arithmetic. XGBoost models are computed in
///   float32 with XGBoost's operation order, so attributions equal `pred_contribs` bit for
///   bit (xgboost ≤ 3.2; 3.3+ agrees to float rounding); LightGBM and scikit-learn use
///   double (≈1e-12).
///
/// Base values are computed in the library's arithmetic with either algorithm (float32 for
/// XGBoost: the bias column of `pred_contribs` bit for bit). `base + Σφ` matches the
/// margin to ≈1e-6 relative for XGBoost (float32 margins), ≈1e-12 otherwise.
/// Interaction values always use the classic kernel (see `interactions(_:count:)`).
///
/// - Complexity: `.fast`: O(T · (N + L · D)) per row for T trees with N nodes, L leaves
///   and D distinct features per path, after an O(T · L · 2^D · D) precomputation with
///   O(T · L · 2^D) memory (bounded, see above). `.classic`: O(T · L · D²) per row, memory
///   O(D² + features · outputs) per batch. No allocation inside the tree walks.
public struct TreeSHAP: Explainer {
  /// The exact algorithm used for `contributions` and `explain`.
  public enum Algorithm: String, Sendable, CaseIterable {
    /// Fast TreeSHAP v2 in double (falls back to classic double for oversized trees).
    case fast
    /// Lundberg's Algorithm 2 in the library's arithmetic (float32, bit for bit with
    /// xgboost ≤ 3.2's `pred_contribs`, for XGBoost; double otherwise).
    case classic
    /// Quadrature-TreeSHAP with xgboost 3.3+'s fixed 8-point rule, in the library's
    /// arithmetic (float32, bit for bit with xgboost 3.3+'s `pred_contribs`, checked against
    /// 3.4.1, for XGBoost; double otherwise). Exact for paths of at most 8 distinct
    /// features; an approximation, as xgboost's, beyond.
    case quadrature
  }

  public let ensemble: TreeEnsemble
  /// The algorithm used for SHAP values.
  public let algorithm: Algorithm
  /// The expected margin of each output (the bias column of `pred_contribs`).
  public private(set) var baseValues: [Double]
  private let storage: Storage
  private let fast: FastPathDependentKernel?

  private enum Storage: Sendable {
    case single(TreeTables<Float>)
    case double(TreeTables<Double>)
  }

  public var method: String { "tree" }
  public var isExact: Bool { true }

  /// Prepares the per-tree tables (means, covers and, for `.fast`, the leaf tables) once.
  /// - Parameters:
  ///   - ensemble: the model.
  ///   - algorithm: `.fast` (default) or `.classic` (bit for bit with XGBoost).
  /// - Complexity: O(total nodes) for `.classic`; plus O(Σ_leaves 2^d · d) for `.fast`.
  public init(ensemble: TreeEnsemble, algorithm: Algorithm = .fast) {
    self.init(ensemble: ensemble, algorithm: algorithm, limits: FastTreeTables.Limits())
  }

  /// `limits` bounds the fast tables; trees beyond them use the classic kernel in double
  /// (`treeEntries: 0` gives the classic algorithm in double for every tree).
  init(ensemble: TreeEnsemble, algorithm: Algorithm, limits: FastTreeTables.Limits) {
    self.ensemble = ensemble
    self.algorithm = algorithm
    var doubleTables: TreeTables<Double>?
    switch ensemble.accumulation {
    case .float32:
      let tables = TreeTables<Float>(ensemble)
      storage = .single(tables)
      baseValues = Self.bias(ensemble, tables).map { Double($0) }
    case .float64:
      let tables = TreeTables<Double>(ensemble)
      storage = .double(tables)
      baseValues = Self.bias(ensemble, tables)
      doubleTables = tables
    }
    switch algorithm {
    case .fast:
      fast = FastPathDependentKernel(
        ensemble: ensemble, fast: FastTreeTables(ensemble, limits: limits), classic: doubleTables ?? TreeTables<Double>(ensemble))
    case .classic:
      fast = nil
    case .quadrature:
      fast = nil
      if ensemble.accumulation == .float32 { baseValues = Self.quadratureBias(ensemble) }
    }
  }

  /// The bias column: per output, Σ w_t · mean_t(root) in tree order, then the base margin.
  private static func bias<T: BinaryFloatingPoint>(_ e: TreeEnsemble, _ tables: TreeTables<T>) -> [T] {
    var b = [T](repeating: 0, count: e.outputCount)
    for t in 0..<e.treeCount {
      b[e.treeOutputs[t]] += tables.means[e.treeStart[t]] * tables.weights[t]
    }
    for k in 0..<e.outputCount { b[k] += T(e.baseMargins[k]) }
    return b
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]
  ) throws {
    checkExplainInputs(rows, count: count, featureCount: ensemble.featureCount, rowIndices: rowIndices)
    let m = ensemble.featureCount
    let k = ensemble.outputCount
    var contributions = [Double](repeating: 0, count: count * k * m)
    contributions.withUnsafeMutableBufferPointer { c in
      self.contributions(rows, count: count, into: c)
    }
    var margins = [Double](repeating: 0, count: count * k)
    margins.withUnsafeMutableBufferPointer { ensemble.predictMargins(rows, count: count, into: $0) }
    var index = rowIndices.startIndex
    out.reserveCapacity(out.count + count * k)
    for r in 0..<count {
      let inputs = Array(rows[(r * m)..<((r + 1) * m)])
      for c in 0..<k {
        let start = (r * k + c) * m
        out.append(
          Explanation(
            row: rowIndices[index], output: k == 1 ? nil : c, space: .raw, prediction: margins[r * k + c],
            baseValue: baseValues[c], attributions: Array(contributions[start..<(start + m)]), inputs: inputs))
      }
      index += 1
    }
  }

  /// Writes SHAP values for `count` rows into `out`, laid out `[row][output][feature]`
  /// (`count · outputs · features` values; no bias column: see `baseValues`), with
  /// `algorithm`.
  /// - Complexity: O(count · T · (N + L · D)) for `.fast`, O(count · T · L · D²) for `.classic`.
  public func contributions(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(out.count >= count * ensemble.outputCount * ensemble.featureCount)
    if let fast {
      fast.contributions(rows, count: count, into: out)
    } else if algorithm == .quadrature {
      switch storage {
      case .single(let tables): runQuadrature(tables, rows, count, out)
      case .double(let tables): runQuadrature(tables, rows, count, out)
      }
    } else {
      classicContributions(rows, count: count, into: out)
    }
  }

  /// SHAP values by the classic algorithm in the library's arithmetic, whatever
  /// `algorithm` is (the diagonal of interaction values).
  func classicContributions(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(out.count >= count * ensemble.outputCount * ensemble.featureCount)
    switch storage {
    case .single(let tables): run(tables, rows, count, out, condition: 0, feature: -1)
    case .double(let tables): run(tables, rows, count, out, condition: 0, feature: -1)
    }
  }

  /// Conditioned contributions (`condition` +1 = feature fixed on, −1 = off), the
  /// building block of interaction values.
  func conditioned(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>,
    condition: Int, feature: Int
  ) {
    switch storage {
    case .single(let tables): run(tables, rows, count, out, condition: condition, feature: feature)
    case .double(let tables): run(tables, rows, count, out, condition: condition, feature: feature)
    }
  }

  private func run<T: BinaryFloatingPoint>(
    _ tables: TreeTables<T>, _ rows: UnsafeBufferPointer<Double>, _ count: Int,
    _ out: UnsafeMutableBufferPointer<Double>, condition: Int, feature: Int
  ) {
    let capacity = tables.pathCapacity
    let pathFeature = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
    let pathZero = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    let pathOne = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    let pathWeight = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    pathFeature.initialize(repeating: -1, count: capacity)
    pathZero.initialize(repeating: 0, count: capacity)
    pathOne.initialize(repeating: 0, count: capacity)
    pathWeight.initialize(repeating: 0, count: capacity)
    defer {
      pathFeature.deallocate()
      pathZero.deallocate()
      pathOne.deallocate()
      pathWeight.deallocate()
    }
    accumulateRows(tables, rows, count, out) { input in
      var kernel = PathDependentKernel<T>(
        nodes: input.nodes, words: input.words, values: input.values, covers: input.covers, x: input.x, phi: input.phi,
        pathFeature: pathFeature, pathZero: pathZero, pathOne: pathOne, pathWeight: pathWeight)
      kernel.condition = condition
      kernel.conditionFeature = feature
      let configured = kernel
      return { configured.run(root: $0) }
    }
  }

  /// What a tree kernel reads, handed out by `accumulateRows`.
  struct TreeWalkInputs<T: BinaryFloatingPoint> {
    let nodes: UnsafePointer<TreeNode>
    let words: UnsafeBufferPointer<UInt32>
    let values: UnsafePointer<T>
    let covers: UnsafePointer<T>
    /// The current row, prepared (`TreeEnsemble.prepared`).
    let x: UnsafePointer<Double>
    /// Per-tree output the kernel adds into, one slot per feature (+1), zeroed between trees.
    let phi: UnsafeMutablePointer<T>
  }

  /// The per-row loop shared by the tree kernels. `makeTree` builds the kernel once from
  /// the inputs; then for each row the inputs are prepared, the kernel runs on every tree
  /// with a split (adding the tree's values into `phi`), and the trees are folded into the
  /// row with their weights in tree order (the order XGBoost sums in), written to `out` as
  /// `[output][feature]`.
  /// - Complexity: O(count · (features · outputs + Σ_t distinct features of t)) besides
  ///   the kernel; O(features · outputs) scratch.
  func accumulateRows<T: BinaryFloatingPoint>(
    _ tables: TreeTables<T>, _ rows: UnsafeBufferPointer<Double>, _ count: Int, _ out: UnsafeMutableBufferPointer<Double>,
    makeTree: (TreeWalkInputs<T>) -> (Int) -> Void
  ) {
    let e = ensemble
    let m = e.featureCount
    let k = e.outputCount
    let treePhi = UnsafeMutablePointer<T>.allocate(capacity: m + 1)
    let rowPhi = UnsafeMutablePointer<T>.allocate(capacity: k * m)
    let prepared = UnsafeMutablePointer<Double>.allocate(capacity: max(m, 1))
    treePhi.initialize(repeating: 0, count: m + 1)
    rowPhi.initialize(repeating: 0, count: k * m)
    defer {
      treePhi.deallocate()
      rowPhi.deallocate()
      prepared.deallocate()
    }
    e.nodes.withUnsafeBufferPointer { nodes in
      e.categoryWords.withUnsafeBufferPointer { words in
        tables.values.withUnsafeBufferPointer { values in
          tables.covers.withUnsafeBufferPointer { covers in
            let tree = makeTree(
              TreeWalkInputs(
                nodes: nodes.baseAddress!, words: words, values: values.baseAddress!, covers: covers.baseAddress!,
                x: UnsafePointer(prepared), phi: treePhi))
            for r in 0..<count {
              for j in 0..<m { prepared[j] = e.prepared(rows[r * m + j]) }
              rowPhi.update(repeating: 0, count: k * m)
              for t in 0..<e.treeCount {
                let fs = tables.featureStart[t]
                let fe = tables.featureStart[t + 1]
                if fs == fe { continue }  // a single leaf: only the bias changes
                tree(e.treeStart[t])
                let w = tables.weights[t]
                let base = e.treeOutputs[t] * m
                for i in fs..<fe {
                  let f = Int(tables.features[i])
                  rowPhi[base + f] += treePhi[f] * w
                  treePhi[f] = 0
                }
              }
              let o = r * k * m
              for i in 0..<(k * m) { out[o + i] = Double(rowPhi[i]) }
            }
          }
        }
      }
    }
  }
}
