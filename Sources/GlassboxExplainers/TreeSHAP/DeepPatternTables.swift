import GlassboxModels

/// Interventional TreeSHAP by decision patterns for trees whose paths are too deep for
/// `InterventionalTables` (more than `DecisionPatternHistograms.maxPathFeatures` distinct
/// features, or past its budget): three numbers per leaf and pattern instead of d, built in
/// O(d² · 2^d) per leaf instead of O(3^d · d).
///
/// ## Derivation
/// Take a leaf with d distinct path features U, value v, the explained row's pattern X and a
/// background pattern Z (`DecisionPatternHistograms`). The pair adds something only when
/// X ∪ Z = U, and then A = X \ Z = U \ Z and B = Z \ X = U \ X: the sizes |A| = d − |Z| and
/// |B| = d − |X|, so the pair's weights depend on Z only through |Z|. Write Y = U \ Z (so
/// Y ⊆ X is the condition X ∪ Z = U) and h(Y) = W[U \ Y], the background's share with
/// pattern U \ Y. With `w₊(a, b) = (a−1)! b! / (a+b)!` and `w₋(a, b) = a! (b−1)! / (a+b)!`,
/// the coefficient of the feature at position k is
/// ```
/// k ∈ X:  C_k(X) = v · Σ_{Y ⊆ X, k ∈ Y} h(Y) · w₊(|Y|, d − |X|)
/// k ∉ X:  C_k(X) = −v · Σ_{Y ⊆ X} h(Y) · w₋(|Y|, d − |X|)      (the same for every such k)
/// ```
/// (the pair X = Z = U, where the leaf is reached by every coalition, is the Y = ∅ term of
/// the first sum, which has no k ∈ Y). With `T_a(X) = Σ_{∅ ≠ Y ⊆ X} h(Y) · w₊(|Y|, d − a)`,
/// a sum over subsets (a zeta transform of h times a weight that depends only on |Y|):
/// ```
/// k ∈ X:  C_k(X) = v · (T_|X|(X) − T_|X|(X \ {k}))
/// ```
/// since the subsets of X without k are the subsets of X \ {k}. So each leaf keeps, per
/// pattern X, `P(X) = v · T_|X|(X)`, `Q(X) = v · T_{|X|+1}(X)` (read at X \ {k}, one smaller)
/// and `R(X)`, the coefficient of the features outside X: 3 · 2^d doubles. A row at the leaf
/// with pattern X adds `P(X) − Q(X ^ bit k)` to each path feature it satisfies and `R(X)` to
/// the others. The build runs 2d + 1 zeta transforms of 2^d entries per leaf (one per size a
/// for T_a and one for the R weights), O(d² · 2^d).
///
/// Exact: the same terms as the per-pair algorithm, summed in another order; `P − Q` loses
/// at most ≈1e-16 · |v| (both are sums of non-negative shares of the total weight, at most
/// |v| · 1). The tests hold it to 1e-12 of brute-force Shapley values. Every number is
/// computed in a fixed order, whatever the threads.
///
/// - Complexity: background pass O(R · N) for N nodes of the deep trees; build
///   O(Σ_leaves d² · 2^d); per explained row and tree O(N + L · d) with L leaves. Memory
///   Σ_leaves 3 · 2^d doubles, at most `maxEntries` (256 MiB); trees past the budget, or
///   with a path of more than `maxPathFeatures` (20) distinct features, stay per pair.
struct DeepPatternTables {
  /// Largest number of distinct features on a path (a leaf then takes 3 · 2^20 doubles,
  /// 24 MiB).
  static let maxPathFeatures = 20
  /// Largest total number of table entries (8 bytes each: 256 MiB).
  static let maxEntries = 1 << 25

  /// Per tree of the ensemble: whether these tables compute it.
  let treeIsDeep: [Bool]
  /// (output, first node) of each deep tree, in file order.
  let roots: [(output: Int, root: Int)]
  /// Walk stack entries: the deepest tree + 2.
  let stackCapacity: Int
  /// Per node of a deep tree: `1 << k` at a split whose feature is the k-th distinct one on
  /// its path; the leaf record at a leaf.
  let info: [UInt32]
  /// Leaf records' path features: record i owns `leafFeatures[featureStart[i]..<featureStart[i+1]]`.
  let featureStart: [Int]
  let leafFeatures: [Int32]
  /// Leaf records' tables: record i owns `tables[tableStart[i]..<tableStart[i+1]]`,
  /// `[X][P, Q, R]` for the 2^d patterns X.
  let tableStart: [Int]
  /// The histograms (entry `3 · Z` of each leaf) until `finish`, then the tables (a
  /// streamed background first counts rows there, `PatternAccumulator`).
  var tables: [Double]
  private let leafValues: [Double]

  /// Number of deep trees.
  var treeCount: Int { roots.count }
  /// The bytes the tables take.
  var byteCount: Int { tables.count * MemoryLayout<Double>.stride }

  /// The layout for the trees of `e` not in `taken` whose paths have at most
  /// `maxPathFeatures` distinct features, in file order, while `limit` entries last.
  init(_ e: TreeEnsemble, taken: [Bool], limit: Int = Self.maxEntries) {
    var info = [UInt32](repeating: 0, count: e.nodes.count)
    var isDeep = [Bool](repeating: false, count: e.treeCount)
    var roots: [(output: Int, root: Int)] = []
    var featureStart: [Int] = []
    var leafFeatures: [Int32] = []
    var leafValues: [Double] = []
    var tableStart: [Int] = []
    var total = 0
    for t in 0..<e.treeCount where !taken[t] && e.treeStart[t + 1] - e.treeStart[t] > 1 {
      guard let layout = TreePathFeatures(e, tree: t, maxFeatures: Self.maxPathFeatures) else { continue }
      let entries = layout.leaves.reduce(0) { $0 + (3 << $1.features.count) }
      guard entries <= limit - total else { continue }
      isDeep[t] = true
      roots.append((e.treeOutputs[t], e.treeStart[t]))
      for (n, bit) in layout.splits { info[n] = bit }
      for (n, features) in layout.leaves {
        info[n] = UInt32(leafValues.count)
        featureStart.append(leafFeatures.count)
        tableStart.append(total)
        leafFeatures += features
        leafValues.append(e.treeWeights[t] * e.values[n])
        total += 3 << features.count
      }
    }
    featureStart.append(leafFeatures.count)
    tableStart.append(total)
    treeIsDeep = isDeep
    self.roots = roots
    stackCapacity = e.maxDepth + 2
    self.info = info
    self.featureStart = featureStart
    self.leafFeatures = leafFeatures
    self.leafValues = leafValues
    self.tableStart = tableStart
    tables = [Double](repeating: 0, count: total)
  }

  /// Adds `count` prepared rows (row-major) with their shares of the total weight to the
  /// histograms, tree by tree; each entry receives its rows in row order.
  /// - Complexity: O(count · N).
  mutating func add(_ e: TreeEnsemble, prepared rows: UnsafePointer<Double>, count: Int, shares: UnsafePointer<Double>) {
    guard !roots.isEmpty else { return }
    let m = e.featureCount
    let featureStart = self.featureStart
    let tableStart = self.tableStart
    let roots = self.roots
    tables.withUnsafeMutableBufferPointer { tables in
      DecisionPatternHistograms.withWalk(e, info, stackCapacity: stackCapacity) { nodes, info, categories, stack in
        for (_, root) in roots {
          for r in 0..<count where shares[r] != 0 {
            let share = shares[r]
            let row = rows + r * m
            DecisionPatternHistograms.walk(
              nodes, info, root: root, stack: stack,
              goesLeft: { _, node in node.child(row[Int(node.feature)], categories) == node.left }
            ) { record, failed in
              let d = featureStart[record + 1] - featureStart[record]
              tables[tableStart[record] + 3 * (((1 << d) - 1) & ~Int(failed))] += share
            }
          }
        }
      }
    }
  }

  /// Turns the histograms into the tables (see the type's derivation).
  /// - Parameters: `weightTable[a · stride + b] = a! b! / (a+b+1)!` for a + b < d.
  /// - Complexity: O(Σ_leaves d² · 2^d); scratch 2 · 2^d doubles for the deepest leaf.
  mutating func finish(weightTable: [Double], stride: Int) {
    let deepest = (0..<leafValues.count).map { featureStart[$0 + 1] - featureStart[$0] }.max() ?? 0
    var h = [Double](repeating: 0, count: 1 << deepest)
    var g = [Double](repeating: 0, count: 1 << deepest)
    var sizes = [Int](repeating: 0, count: 1 << deepest)
    for x in 0..<sizes.count { sizes[x] = x.nonzeroBitCount }
    tables.withUnsafeMutableBufferPointer { t in
      for record in 0..<leafValues.count {
        let d = featureStart[record + 1] - featureStart[record]
        let count = 1 << d
        let full = count - 1
        let base = tableStart[record]
        let v = leafValues[record]
        var any = false
        for y in 0..<count {
          h[y] = t[base + 3 * (full & ~y)]
          any = any || h[y] != 0
        }
        for y in 0..<count { t[base + 3 * y] = 0 }
        guard any else { continue }
        // T_a for a = 1...d: P at |X| = a, Q at |X| = a − 1.
        for a in 1...max(1, d) where d > 0 {
          let b = d - a
          g[0] = 0
          for y in 1..<count { g[y] = h[y] * weightTable[(sizes[y] - 1) * stride + b] }
          Self.zeta(&g, bits: d)
          for x in 0..<count where sizes[x] == a { t[base + 3 * x] = v * g[x] }
          for x in 0..<count where sizes[x] == a - 1 { t[base + 3 * x + 1] = v * g[x] }
        }
        // R at |X| = a for a < d: −v · Σ_{Y ⊆ X} h(Y) · w₋(|Y|, d − a).
        for a in 0..<d {
          let b = d - a
          for y in 0..<count { g[y] = sizes[y] <= a ? h[y] * weightTable[sizes[y] * stride + b - 1] : 0 }
          Self.zeta(&g, bits: d)
          for x in 0..<count where sizes[x] == a { t[base + 3 * x + 2] = -v * g[x] }
        }
      }
    }
  }

  /// In place, `g[X] = Σ_{Y ⊆ X} g[Y]` over the first 2^bits entries.
  /// - Complexity: O(bits · 2^bits).
  static func zeta(_ g: inout [Double], bits: Int) {
    g.withUnsafeMutableBufferPointer { g in
      for k in 0..<bits {
        let bit = 1 << k
        for x in 0..<(1 << bits) where x & bit != 0 { g[x] += g[x ^ bit] }
      }
    }
  }

  /// Adds the attributions of `count` prepared rows `x` (row-major) in every deep tree to
  /// `phi` (`[row][output][feature]`); tree by tree, each row's sums in file order.
  /// - Complexity: O(count · Σ deep trees (N + L · d)).
  func addAll(_ e: TreeEnsemble, x rows: UnsafePointer<Double>, count: Int, phi: UnsafeMutablePointer<Double>) {
    let m = e.featureCount
    let stride = m * e.outputCount
    DecisionPatternHistograms.withWalk(e, info, stackCapacity: stackCapacity) { nodes, info, categories, stack in
      tables.withUnsafeBufferPointer { t in
        leafFeatures.withUnsafeBufferPointer { features in
          tableStart.withUnsafeBufferPointer { tableStart in
            featureStart.withUnsafeBufferPointer { featureStart in
              for (output, root) in roots {
                for r in 0..<count {
                  let x = rows + r * m
                  let out = phi + r * stride + output * m
                  DecisionPatternHistograms.walk(
                    nodes, info, root: root, stack: stack,
                    goesLeft: { _, node in node.child(x[Int(node.feature)], categories) == node.left }
                  ) { record, failed in
                    let fs = featureStart[record]
                    let d = featureStart[record &+ 1] &- fs
                    let pattern = ((1 &<< d) &- 1) & ~Int(failed)
                    let base = tableStart[record]
                    let p = t[base &+ 3 &* pattern]
                    let outside = t[base &+ 3 &* pattern &+ 2]
                    for k in 0..<d {
                      let bit = 1 &<< k
                      out[Int(features[fs &+ k])] +=
                        pattern & bit != 0 ? p - t[base &+ 3 &* (pattern ^ bit) &+ 1] : outside
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
