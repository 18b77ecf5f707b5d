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
/// Evaluation: raw attributions of trees whose paths have at most
/// `InterventionalTables.maxPathFeatures` distinct features come from per-leaf tables
/// built at init (the background enters only through per-leaf weight sums), one walk per
/// row and tree. Other trees, and probability attributions, use the pair walk over
/// precomputed split directions (`NodeDirections`), once per class of background rows
/// with equal directions in the tree (`BackgroundClasses`), skipping pairs that reach
/// the same leaf. Both agree with the classic pair recursion to ≈1e-15 relative.
///
/// - Complexity: tabled trees O(T · (N + L · d)) per row for T trees of N nodes, L
///   leaves, d ≤ 8 distinct path features, after an O(R · T · N + Σ_leaves 4^d · d)
///   build; other trees O(R · T · L) per row for R background rows; memory
///   O(Σ_leaves 2^d · d + R · (N / 64 + T)).
public struct InterventionalTreeSHAP: Explainer {
  public let ensemble: TreeEnsemble
  public let background: Background
  /// The output space of the attributions.
  public let space: OutputSpace
  /// The (weighted) mean output of the background rows, per model output.
  public let baseValues: [Double]
  /// Split directions and leaves of every background row.
  private let backgroundDirections: NodeDirections
  /// Background rows grouped per tree by their directions.
  private let backgroundClasses: BackgroundClasses
  /// Raw-space per-leaf tables (nil for probability attributions).
  private let tables: InterventionalTables?
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
    let preparedRows = background.rows.map { ensemble.prepared($0) }
    let directions = preparedRows.withUnsafeBufferPointer {
      NodeDirections(ensemble, prepared: $0, count: background.count)
    }
    backgroundDirections = directions
    backgroundClasses = BackgroundClasses(ensemble, directions: directions, count: background.count)
    let margins = Self.margins(ensemble, preparedRows, count: background.count)
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
    tables =
      space == .raw
      ? InterventionalTables(
        ensemble, directions: directions, weights: background.weights, weightTable: table, stride: n) : nil
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
      checkExplainInputs(rows, count: count, featureCount: ensemble.featureCount, rowIndices: rowIndices)
      let e = ensemble
      let m = e.featureCount
      let k = e.outputCount
      let prepared = rows.map { e.prepared($0) }
      let margins = Self.margins(e, prepared, count: count)
      var phi = [Double](repeating: 0, count: k * m)
      let total = background.weights.reduce(0, +)
      var index = rowIndices.startIndex
      let directions = backgroundDirections
    let classes = backgroundClasses
    let words = directions.wordCount
    let trees = directions.treeCount
    let backgroundCount = background.count
    var xBits = [UInt64](repeating: 0, count: words)
    var xLeaves = [Int32](repeating: 0, count: max(1, trees))
    // Per (background row, output): the row's weight in this explanation.
    var scales = [Double](repeating: 0, count: backgroundCount * k)
    var classWeights = [Double](repeating: 0, count: backgroundCount)
    // One walker for the whole batch: no array is retained, copied or allocated per row,
    // background row or tree.
    PairWalker.with(e, table: weightTable, stride: maxFeatures) { walker in
      prepared.withUnsafeBufferPointer { x in
        directions.bits.withUnsafeBufferPointer { zBits in
          directions.leaves.withUnsafeBufferPointer { zLeaves in
            xBits.withUnsafeMutableBufferPointer { xb in
              xLeaves.withUnsafeMutableBufferPointer { xl in
                for r in 0..<count {
                  NodeDirections.fill(e, row: x.baseAddress! + r * m, bits: xb.baseAddress!, leaves: xl.baseAddress!)
                  for b in 0..<backgroundCount {
                    let w = background.weights[b] / total
                    for c in 0..<k {
                      var scale = w
                      if space == .probability {
                        let fx = margins[r * k + c]
                        let fz = backgroundMargins[b * k + c]
                        scale *= fx == fz ? 0 : (Self.sigmoid(fx) - Self.sigmoid(fz)) / (fx - fz)
                      }
                      scales[b * k + c] = scale
                    }
                  }
                  walker.phi.update(repeating: 0, count: k * m)
                  for t in 0..<trees {
                    let g = e.treeOutputs[t]
                    if let tables, tables.treeIsTabled[t] {
                      tables.withWalk(e) { nodes, info, stack in
                        tables.add(
                          nodes, info, stack: stack, root: e.treeStart[t], x: UnsafePointer(xb.baseAddress!),
                          phi: walker.phi + g * m)
                      }
                      continue
                    }
                    let first = classes.classStart[t]
                    let n = classes.classStart[t + 1] - first
                    for u in 0..<n { classWeights[u] = 0 }
                    for b in 0..<backgroundCount { classWeights[Int(classes.classOf[t * backgroundCount + b])] += scales[b * k + g] }
                    for u in 0..<n where classWeights[u] != 0 {
                      let rep = Int(classes.representatives[first + u])
                      if xl[t] == zLeaves[rep * trees + t] { continue }
                      walker.visitTree(
                        t, x: UnsafePointer(xb.baseAddress!), z: zBits.baseAddress! + rep * words,
                        weight: e.treeWeights[t] * classWeights[u])
                    }
                  }
                  for i in 0..<(k * m) { phi[i] = walker.phi[i] }
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
          }
        }
      }
    }
  }
}

/// Walks every tree along the paths of x and a reference z together, adding the pair's
/// attributions into `phi` (`[output][feature]`). Directions come from `NodeDirections`
/// bits, so no split is evaluated during the walk.
private struct PairWalker {
  let nodes: UnsafePointer<TreeNode>
  let values: UnsafePointer<Double>
  let treeStart: UnsafePointer<Int>
  let treeOutputs: UnsafePointer<Int>
  let treeWeights: UnsafePointer<Double>
  let treeCount: Int
  let featureCount: Int
  let outputCount: Int
  let phi: UnsafeMutablePointer<Double>
  /// Per feature: 0 free, 1 follows x, 2 follows z.
  let state: UnsafeMutablePointer<UInt8>
  /// Features currently fixed, in order.
  let stack: UnsafeMutablePointer<Int>
  let table: UnsafePointer<Double>
  let stride: Int

  /// Runs `body` with a walker over `e` whose scratch lives for the call.
  static func with<R>(_ e: TreeEnsemble, table: [Double], stride: Int, _ body: (PairWalker) -> R) -> R {
    let width = max(1, e.outputCount * e.featureCount)
    let phi = UnsafeMutablePointer<Double>.allocate(capacity: width)
    let state = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, e.featureCount))
    let stack = UnsafeMutablePointer<Int>.allocate(capacity: 2 * (e.maxDepth + 1))
    phi.initialize(repeating: 0, count: width)
    state.initialize(repeating: 0, count: max(1, e.featureCount))
    stack.initialize(repeating: 0, count: 2 * (e.maxDepth + 1))
    defer {
      phi.deallocate()
      state.deallocate()
      stack.deallocate()
    }
    return e.nodes.withUnsafeBufferPointer { nodes in
      e.values.withUnsafeBufferPointer { values in
        e.treeStart.withUnsafeBufferPointer { treeStart in
          e.treeOutputs.withUnsafeBufferPointer { treeOutputs in
            e.treeWeights.withUnsafeBufferPointer { treeWeights in
              table.withUnsafeBufferPointer { table in
                body(
                  PairWalker(
                    nodes: nodes.baseAddress!, values: values.baseAddress!,
                    treeStart: treeStart.baseAddress!, treeOutputs: treeOutputs.baseAddress!,
                    treeWeights: treeWeights.baseAddress!, treeCount: e.treeCount, featureCount: e.featureCount,
                    outputCount: e.outputCount,
                    phi: phi, state: state, stack: stack, table: table.baseAddress!, stride: stride))
              }
            }
          }
        }
      }
    }
  }

  /// Adds to `phi` the attributions of x against the reference z in tree `t`, given
  /// both rows' direction bits, with the tree's leaf values scaled by `weight`.
  /// - Complexity: O(L) for a tree with L leaves.
  func visitTree(_ t: Int, x: UnsafePointer<UInt64>, z: UnsafePointer<UInt64>, weight: Double) {
    visit(treeStart[t], 0, 0, 0, x, z, phi + treeOutputs[t] * featureCount, weight)
  }

  /// - Parameters: node, size of the fixed stack, |A| (x side), |B| (z side), the rows,
  ///   the output's attributions and the tree weight.
  func visit(
    _ start: Int, _ depth: Int, _ nx: Int, _ nz: Int, _ x: UnsafePointer<UInt64>, _ z: UnsafePointer<UInt64>,
    _ phi: UnsafeMutablePointer<Double>, _ weight: Double
  ) {
    // Follow the single path while x and z agree or the split's feature is already fixed;
    // recurse only where a free feature splits the pair.
    var node = start
    while true {
      let n = nodes[node]
      if n.left < 0 { break }
      let word = node &>> 6
      let bit = UInt64(node & 63)
      let xLeft = (x[word] &>> bit) & 1 != 0
      let differ = ((x[word] ^ z[word]) &>> bit) & 1 != 0
      if !differ {
        node = xLeft ? Int(n.left) : Int(n.right)
        continue
      }
      let f = Int(n.feature)
      let s = state[f]
      if s != 0 {
        // Fixed to x (1) or to z (2), whose direction is the opposite of x's here.
        node = (s == 1) == xLeft ? Int(n.left) : Int(n.right)
        continue
      }
      let xc = xLeft ? Int(n.left) : Int(n.right)
      let zc = xLeft ? Int(n.right) : Int(n.left)
      stack[depth] = f
      state[f] = 1
      visit(xc, depth + 1, nx + 1, nz, x, z, phi, weight)
      state[f] = 2
      visit(zc, depth + 1, nx, nz + 1, x, z, phi, weight)
      state[f] = 0
      return
    }
    if depth == 0 { return }
    let v = values[node] * weight
    let up = nx > 0 ? v * table[(nx - 1) * stride + nz] : 0
    let down = nz > 0 ? -v * table[nx * stride + nz - 1] : 0
    for i in 0..<depth {
      let f = stack[i]
      phi[f] += state[f] == 1 ? up : down
    }
  }
}
