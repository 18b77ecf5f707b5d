import GlassboxModels

/// Exact interventional Shapley values of LightGBM linear trees (`LinearTreeEnsemble`).
///
/// The value function is the interventional one of shap's `feature_perturbation=
/// "interventional"`, over the background rows `z` with weights `w`:
/// ```
/// v(S) = Σ_z w_z f(x_S, z_S̄) / Σ_z w_z,    φ_j = Shapley value of j in v
/// ```
/// where `(x_S, z_S̄)` takes features in S from the explained row and the others from `z`.
/// `f` is the model exactly as LightGBM evaluates it, linear leaves and their fallback to
/// the constant leaf value when one of the leaf's features is missing included. (shap's
/// own interventional explainer accepts these models but drops the linear parts.)
///
/// For one tree, one row x and one background row z, a leaf contributes
/// `reach(S) · out(S)`: `reach(S) = [A ⊆ S][B ∩ S = ∅]`, where A holds the path's features
/// on which only x satisfies the path and B those on which only z does; `out(S)` is the
/// leaf value `lv` when a feature of the leaf is NaN in the hybrid row, else
/// `c + Σ_i a_i·(x or z)_{f_i}`. With Nx (Nz) the leaf's features that are NaN in x (z):
/// ```
/// reach·out = lv·u(A, B) + (K − lv)·u(A ∪ Nz, B ∪ Nx) + Σ_{j ∉ Nx ∪ Nz} a_j(x_j − z_j)·u(A ∪ Nz ∪ {j}, B ∪ Nx)
/// K = c + Σ_{Nx} a_j z_j + Σ_{Nz} a_j x_j + Σ_{others} a_j z_j
/// ```
/// and the game `u(A, B)(S) = [A ⊆ S][B ∩ S = ∅]` (zero when A and B meet) has the closed
/// form Shapley values `(|A|−1)!|B|!/(|A|+|B|)!` for j ∈ A and `−|A|!(|B|−1)!/(|A|+|B|)!`
/// for j ∈ B. So the values are exact (double rounding only): the tests check them
/// against brute-force enumeration of all 2^M coalitions to 1e-9.
///
/// - Complexity: O(rows · R · Σ_trees L_t · (D + T)·T) for R background rows, L_t leaves
///   reached by the (x, z) pair, path depth D and T terms per leaf; memory O(F·K) per row.
public struct LinearTreeSHAP: Explainer {
  public let model: LinearTreeEnsemble
  public let background: Background
  /// E_z f(z) per output.
  public let baseValues: [Double]
  private let preparedBackground: [Double]
  private let totalWeight: Double

  public var method: String { "tree-interventional" }
  public var isExact: Bool { true }
  public var outputSpace: OutputSpace { .raw }

  /// - Throws: `ExplainerError.invalidBackground` when the background does not fit the model.
  /// - Complexity: O(R · Σ tree depths).
  public init(model: LinearTreeEnsemble, background: Background) throws {
    guard background.featureCount == model.featureCount, background.count > 0 else {
      throw ExplainerError.invalidBackground(
        path: background.source, problem: "it has \(background.featureCount) features, the model \(model.featureCount)")
    }
    guard background.weights.allSatisfy({ $0.isFinite && $0 >= 0 }), background.weights.reduce(0, +) > 0 else {
      throw ExplainerError.invalidBackground(path: background.source, problem: "row weights must be non-negative with a positive sum")
    }
    self.model = model
    self.background = background
    preparedBackground = background.rows.map { model.trees.prepared($0) }
    let total = background.weights.reduce(0, +)
    totalWeight = total
    let k = model.outputCount
    let margins = model.predictMargins(background.rows)
    var base = [Double](repeating: 0, count: k)
    for r in 0..<background.count {
      for c in 0..<k { base[c] += background.weights[r] * margins[r * k + c] }
    }
    baseValues = base.map { $0 / total }
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>, into out: inout [Explanation]
  ) throws {
    let m = model.featureCount
    let k = model.outputCount
    checkExplainInputs(rows, count: count, featureCount: m, rowIndices: rowIndices)
    let margins = model.predictMargins(Array(rows))
    var index = rowIndices.startIndex
    var walk = PairWalk(featureCount: m)
    for r in 0..<count {
      let x = (r * m..<(r + 1) * m).map { model.trees.prepared(rows[$0]) }
      var phi = [Double](repeating: 0, count: k * m)
      for b in 0..<background.count where background.weights[b] > 0 {
        let z = Array(preparedBackground[(b * m)..<((b + 1) * m)])
        let share = background.weights[b] / totalWeight
        for t in 0..<model.trees.treeCount {
          let output = model.trees.treeOutputs[t]
          walk.tree(model, t, x: x, z: z, scale: share * model.trees.treeWeights[t]) { j, v in phi[output * m + j] += v }
        }
      }
      for c in 0..<k {
        out.append(
          Explanation(
            row: rowIndices[index], output: k == 1 ? nil : c, space: .raw, prediction: margins[r * k + c],
            baseValue: baseValues[c], attributions: Array(phi[(c * m)..<((c + 1) * m)]),
            inputs: Array(rows[(r * m)..<((r + 1) * m)])))
      }
      index += 1
    }
  }
}

/// The walk of one tree for one (x, z) pair, with the sets A and B of the path so far.
struct PairWalk {
  /// +1 when the feature is in A (x's side taken), −1 in B (z's side), 0 otherwise.
  private var side: [Int8]
  private var inA: [Int] = []
  private var inB: [Int] = []

  init(featureCount: Int) { side = [Int8](repeating: 0, count: featureCount) }

  /// Adds the contributions of tree `t`, times `scale`, through `add(feature, value)`.
  mutating func tree(
    _ model: LinearTreeEnsemble, _ t: Int, x: [Double], z: [Double], scale: Double, add: (Int, Double) -> Void
  ) {
    let trees = model.trees
    trees.nodes.withUnsafeBufferPointer { nodes in
      trees.categoryWords.withUnsafeBufferPointer { words in
        visit(trees.treeStart[t], model, nodes, words, x: x, z: z, scale: scale, add: add)
      }
    }
  }

  private mutating func visit(
    _ n: Int, _ model: LinearTreeEnsemble, _ nodes: UnsafeBufferPointer<TreeNode>, _ words: UnsafeBufferPointer<UInt32>,
    x: [Double], z: [Double], scale: Double, add: (Int, Double) -> Void
  ) {
    let node = nodes[n]
    if node.isLeaf {
      leaf(n, model, x: x, z: z, scale: scale, add: add)
      return
    }
    let j = Int(node.feature)
    let toX = Int(node.child(x[j], words))
    let toZ = Int(node.child(z[j], words))
    if toX == toZ || side[j] > 0 {
      visit(toX, model, nodes, words, x: x, z: z, scale: scale, add: add)
      return
    }
    if side[j] < 0 {
      visit(toZ, model, nodes, words, x: x, z: z, scale: scale, add: add)
      return
    }
    side[j] = 1
    inA.append(j)
    visit(toX, model, nodes, words, x: x, z: z, scale: scale, add: add)
    inA.removeLast()
    side[j] = -1
    inB.append(j)
    visit(toZ, model, nodes, words, x: x, z: z, scale: scale, add: add)
    inB.removeLast()
    side[j] = 0
  }

  /// The leaf's three kinds of terms (see `LinearTreeSHAP`).
  private mutating func leaf(
    _ n: Int, _ model: LinearTreeEnsemble, x: [Double], z: [Double], scale: Double, add: (Int, Double) -> Void
  ) {
    let terms = model.termStart[n]..<model.termStart[n + 1]
    // A leaf without terms always gives its constant.
    guard !terms.isEmpty else { return Self.unanimity(inA, inB, scale * model.leafConstants[n], add: add) }
    let fallback = model.trees.values[n]
    Self.unanimity(inA, inB, scale * fallback, add: add)
    // The leaf's features with their summed coefficients, in first-seen order.
    var features: [Int] = []
    var coefficients: [Double] = []
    for i in terms {
      let f = model.termFeatures[i]
      if let at = features.firstIndex(of: f) { coefficients[at] += model.termCoefficients[i] } else {
        features.append(f)
        coefficients.append(model.termCoefficients[i])
      }
    }
    var a = inA
    var b = inB
    var constant = model.leafConstants[n]
    var free: [(Int, Double)] = []
    for (f, c) in zip(features, coefficients) {
      switch (x[f].isNaN, z[f].isNaN) {
      case (true, true): return  // the hybrid row always misses f: the leaf value, counted above
      case (true, false):
        if !b.contains(f) { b.append(f) }
        constant += c * z[f]
      case (false, true):
        if !a.contains(f) { a.append(f) }
        constant += c * x[f]
      case (false, false):
        constant += c * z[f]
        free.append((f, c * (x[f] - z[f])))
      }
    }
    Self.unanimity(a, b, scale * (constant - fallback), add: add)
    for (f, d) in free where d != 0 {
      if a.contains(f) {
        Self.unanimity(a, b, scale * d, add: add)
      } else {
        a.append(f)
        Self.unanimity(a, b, scale * d, add: add)
        a.removeLast()
      }
    }
  }

  /// Shapley values, times `value`, of the game `[A ⊆ S][B ∩ S = ∅]` (zero when A and B
  /// share a feature).
  static func unanimity(_ a: [Int], _ b: [Int], _ value: Double, add: (Int, Double) -> Void) {
    guard value != 0, !(a.isEmpty && b.isEmpty) else { return }
    for f in a where b.contains(f) { return }
    let na = a.count
    let nb = b.count
    // (na−1)! nb! / (na+nb)! = 1 / (na · C(na+nb, na)); na! (nb−1)! / (na+nb)! = 1 / (nb · C(na+nb, nb)).
    var binomial = 1.0
    for i in 0..<min(na, nb) { binomial = binomial * Double(na + nb - i) / Double(i + 1) }
    if na > 0 {
      let w = value / (Double(na) * binomial)
      for f in a { add(f, w) }
    }
    if nb > 0 {
      let w = value / (Double(nb) * binomial)
      for f in b { add(f, -w) }
    }
  }
}
