import GlassboxModels

/// The feature-pair terms of interventional SHAP interaction values of a tree ensemble:
/// the Shapley interaction index of `v(S) = E_r[f(x_S, r_S̄)]`, the expectation over the
/// background rows r (what shap's `TreeExplainer` returns zeros for, shap issue 1824).
///
/// ## The game of one leaf and one pair of rows
/// As in `DecisionPatternHistograms`: for a leaf with distinct path features U, an
/// explained row x with pattern X and a background row z with pattern Z, the leaf is
/// reached by the hybrid row of coalition S iff A ⊆ S and B ∩ S = ∅, where A = X ∖ Z and
/// B = Z ∖ X (nothing when X ∪ Z ≠ U). The Möbius transform of this game puts (−1)^|C| on
/// each coalition A ∪ C, C ⊆ B, and the Shapley interaction index
/// `I_ij = Σ_{K ⊇ {i,j}} m(K) / (|K| − 1)` sums, with a = |A|, b = |B|, to Beta integrals:
/// ```
/// I_ij = + (a−2)! b!     / (a+b−1)!    i, j ∈ A
/// I_ij = − (a−1)! (b−1)! / (a+b−1)!    i ∈ A, j ∈ B
/// I_ij = + a! (b−2)!     / (a+b−1)!    i, j ∈ B
/// ```
/// and 0 for any pair with a player outside A ∪ B. The matrix entry is `Φ_ij = I_ij / 2`
/// (shap's and xgboost's convention: the pair's effect is split between Φ_ij and Φ_ji),
/// times the leaf value, the tree weight and the background row's share. The diagonal
/// (main effects) is left to the caller: `Φ_ii = φ_i − Σ_{j≠i} Φ_ij`.
///
/// ## Background of any size
/// The terms depend on z only through Z, so the background enters through the per-leaf
/// histograms of its patterns (`DecisionPatternHistograms`). For each leaf and each pattern
/// X of an explained row the pair terms summed over the patterns Z (those with X ∪ Z = U:
/// A = ~Z, X = A ∪ S, B = Z ∖ S for S ⊆ Z, at most 3^d pairs per leaf) are stored, d(d−1)/2
/// per pattern; an explained row then walks each tree once and adds the terms of its
/// pattern at each leaf. Leaves past the table budget (`maxTableEntries`) sum their terms
/// per row from the histogram (for a row's X, B = U ∖ X and A = X ∖ S for S ⊆ X). Trees with
/// no histograms (paths of more than `DecisionPatternHistograms.maxPathFeatures` distinct
/// features) run per background row, walking x and z together (the pair walk of
/// `InterventionalTreeSHAP`).
///
/// Exact: equal to brute force over every coalition to ≈1e-14 relative (tested at 1e-12).
///
/// - Complexity: build O(R · N + Σ_leaves 3^d · d²) for R background rows and N nodes;
///   per row O(Σ_trees (N_t + L_t · d²)) for trees with tables, O(2^d · d²) per leaf past
///   the budget, O(R · L_t · D²) per tree without histograms. Memory: Σ_leaves 2^d · d(d−1)/2
///   doubles (at most 128 MiB), plus the histograms.
struct InterventionalInteractions: Sendable {
  /// Largest number of doubles in the pair tables (128 MiB).
  static let maxTableEntries = 1 << 24

  let featureCount: Int
  let outputCount: Int
  let histograms: DecisionPatternHistograms
  let weights: PairWeights
  /// Per leaf record: first entry of its table in `tables`, or −1 when its terms are summed
  /// per row from the histogram.
  let tableStart: [Int]
  /// Per leaf record with a table, `[X][pair]` for X < 2^d and the d(d−1)/2 pairs k < l of
  /// path positions in row order.
  let tables: [Double]
  /// The patterned trees, as (tree, root).
  let patternRoots: [(tree: Int, root: Int)]
  /// Trees without histograms, walked per background row.
  let pairTrees: [Int]
  /// Prepared background rows of positive weight (only when `pairTrees` is not empty).
  let pairRows: [Double]
  /// Their weights divided by the total weight.
  let pairShares: [Double]

  /// The bytes the pair tables take.
  var tableBytes: Int { tables.count * MemoryLayout<Double>.stride }

  /// - Parameters:
  ///   - ensemble: the model.
  ///   - background: reference rows with non-negative weights of positive sum (checked by
  ///     the caller).
  ///   - tableLimit: the table budget in doubles (tests lower it).
  init(_ e: TreeEnsemble, background: Background, tableLimit: Int = maxTableEntries) {
    featureCount = e.featureCount
    outputCount = e.outputCount
    let total = background.weights.reduce(0, +)
    var h = DecisionPatternHistograms(e, enabled: true, knownTotal: total)
    let prepared = background.rows.map { e.prepared($0) }
    prepared.withUnsafeBufferPointer { rows in
      background.weights.withUnsafeBufferPointer { w in
        h.add(e, prepared: rows.baseAddress!, count: background.count, weights: w.baseAddress!)
      }
    }
    histograms = h
    weights = PairWeights(players: max(2, min(e.featureCount, e.maxDepth)))
    (tableStart, tables) = Self.buildTables(h, weights: weights, limit: tableLimit)
    patternRoots = (0..<e.treeCount).filter { h.treeIsTabled[$0] }.map { ($0, e.treeStart[$0]) }
    pairTrees = (0..<e.treeCount).filter { !h.treeIsTabled[$0] && e.treeStart[$0 + 1] - e.treeStart[$0] > 1 }
    var rows: [Double] = []
    var shares: [Double] = []
    if !pairTrees.isEmpty {
      let m = e.featureCount
      for r in 0..<background.count where background.weights[r] > 0 {
        rows += prepared[(r * m)..<((r + 1) * m)]
        shares.append(background.weights[r] / total)
      }
    }
    pairRows = rows
    pairShares = shares
  }

  /// The pair tables of the leaf records, in record order while `limit` lasts.
  private static func buildTables(
    _ h: DecisionPatternHistograms, weights: PairWeights, limit: Int
  ) -> (starts: [Int], tables: [Double]) {
    var starts = [Int](repeating: -1, count: h.leafCount)
    var size = 0
    for record in 0..<h.leafCount {
      let d = h.featureStart[record + 1] - h.featureStart[record]
      let entries = (1 << d) * (d * (d - 1) / 2)
      if size + entries > limit { break }
      starts[record] = size
      size += entries
    }
    var tables = [Double](repeating: 0, count: size)
    let scale = h.massScale
    tables.withUnsafeMutableBufferPointer { t in
      for record in 0..<h.leafCount where starts[record] >= 0 {
        let d = h.featureStart[record + 1] - h.featureStart[record]
        let pairs = d * (d - 1) / 2
        if pairs == 0 { continue }
        let full = (1 << d) - 1
        let value = h.leafValues[record]
        for zMask in 0...full where h.masses[h.massStart[record] + zMask] != 0 {
          let mass = h.masses[h.massStart[record] + zMask] * scale * value
          let a = full & ~zMask
          // X = A ∪ S for every S ⊆ Z; B = Z ∖ S.
          var s = zMask
          while true {
            weights.add(a: a, b: zMask & ~s, positions: d, mass: mass, into: t.baseAddress! + starts[record] + (a | s) * pairs)
            if s == 0 { break }
            s = (s - 1) & zMask
          }
        }
      }
    }
    return (starts, tables)
  }

  /// Adds the pair terms of `count` prepared rows (row-major) to `out`, laid out
  /// `[row][output][i][j]` (F × F per output): each pair's term lands in one of `[i][j]`
  /// and `[j][i]`, so the caller's Φ_ij is the sum of both.
  /// - Complexity: see the type.
  func add(prepared rows: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>, _ e: TreeEnsemble) {
    let m = featureCount
    let block = m * m
    let h = histograms
    let maxPairs = DecisionPatternHistograms.maxPathFeatures * (DecisionPatternHistograms.maxPathFeatures - 1) / 2
    withUnsafeTemporaryAllocation(of: Double.self, capacity: maxPairs) { scratch in
      DecisionPatternHistograms.withWalk(e, h.info, stackCapacity: h.stackCapacity) { nodes, info, categories, stack in
        tables.withUnsafeBufferPointer { tables in
          for (t, root) in patternRoots {
            for r in 0..<count {
              let x = rows + r * m
              let matrix = out + (r * outputCount + e.treeOutputs[t]) * block
              DecisionPatternHistograms.walk(
                nodes, info, root: root, stack: stack,
                goesLeft: { _, node in node.child(x[Int(node.feature)], categories) == node.left }
              ) { record, failed in
                let fs = h.featureStart[record]
                let d = h.featureStart[record + 1] - fs
                let pairs = d * (d - 1) / 2
                if pairs == 0 { return }
                let xMask = ((1 << d) - 1) & ~Int(failed)
                let terms: UnsafePointer<Double>
                if tableStart[record] >= 0 {
                  terms = tables.baseAddress! + tableStart[record] + xMask * pairs
                } else {
                  sumTerms(record: record, d: d, xMask: xMask, into: scratch.baseAddress!)
                  terms = UnsafePointer(scratch.baseAddress!)
                }
                var p = 0
                for k in 0..<d {
                  let row = matrix + Int(h.leafFeatures[fs + k]) * m
                  for l in (k + 1)..<max(k + 1, d) {
                    row[Int(h.leafFeatures[fs + l])] += terms[p]
                    p += 1
                  }
                }
              }
            }
          }
        }
      }
    }
    if pairTrees.isEmpty { return }
    PairInteractionWalk.run(e, trees: pairTrees, weights: weights, rows: rows, count: count, background: pairRows, shares: pairShares, into: out)
  }

  /// The pair terms of leaf `record` for pattern `xMask`, summed from its histogram (a
  /// leaf past the table budget).
  /// - Complexity: O(2^|X| · d²).
  private func sumTerms(record: Int, d: Int, xMask: Int, into terms: UnsafeMutablePointer<Double>) {
    let h = histograms
    let pairs = d * (d - 1) / 2
    for p in 0..<pairs { terms[p] = 0 }
    let b = ((1 << d) - 1) & ~xMask
    let value = h.leafValues[record] * h.massScale
    // Z = B ∪ S for every S ⊆ X; A = X ∖ S.
    var s = xMask
    while true {
      let mass = h.masses[h.massStart[record] + (b | s)]
      if mass != 0 { weights.add(a: xMask & ~s, b: b, positions: d, mass: mass * value, into: terms) }
      if s == 0 { break }
      s = (s - 1) & xMask
    }
  }
}

/// The weights `Φ_ij / value` of the game `v(S) = value · [A ⊆ S, B ∩ S = ∅]` per (|A|, |B|),
/// for players i, j on the same or on opposite sides (see `InterventionalInteractions`).
struct PairWeights: Sendable {
  let stride: Int
  /// Indexed `a · stride + b`: both in A, one in each, both in B (halved: matrix entries).
  let bothA: [Double]
  let mixed: [Double]
  let bothB: [Double]

  /// Weights for games of up to `players` players (a + b ≤ players).
  init(players n: Int) {
    // p! q! / (p+q+1)! computed as 1 / ((p+q+1) · C(p+q, p)).
    func beta(_ p: Int, _ q: Int) -> Double {
      var binom = 1.0
      for i in 0..<min(p, q) { binom = binom * Double(p + q - i) / Double(i + 1) }
      return 1 / (Double(p + q + 1) * binom)
    }
    stride = n + 1
    var aa = [Double](repeating: 0, count: stride * stride)
    var ab = aa
    var bb = aa
    for a in 0...n {
      for b in 0...(n - a) {
        if a >= 2 { aa[a * stride + b] = beta(a - 2, b) / 2 }
        if a >= 1 && b >= 1 { ab[a * stride + b] = -beta(a - 1, b - 1) / 2 }
        if b >= 2 { bb[a * stride + b] = beta(a, b - 2) / 2 }
      }
    }
    bothA = aa
    mixed = ab
    bothB = bb
  }

  /// Adds `mass` times the pair weights of the game with sides `a` and `b` (masks over
  /// `positions` path positions) to `terms`, one entry per pair k < l in row order.
  /// - Complexity: O(positions²).
  @inline(__always)
  func add(a: Int, b: Int, positions d: Int, mass: Double, into terms: UnsafeMutablePointer<Double>) {
    let w = a.nonzeroBitCount * stride + b.nonzeroBitCount
    let aa = mass * bothA[w]
    let ab = mass * mixed[w]
    let bb = mass * bothB[w]
    var p = 0
    for k in 0..<d {
      let kA = (a >> k) & 1 != 0
      let kB = (b >> k) & 1 != 0
      for l in (k + 1)..<max(k + 1, d) {
        let lA = (a >> l) & 1 != 0
        let lB = (b >> l) & 1 != 0
        if kA {
          if lA { terms[p] += aa } else if lB { terms[p] += ab }
        } else if kB {
          if lA { terms[p] += ab } else if lB { terms[p] += bb }
        }
        p += 1
      }
    }
  }
}

/// Pair terms of trees without histograms: x and each background row z walked together,
/// recursing where a free feature sends them apart (the feature then follows x, A, or z,
/// B), adding the leaf's pair weights over the fixed features at each leaf reached.
private struct PairInteractionWalk {
  let e: TreeEnsemble
  let weights: PairWeights
  let nodes: UnsafeBufferPointer<TreeNode>
  let categories: UnsafeBufferPointer<UInt32>
  /// Per feature: 0 free, 1 follows x, 2 follows z.
  let state: UnsafeMutablePointer<UInt8>
  let stack: UnsafeMutablePointer<Int>

  static func run(
    _ e: TreeEnsemble, trees: [Int], weights: PairWeights, rows: UnsafePointer<Double>, count: Int,
    background: [Double], shares: [Double], into out: UnsafeMutablePointer<Double>
  ) {
    let m = e.featureCount
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, m)) { state in
      withUnsafeTemporaryAllocation(of: Int.self, capacity: e.maxDepth + 1) { stack in
        state.initialize(repeating: 0)
        e.nodes.withUnsafeBufferPointer { nodes in
          e.categoryWords.withUnsafeBufferPointer { categories in
            background.withUnsafeBufferPointer { z in
              let walk = PairInteractionWalk(
                e: e, weights: weights, nodes: nodes, categories: categories, state: state.baseAddress!,
                stack: stack.baseAddress!)
              for t in trees {
                for r in 0..<count {
                  let matrix = out + (r * e.outputCount + e.treeOutputs[t]) * m * m
                  for b in 0..<shares.count {
                    walk.visit(
                      e.treeStart[t], 0, 0, 0, x: rows + r * m, z: z.baseAddress! + b * m,
                      scale: e.treeWeights[t] * shares[b], into: matrix)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// - Parameters: node, fixed features so far, how many follow x (a) and z (b).
  func visit(
    _ start: Int, _ depth: Int, _ na: Int, _ nb: Int, x: UnsafePointer<Double>, z: UnsafePointer<Double>,
    scale: Double, into matrix: UnsafeMutablePointer<Double>
  ) {
    var n = start
    while true {
      let node = nodes[n]
      if node.isLeaf { break }
      let f = Int(node.feature)
      let xChild = Int(node.child(x[f], categories))
      let zChild = Int(node.child(z[f], categories))
      if xChild == zChild || state[f] == 1 {
        n = xChild
        continue
      }
      if state[f] == 2 {
        n = zChild
        continue
      }
      stack[depth] = f
      state[f] = 1
      visit(xChild, depth + 1, na + 1, nb, x: x, z: z, scale: scale, into: matrix)
      state[f] = 2
      visit(zChild, depth + 1, na, nb + 1, x: x, z: z, scale: scale, into: matrix)
      state[f] = 0
      return
    }
    if depth < 2 { return }
    let v = e.values[n] * scale
    let w = na * weights.stride + nb
    let aa = v * weights.bothA[w]
    let ab = v * weights.mixed[w]
    let bb = v * weights.bothB[w]
    let m = e.featureCount
    for i in 0..<depth {
      let fi = stack[i]
      for j in (i + 1)..<depth {
        let fj = stack[j]
        let same = state[fi] == state[fj]
        matrix[fi * m + fj] += same ? (state[fi] == 1 ? aa : bb) : ab
      }
    }
  }
}
