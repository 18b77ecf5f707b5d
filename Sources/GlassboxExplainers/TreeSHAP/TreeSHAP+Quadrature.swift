import GlassboxModels

extension TreeSHAP.Algorithm {
  /// The names `--tree-algorithm` takes: `fast`, `classic` and the xgboost versions whose
  /// `pred_contribs` a mode reproduces (`xgboost-3.2` is `classic`, `xgboost-3.3` is
  /// `quadrature`, for xgboost 3.3 and later).
  public static let names = ["fast", "classic", "xgboost-3.2", "xgboost-3.3"]

  /// The algorithm a `--tree-algorithm` name selects, nil for an unknown name.
  public init?(named name: String) {
    switch name {
    case "fast": self = .fast
    case "classic", "xgboost-3.2": self = .classic
    case "xgboost-3.3": self = .quadrature
    default: return nil
    }
  }
}

extension TreeSHAP {
  /// The bias column of xgboost 3.3+'s `pred_contribs`: per output, the trees' root means
  /// computed and summed in double (`Σ_t w_t · mean_t`, each mean cover-weighted from the
  /// leaves up, 0.5/0.5 under a zero cover), rounded once to float, plus the float base
  /// margin.
  /// - Complexity: O(total nodes).
  static func quadratureBias(_ e: TreeEnsemble) -> [Double] {
    var sums = [Double](repeating: 0, count: e.outputCount)
    var means = [Double](repeating: 0, count: e.nodes.count)
    let cover = { (n: Int) in Double(Float(e.covers[n])) }
    for t in 0..<e.treeCount {
      for n in stride(from: e.treeStart[t + 1] - 1, through: e.treeStart[t], by: -1) {
        let node = e.nodes[n]
        if node.isLeaf {
          means[n] = Double(Float(e.values[n]))
          continue
        }
        let l = Int(node.left)
        let r = Int(node.right)
        means[n] = cover(n) == 0 ? 0.5 * (means[l] + means[r]) : (means[l] * cover(l) + means[r] * cover(r)) / cover(n)
      }
      sums[e.treeOutputs[t]] += means[e.treeStart[t]] * Double(Float(e.treeWeights[t]))
    }
    return (0..<e.outputCount).map { k in Double(Float(sums[k]) + Float(e.baseMargins[k])) }
  }

  /// SHAP values by Quadrature-TreeSHAP in the precision of `tables` (float: xgboost 3.3+'s
  /// `pred_contribs` bit for bit), laid out `[row][output][feature]`.
  /// - Complexity: O(count · total nodes · 8).
  func runQuadrature<T: BinaryFloatingPoint & SIMDScalar>(
    _ tables: TreeTables<T>, _ rows: UnsafeBufferPointer<Double>, _ count: Int, _ out: UnsafeMutableBufferPointer<Double>
  ) {
    let m = ensemble.featureCount
    let ratio = UnsafeMutablePointer<T>.allocate(capacity: m + 1)
    ratio.initialize(repeating: QuadratureKernel<T>.unseen, count: m + 1)
    defer { ratio.deallocate() }
    accumulateRows(tables, rows, count, out) { input in
      let kernel = QuadratureKernel<T>(
        nodes: input.nodes, words: input.words, values: input.values, covers: input.covers, rule: QuadratureRule<T>(),
        x: input.x, phi: input.phi, pathRatio: ratio)
      return { kernel.run(root: $0) }
    }
  }
}
