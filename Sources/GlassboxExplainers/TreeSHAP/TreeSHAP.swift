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
/// Precision: XGBoost models are computed in float32 with XGBoost's operation order, so
/// attributions equal `pred_contribs` bit for bit (xgboost ≤ 3.2; 3.3+ agrees to float
/// rounding); `base + Σφ` then matches the float32 margin to ≈1e-6 relative. LightGBM and
/// scikit-learn models use double: within ≈1e-12 of the libraries, additive to ≈1e-12.
///
/// - Complexity: O(T · L · D²) per row for T trees with L leaves and depth D; memory
///   O(D² + features · outputs) per batch, no allocation inside the tree walk.
public struct TreeSHAP: Explainer {
  public let ensemble: TreeEnsemble
  /// The expected margin of each output (the bias column of `pred_contribs`).
  public let baseValues: [Double]
  private let storage: Storage

  private enum Storage: Sendable {
    case single(TreeTables<Float>)
    case double(TreeTables<Double>)
  }

  public var method: String { "tree" }
  public var isExact: Bool { true }

  /// Prepares the per-tree tables (means, covers) once.
  /// - Complexity: O(total nodes).
  public init(ensemble: TreeEnsemble) {
    self.ensemble = ensemble
    switch ensemble.accumulation {
    case .float32:
      let tables = TreeTables<Float>(ensemble)
      storage = .single(tables)
      baseValues = Self.bias(ensemble, tables).map { Double($0) }
    case .float64:
      let tables = TreeTables<Double>(ensemble)
      storage = .double(tables)
      baseValues = Self.bias(ensemble, tables)
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
  /// (`count · outputs · features` values; no bias column: see `baseValues`).
  /// - Complexity: O(count · T · L · D²).
  public func contributions(
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
    let e = ensemble
    let m = e.featureCount
    let k = e.outputCount
    let capacity = tables.pathCapacity
    let pathFeature = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
    let pathZero = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    let pathOne = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    let pathWeight = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    let treePhi = UnsafeMutablePointer<T>.allocate(capacity: m + 1)
    let rowPhi = UnsafeMutablePointer<T>.allocate(capacity: k * m)
    let prepared = UnsafeMutablePointer<Double>.allocate(capacity: max(m, 1))
    pathFeature.initialize(repeating: -1, count: capacity)
    pathZero.initialize(repeating: 0, count: capacity)
    pathOne.initialize(repeating: 0, count: capacity)
    pathWeight.initialize(repeating: 0, count: capacity)
    treePhi.initialize(repeating: 0, count: m + 1)
    rowPhi.initialize(repeating: 0, count: k * m)
    defer {
      pathFeature.deallocate()
      pathZero.deallocate()
      pathOne.deallocate()
      pathWeight.deallocate()
      treePhi.deallocate()
      rowPhi.deallocate()
      prepared.deallocate()
    }
    e.nodes.withUnsafeBufferPointer { nodes in
      e.categoryWords.withUnsafeBufferPointer { words in
        tables.values.withUnsafeBufferPointer { values in
          tables.covers.withUnsafeBufferPointer { covers in
            tables.features.withUnsafeBufferPointer { treeFeatures in
              var kernel = PathDependentKernel<T>(
                nodes: nodes.baseAddress!, words: words, values: values.baseAddress!, covers: covers.baseAddress!,
                x: UnsafePointer(prepared), phi: treePhi, pathFeature: pathFeature, pathZero: pathZero,
                pathOne: pathOne, pathWeight: pathWeight)
              kernel.condition = condition
              kernel.conditionFeature = feature
              for r in 0..<count {
                for j in 0..<m { prepared[j] = e.prepared(rows[r * m + j]) }
                rowPhi.update(repeating: 0, count: k * m)
                for t in 0..<e.treeCount {
                  let fs = tables.featureStart[t]
                  let fe = tables.featureStart[t + 1]
                  if fs == fe { continue }  // a single leaf: only the bias changes
                  kernel.run(root: e.treeStart[t])
                  let w = tables.weights[t]
                  let base = e.treeOutputs[t] * m
                  for i in fs..<fe {
                    let f = Int(treeFeatures[i])
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
}
