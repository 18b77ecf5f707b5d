import GlassboxModels

#if canImport(Glibc)
  import Glibc
#endif

/// Exact interventional TreeSHAP (Lundberg et al. 2020, "independent" perturbation):
/// Shapley values of `v(S) = E_r[f(x_S, r_S̄)]`, the expectation over background rows r.
///
/// A leaf reached with features A following x and B following r adds
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
/// Two algorithms, chosen per tree (`Algorithm`):
/// - **decision patterns** (raw space): the background enters only through per-leaf
///   histograms of its decision patterns (`DecisionPatternHistograms`), built in one pass,
///   turned into per-leaf coefficient tables (`InterventionalTables`) and regrouped by
///   blocks of at most 3 splits (`InterventionalBlocks`); a row then costs O(S + B · (I + w))
///   per tree (S splits, B blocks) whatever the background size.
/// - **per pair**: the pair walk over precomputed split directions (`NodeDirections`), once
///   per class of background rows with equal directions in the tree (`BackgroundClasses`);
///   used for probability attributions, tiny backgrounds, and trees whose paths have more
///   than `DecisionPatternHistograms.maxPathFeatures` distinct features or that do not fit
///   the table budget.
/// - **deep decision patterns**: trees past those limits whose paths have at most
///   `DeepPatternTables.maxPathFeatures` (20) distinct features get 3 · 2^d numbers per leaf
///   (`DeepPatternTables`, built in O(d² · 2^d) per leaf) within their own budget; only the
///   trees beyond it run per pair.
/// Both agree to ≈1e-15 relative (the same terms summed in another order); the tests hold
/// them to 1e-9 of each other and of brute-force Shapley values.
///
/// - Complexity: patterned trees O(T · (S + B · (I + w))) per row after an O(R · T · (S + B) +
///   Σ_leaves 3^d · d) build; per-pair trees O(R · T · L) per row for R background rows.
///   Memory: Σ_leaves 2^d · d doubles of tables (≤ 256 MiB), plus, only when some tree runs
///   per pair, O(R · (N / 64 + T)).
public struct InterventionalTreeSHAP: Explainer {
  /// How the attributions are computed.
  public enum Algorithm: String, Sendable, CaseIterable {
    /// Decision patterns for the trees that fit, unless the background is tiny
    /// (fewer than `minimumPatternBackground` rows of positive weight) or the space is
    /// probability; the per-pair algorithm otherwise.
    case automatic
    /// Decision patterns for every tree that fits (raw space only).
    case decisionPatterns = "decision-patterns"
    /// The per-pair algorithm for every tree.
    case perPair = "per-pair"
  }

  /// Below this many background rows of positive weight, `automatic` runs per pair: the
  /// pair walk then costs less per row than a walk over every leaf of each tree.
  public static let minimumPatternBackground = 8

  public let ensemble: TreeEnsemble
  /// The background rows kept in memory: empty when the background was streamed
  /// (`init(ensemble:stream:space:)`), which keeps only its decision-pattern tables.
  public let background: Background
  /// The chunks a streamed background was read in (nil when it was loaded whole).
  public let streamedChunks: Int?
  /// The output space of the attributions.
  public let space: OutputSpace
  /// The (weighted) mean output of the background rows, per model output.
  public let baseValues: [Double]
  /// Trees computed by decision patterns (the others run per pair), deep ones included.
  public let patternTreeCount: Int
  /// Of those, the trees computed by deep-path tables (`DeepPatternTables`).
  public let deepPatternTreeCount: Int
  /// Background rows used (those of positive weight).
  public let backgroundRowsUsed: Int
  /// Per-pair data: directions and classes of the background rows (nil when every tree
  /// runs by decision patterns).
  let pairs: PairData?
  /// Raw-space tables, per block of each patterned tree (nil when no tree runs by decision
  /// patterns).
  let tables: InterventionalBlocks?
  /// Tables of the trees too deep for `tables` (nil when there are none).
  let deepTables: DeepPatternTables?
  let backgroundMargins: [Double]
  let weightTable: [Double]
  let maxFeatures: Int

  public var method: String { "tree-interventional" }
  /// Blocks of 4,096 rows, 16,384 on one thread: rows are grouped per tree within a call, so
  /// larger blocks share more (10,000 Adult rows against 32,561 background rows: blocks of
  /// 4,096 take about 10% less CPU than blocks of 1,024, and one block of 16,384 about 5% less
  /// again); with several threads smaller blocks keep every thread busy. The output does not
  /// depend on the block size.
  public func preferredBlockRows(threads: Int) -> Int { threads <= 1 ? 16_384 : 4_096 }
  public var isExact: Bool { true }

  /// Which algorithm ran, for reports (see `Explainer.algorithmNote`).
  public var algorithmDescription: String {
    let rows = "\(backgroundRowsUsed) background row\(backgroundRowsUsed == 1 ? "" : "s")"
    let trees = ensemble.treeCount
    if patternTreeCount == 0 { return "interventional (per pair, \(rows))" }
    let deep = deepPatternTreeCount == 0 ? "" : ", deep-path tables in \(deepPatternTreeCount) of \(trees) trees"
    if let chunks = streamedChunks {
      return "interventional (decision patterns\(deep), \(rows) streamed in \(chunks) chunk\(chunks == 1 ? "" : "s"))"
    }
    if pairs == nil || patternTreeCount == trees { return "interventional (decision patterns\(deep), \(rows))" }
    return "interventional (decision patterns in \(patternTreeCount) of \(trees) trees\(deep), per pair in the rest, \(rows))"
  }

  /// The background's split directions and classes, for the per-pair algorithm.
  struct PairData: Sendable {
    let directions: NodeDirections
    let classes: BackgroundClasses
  }

  /// - Parameters:
  ///   - ensemble: the model.
  ///   - background: reference rows (any number: with decision patterns the cost per
  ///     explained row does not grow with it).
  ///   - space: `.raw` (margins) or `.probability` (logistic models).
  ///   - algorithm: `.automatic` unless a test compares the two.
  ///   - deepTableLimit: the deep-path tables' budget in doubles (default 2^25, 256 MiB; tests
///     lower it).
  /// - Throws: `ExplainerError.invalidBackground` when the background does not fit the
  ///   model; `ExplainerError.unsupportedOutput` for probability on a non-logistic model.
  public init(
    ensemble: TreeEnsemble, background: Background, space: OutputSpace = .raw, algorithm: Algorithm = .automatic,
    deepTableLimit: Int? = nil
  ) throws {
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
    streamedChunks = nil
    self.space = space
    let used = background.weights.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
    backgroundRowsUsed = used
    let k = ensemble.outputCount
    let n = min(ensemble.featureCount, ensemble.maxDepth) + 1
    maxFeatures = n
    let table = Self.weightTable(size: n)
    weightTable = table
    let usePatterns: Bool
    switch algorithm {
    case .automatic: usePatterns = space == .raw && used >= Self.minimumPatternBackground
    case .decisionPatterns: usePatterns = space == .raw
    case .perPair: usePatterns = false
    }
    // One pass over the background: histograms and margins. The rows are prepared at once
    // (a copy of the background, R · F doubles), so that the histograms can group them.
    var histograms = DecisionPatternHistograms(
      ensemble, enabled: usePatterns, knownTotal: background.weights.reduce(0, +))
    var deep = DeepPatternTables(
      ensemble, taken: usePatterns ? histograms.treeIsTabled : [Bool](repeating: true, count: ensemble.treeCount),
      limit: deepTableLimit ?? DeepPatternTables.maxEntries)
    let needsPairs = histograms.tabledTreeCount + deep.treeCount < ensemble.treeCount
    let allPrepared = background.rows.map { ensemble.prepared($0) }
    // With every tree patterned in raw space the background's margins are not needed: the
    // base value follows from the histograms (`DecisionPatternHistograms.meanMargins`).
    let marginsFromHistograms = !needsPairs && deep.treeCount == 0 && space == .raw
    let margins = marginsFromHistograms ? [] : Self.margins(ensemble, allPrepared, count: background.count)
    var blocks = histograms.tabledTreeCount > 0 ? InterventionalBlocks(ensemble, histograms: histograms) : nil
    allPrepared.withUnsafeBufferPointer { rows in
      background.weights.withUnsafeBufferPointer { weights in
        histograms.add(
          ensemble, prepared: rows.baseAddress!, count: background.count, weights: weights.baseAddress!, blocks: blocks)
      }
    }
    backgroundMargins = margins
    let total = background.weights.reduce(0, +)
    if deep.treeCount > 0 {
      let shares = background.weights.map { $0 / total }
      allPrepared.withUnsafeBufferPointer { rows in
        deep.add(ensemble, prepared: rows.baseAddress!, count: background.count, shares: shares)
      }
      deep.finish(weightTable: table, stride: n)
    }
    deepTables = deep.treeCount > 0 ? deep : nil
    deepPatternTreeCount = deep.treeCount
    var base = marginsFromHistograms ? histograms.meanMargins(ensemble).map { $0 * total } : [Double](repeating: 0, count: k)
    for r in 0..<(marginsFromHistograms ? 0 : background.count) {
      for c in 0..<k {
        let v = space == .probability ? Self.sigmoid(margins[r * k + c]) : margins[r * k + c]
        base[c] += background.weights[r] * v
      }
    }
    baseValues = base.map { $0 / total }
    patternTreeCount = histograms.tabledTreeCount + deep.treeCount
    blocks?.fill(ensemble, leaves: InterventionalTables(ensemble, histograms: histograms, weightTable: table, stride: n))
    tables = blocks
    if needsPairs {
      let directions = allPrepared.withUnsafeBufferPointer {
        NodeDirections(ensemble, prepared: $0, count: background.count)
      }
      pairs = PairData(
        directions: directions, classes: BackgroundClasses(ensemble, directions: directions, count: background.count))
    } else {
      pairs = nil
    }
  }

  /// `table[a · size + b] = a! b! / (a+b+1)!` for a + b < `size` (0 elsewhere), where `size`
  /// exceeds the distinct features on any path.
  static func weightTable(size n: Int) -> [Double] {
    var table = [Double](repeating: 0, count: n * n)
    for a in 0..<n {
      for b in 0..<(n - a) {
        // a! b! / (a+b+1)! computed as 1 / ((a+b+1) · C(a+b, a)).
        var binom = 1.0
        for i in 0..<min(a, b) { binom = binom * Double(a + b - i) / Double(i + 1) }
        table[a * n + b] = 1 / (Double(a + b + 1) * binom)
      }
    }
    return table
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
    // With every tree patterned, the blocks reached give the margins too (the same sums, bit
    // for bit); otherwise the trees are walked.
    let marginsFromBlocks = tables != nil && pairs == nil && deepTables == nil
    var margins =
      marginsFromBlocks
      ? (0..<(count * k)).map { e.baseMargins[$0 % k] } : Self.margins(e, prepared, count: count)
    let width = k * m
    var phi = [Double](repeating: 0, count: count * width)
    var index = rowIndices.startIndex
    var pairWalk = pairs.map { PairScratch(self, $0) }
    prepared.withUnsafeBufferPointer { x in
      phi.withUnsafeMutableBufferPointer { all in
        if count > 0, let tables {
          margins.withUnsafeMutableBufferPointer {
            tables.addAll(
              e, x: x.baseAddress!, count: count, phi: all.baseAddress!,
              margins: marginsFromBlocks ? $0.baseAddress! : nil)
          }
        }
        if count > 0, let deepTables { deepTables.addAll(e, x: x.baseAddress!, count: count, phi: all.baseAddress!) }
        for r in 0..<count {
          let phi = UnsafeMutableBufferPointer(rebasing: all[(r * width)..<((r + 1) * width)])
          let row = x.baseAddress! + r * m
          pairWalk?.add(row: row, margins: margins[(r * k)..<((r + 1) * k)], into: phi.baseAddress!)
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

  /// Scratch of the per-pair algorithm for one explain call.
  private struct PairScratch {
    let explainer: InterventionalTreeSHAP
    let data: PairData
    var xBits: [UInt64]
    var xLeaves: [Int32]
    /// Per (background row, output): the row's weight in this explanation.
    var scales: [Double]
    var classWeights: [Double]

    init(_ explainer: InterventionalTreeSHAP, _ data: PairData) {
      self.explainer = explainer
      self.data = data
      xBits = [UInt64](repeating: 0, count: data.directions.wordCount)
      xLeaves = [Int32](repeating: 0, count: max(1, data.directions.treeCount))
      scales = [Double](repeating: 0, count: explainer.background.count * explainer.ensemble.outputCount)
      classWeights = [Double](repeating: 0, count: explainer.background.count)
    }

    /// Adds the per-pair attributions of the prepared row (trees without tables) to `phi`.
    /// - Complexity: O(R · T · L) for R background rows.
    mutating func add(row: UnsafePointer<Double>, margins: ArraySlice<Double>, into phi: UnsafeMutablePointer<Double>) {
      let s = explainer
      let e = s.ensemble
      let k = e.outputCount
      let m = e.featureCount
      let classes = data.classes
      let trees = data.directions.treeCount
      let words = data.directions.wordCount
      let backgroundCount = s.background.count
      let total = s.background.weights.reduce(0, +)
      for b in 0..<backgroundCount {
        let w = s.background.weights[b] / total
        for c in 0..<k {
          var scale = w
          if s.space == .probability {
            let fx = margins[margins.startIndex + c]
            let fz = s.backgroundMargins[b * k + c]
            scale *= fx == fz ? 0 : (sigmoid(fx) - sigmoid(fz)) / (fx - fz)
          }
          scales[b * k + c] = scale
        }
      }
      let isTabled = s.tables?.treeIsTabled
      let isDeep = s.deepTables?.treeIsDeep
      PairWalker.with(e, table: s.weightTable, stride: s.maxFeatures) { walker in
        data.directions.bits.withUnsafeBufferPointer { zBits in
          data.directions.leaves.withUnsafeBufferPointer { zLeaves in
            xBits.withUnsafeMutableBufferPointer { xb in
              xLeaves.withUnsafeMutableBufferPointer { xl in
                NodeDirections.fill(e, row: row, bits: xb.baseAddress!, leaves: xl.baseAddress!)
                for t in 0..<trees where !(isTabled?[t] ?? false) && !(isDeep?[t] ?? false) {
                  let g = e.treeOutputs[t]
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
              }
            }
          }
        }
        for i in 0..<(k * m) { phi[i] += walker.phi[i] }
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
