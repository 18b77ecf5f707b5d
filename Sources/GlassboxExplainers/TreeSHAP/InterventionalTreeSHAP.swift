import GlassboxModels

#if canImport(Glibc)
  import Glibc
#endif

/// Exact interventional TreeSHAP (Lundberg et al. 2020, "independent" perturbation):
/// Shapley values of `v(S) = E_r[f(x_S, r_S̄)]`, the expectation over background rows r.
///
/// For each background row the trees are walked along the paths of x and r at once; a
/// leaf reached with features A following x and B following r adds
/// ```
/// φ_i += v · (|A|−1)! |B|! / (|A|+|B|)!    for i ∈ A
/// φ_i −= v · |A|! (|B|−1)! / (|A|+|B|)!    for i ∈ B
/// ```
/// The result is the (weighted) mean over the background; the base value is the mean
/// margin of the background rows. Equals `shap.TreeExplainer(model, data=bg,
/// feature_perturbation="interventional")` (≈1e-12 in double; XGBoost models, which shap
/// evaluates from float32 trees in double, agree to ≈1e-7).
///
/// With `space: .probability` (logistic models only) the attributions of each background
/// row are rescaled by `(σ(f(x)) − σ(f(r))) / (f(x) − f(r))`, shap's
/// `model_output="probability"` convention, so they add up to σ(f(x)) − E_r σ(f(r)).
///
/// - Complexity: O(R · T · L) per row for R background rows, T trees, L leaves;
///   memory O(features · outputs + depth).
public struct InterventionalTreeSHAP: Explainer {
  public let ensemble: TreeEnsemble
  public let background: Background
  /// The output space of the attributions.
  public let space: OutputSpace
  /// The (weighted) mean output of the background rows, per model output.
  public let baseValues: [Double]
  private let preparedBackground: [Double]
  private let backgroundMargins: [Double]
  private let weightTable: [Double]
  private let maxFeatures: Int

  public var method: String { "tree-interventional" }
  public var isExact: Bool { true }

  /// - Parameters:
  ///   - ensemble: the model.
  ///   - background: reference rows (shap recommends 100–1000).
  ///   - space: `.raw` (margins) or `.probability` (logistic models).
  /// - Throws: `ExplainerError.invalidBackground` when the background does not fit the
  ///   model; `ExplainerError.unsupportedOutput` for probability on a non-logistic model.
  public init(ensemble: TreeEnsemble, background: Background, space: OutputSpace = .raw) throws {
    guard background.featureCount == ensemble.featureCount, background.count > 0 else {
      throw ExplainerError.invalidBackground(
        path: background.source,
        problem: "it has \(background.featureCount) features, the model \(ensemble.featureCount)")
    }
    guard background.weights.allSatisfy({ $0.isFinite && $0 >= 0 }), background.weights.reduce(0, +) > 0 else {
      throw ExplainerError.invalidBackground(path: background.source, problem: "row weights must be non-negative with a positive sum")
    }
    if space == .probability && ensemble.transform != .logistic {
      throw ExplainerError.unsupportedOutput(
        method: "tree-interventional",
        problem: "probability attributions need a logistic (binary) model; this one has a \(ensemble.transform.linkName) link")
    }
    self.ensemble = ensemble
    self.background = background
    self.space = space
    preparedBackground = background.rows.map { ensemble.prepared($0) }
    let margins = Self.margins(ensemble, preparedBackground, count: background.count)
    backgroundMargins = margins
    let k = ensemble.outputCount
    let total = background.weights.reduce(0, +)
    var base = [Double](repeating: 0, count: k)
    for r in 0..<background.count {
      for c in 0..<k {
        let v = space == .probability ? Self.sigmoid(margins[r * k + c]) : margins[r * k + c]
        base[c] += background.weights[r] * v
      }
    }
    baseValues = base.map { $0 / total }
    // weightTable[a * stride + b] = a! b! / (a+b+1)!, for a + b < distinct features on a path.
    let n = min(ensemble.featureCount, ensemble.maxDepth) + 1
    maxFeatures = n
    var table = [Double](repeating: 0, count: n * n)
    for a in 0..<n {
      for b in 0..<(n - a) {
        // a! b! / (a+b+1)! computed as 1 / ((a+b+1) · C(a+b, a)).
        var binom = 1.0
        for i in 0..<min(a, b) { binom = binom * Double(a + b - i) / Double(i + 1) }
        table[a * n + b] = 1 / (Double(a + b + 1) * binom)
      }
    }
    weightTable = table
  }

  static func sigmoid(_ x: Double) -> Double { 1 / (1 + Glibc.exp(-x)) }

  /// Double-precision margins of prepared rows (shap's own evaluation of the trees).
  static func margins(_ e: TreeEnsemble, _ rows: [Double], count: Int) -> [Double] {
    let m = e.featureCount
    let k = e.outputCount
    var out = [Double](repeating: 0, count: count * k)
    e.nodes.withUnsafeBufferPointer { nodes in
      e.categoryWords.withUnsafeBufferPointer { words in
        rows.withUnsafeBufferPointer { x in
          for r in 0..<count {
            for c in 0..<k { out[r * k + c] = e.baseMargins[c] }
            for t in 0..<e.treeCount {
              let leaf = e.leaf(tree: t, row: x.baseAddress! + r * m, nodes: nodes, words: words)
              out[r * k + e.treeOutputs[t]] += e.treeWeights[t] * e.values[leaf]
            }
          }
        }
      }
    }
    return out
  }

  public func explain(
    _ rows: UnsafeBufferPointer<Double>, count: Int, rowIndices: ArraySlice<Int>,
    into out: inout [Explanation]
  ) throws {
    let e = ensemble
    let m = e.featureCount
    let k = e.outputCount
    let prepared = rows.map { e.prepared($0) }
    let margins = Self.margins(e, prepared, count: count)
    var phi = [Double](repeating: 0, count: k * m)
    var pairPhi = [Double](repeating: 0, count: k * m)
    var state = [UInt8](repeating: 0, count: m)
    var stack = [Int](repeating: 0, count: 2 * (e.maxDepth + 1))
    let total = background.weights.reduce(0, +)
    var index = rowIndices.startIndex
    for r in 0..<count {
      for i in 0..<(k * m) { phi[i] = 0 }
      for b in 0..<background.count where background.weights[b] > 0 {
        for i in 0..<(k * m) { pairPhi[i] = 0 }
        prepared.withUnsafeBufferPointer { x in
          preparedBackground.withUnsafeBufferPointer { z in
            let walker = PairWalker(
              ensemble: e, x: x.baseAddress! + r * m, z: z.baseAddress! + b * m, table: weightTable,
              stride: maxFeatures)
            walker.walk(phi: &pairPhi, state: &state, stack: &stack)
          }
        }
        let w = background.weights[b] / total
        for c in 0..<k {
          var scale = w
          if space == .probability {
            let fx = margins[r * k + c]
            let fz = backgroundMargins[b * k + c]
            scale *= fx == fz ? 0 : (Self.sigmoid(fx) - Self.sigmoid(fz)) / (fx - fz)
          }
          for j in 0..<m { phi[c * m + j] += scale * pairPhi[c * m + j] }
        }
      }
      let inputs = Array(rows[(r * m)..<((r + 1) * m)])
      for c in 0..<k {
        let prediction = space == .probability ? Self.sigmoid(margins[r * k + c]) : margins[r * k + c]
        out.append(
          Explanation(
            row: rowIndices[index], output: k == 1 ? nil : c, space: space, prediction: prediction,
            baseValue: baseValues[c], attributions: Array(phi[(c * m)..<((c + 1) * m)]), inputs: inputs))
      }
      index += 1
    }
  }
}

/// Walks every tree along the paths of x and a reference z together.
private struct PairWalker {
  let ensemble: TreeEnsemble
  let x: UnsafePointer<Double>
  let z: UnsafePointer<Double>
  let table: [Double]
  let stride: Int

  func walk(phi: inout [Double], state: inout [UInt8], stack: inout [Int]) {
    let e = ensemble
    e.nodes.withUnsafeBufferPointer { nodes in
      e.categoryWords.withUnsafeBufferPointer { words in
        phi.withUnsafeMutableBufferPointer { phi in
          state.withUnsafeMutableBufferPointer { state in
            stack.withUnsafeMutableBufferPointer { stack in
              table.withUnsafeBufferPointer { table in
                var context = Context(
                  nodes: nodes, words: words, x: x, z: z, phi: phi, state: state, stack: stack, table: table,
                  stride: stride)
                for t in 0..<e.treeCount {
                  context.base = e.treeOutputs[t] * e.featureCount
                  context.weight = e.treeWeights[t]
                  context.values = e.values
                  context.visit(e.treeStart[t], 0, 0, 0)
                }
              }
            }
          }
        }
      }
    }
  }

  struct Context {
    let nodes: UnsafeBufferPointer<TreeNode>
    let words: UnsafeBufferPointer<UInt32>
    let x: UnsafePointer<Double>
    let z: UnsafePointer<Double>
    let phi: UnsafeMutableBufferPointer<Double>
    /// Per feature: 0 free, 1 follows x, 2 follows z.
    let state: UnsafeMutableBufferPointer<UInt8>
    /// Features currently fixed, in order.
    let stack: UnsafeMutableBufferPointer<Int>
    let table: UnsafeBufferPointer<Double>
    let stride: Int
    var base = 0
    var weight = 1.0
    var values: [Double] = []

    /// - Parameters: node, size of the fixed stack, |A| (x side), |B| (z side).
    func visit(_ node: Int, _ depth: Int, _ nx: Int, _ nz: Int) {
      let n = nodes[node]
      if n.left < 0 {
        if depth == 0 { return }
        let v = values[node] * weight
        let up = nx > 0 ? v * table[(nx - 1) * stride + nz] : 0
        let down = nz > 0 ? v * table[nx * stride + nz - 1] : 0
        for i in 0..<depth {
          let f = stack[i]
          if state[f] == 1 { phi[base + f] += up } else { phi[base + f] -= down }
        }
        return
      }
      let f = Int(n.feature)
      let xc = Int(n.child(x[f], words))
      let zc = Int(n.child(z[f], words))
      if xc == zc {
        visit(xc, depth, nx, nz)
        return
      }
      switch state[f] {
      case 1: visit(xc, depth, nx, nz)
      case 2: visit(zc, depth, nx, nz)
      default:
        stack[depth] = f
        state[f] = 1
        visit(xc, depth + 1, nx + 1, nz)
        state[f] = 2
        visit(zc, depth + 1, nx, nz + 1)
        state[f] = 0
      }
    }
  }
}
