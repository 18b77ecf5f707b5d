import GlassboxModels

/// Per-leaf coefficient tables that give raw-space interventional TreeSHAP values of the
/// patterned trees in one walk per explained row, independent of the background size.
///
/// Built from `DecisionPatternHistograms` (see there for the derivation): for each leaf with
/// d distinct path features and every possible pattern X of an explained row (2^d), the d
/// coefficients `Σ_Z W[Z] · φ_k(X, Z)` are stored, already times `value · treeWeight`. Only
/// patterns Z with X ∪ Z = U contribute, so for a given Z the patterns X are `~Z ∪ S` for
/// the subsets S ⊆ Z, with A = ~Z and B = Z \ S: the build enumerates 2^|Z| subsets per
/// pattern Z present, at most 3^d per leaf. Explaining a row then walks each patterned tree
/// once, carrying the mask of path features the row fails, and adds the d coefficients of
/// its pattern at each leaf.
///
/// Only raw (margin) attributions: probability-space scaling depends on the pair. Equal to
/// the per-pair algorithm to ≈1e-15 relative (the same terms, summed in another order).
///
/// - Complexity: build O(Σ_leaves 3^d · d) (less when few patterns occur); per row and
///   patterned tree O(N + L · d) for N nodes and L leaves. Memory Σ_leaves 2^d · d doubles:
///   a leaf with 8 distinct path features takes 2,048 coefficients (16 KiB), so a 500-tree
///   depth-8 model with 256 such leaves per tree would need 2 GiB; the tables are capped at
///   2^25 coefficients (256 MiB, `DecisionPatternHistograms.maxCoefficients`) and the trees
///   beyond the cap (all but about 64 of those 500) go to `DeepPatternTables` (3 · 2^d doubles per leaf).
struct InterventionalTables {
  /// Per tree: true when the tree has tables.
  let treeIsTabled: [Bool]
  /// The first node of each patterned tree, in file order, with its tree index.
  let tabledRoots: [(tree: Int, root: Int)]
  let stackCapacity: Int
  /// See `DecisionPatternHistograms.info`.
  let info: [UInt32]
  /// Per leaf record: first coefficient; one extra entry at the end.
  let coefficientStart: [Int]
  /// Per leaf record: first entry of `leafFeatures`; one extra entry at the end.
  let featureStart: [Int]
  let leafFeatures: [Int32]
  /// Per leaf record, `[X][k]` for X < 2^d, k < d.
  let coefficients: [Double]

  /// The bytes the coefficient tables take.
  var byteCount: Int { coefficients.count * MemoryLayout<Double>.stride }

  /// - Parameters: `weightTable[a · stride + b] = a! b! / (a+b+1)!`.
  init(_ e: TreeEnsemble, histograms h: DecisionPatternHistograms, weightTable: [Double], stride: Int) {
    var coefficientStart: [Int] = []
    var total = 0
    for record in 0..<h.leafCount {
      coefficientStart.append(total)
      let d = h.featureStart[record + 1] - h.featureStart[record]
      total += (1 << d) * d
    }
    coefficientStart.append(total)
    var coefficients = [Double](repeating: 0, count: total)
    let scale = h.massScale
    coefficients.withUnsafeMutableBufferPointer { c in
      for record in 0..<h.leafCount {
        let d = h.featureStart[record + 1] - h.featureStart[record]
        let full = (1 << d) - 1
        let v = h.leafValues[record]
        let start = coefficientStart[record]
        let masses = h.massStart[record]
        for zMask in 0...full where h.masses[masses + zMask] != 0 {
          let mass = scale == 1 ? h.masses[masses + zMask] * v : h.masses[masses + zMask] * scale * v
          let a = full & ~zMask
          let na = a.nonzeroBitCount
          // X = A ∪ S for every S ⊆ Z; B = Z \ S.
          var s = zMask
          while true {
            let bSet = zMask & ~s
            let nb = bSet.nonzeroBitCount
            if na + nb > 0 {
              let x = a | s
              let up = na > 0 ? mass * weightTable[(na - 1) * stride + nb] : 0
              let down = nb > 0 ? mass * weightTable[na * stride + nb - 1] : 0
              let row = start + x * d
              // Only the features in A or B: the others' terms are 0.
              var inA = a
              while inA != 0 {
                c[row &+ inA.trailingZeroBitCount] += up
                inA &= inA &- 1
              }
              var inB = bSet
              while inB != 0 {
                c[row &+ inB.trailingZeroBitCount] += -down
                inB &= inB &- 1
              }
            }
            if s == 0 { break }
            s = (s - 1) & zMask
          }
        }
      }
    }
    treeIsTabled = h.treeIsTabled
    tabledRoots = (0..<e.treeCount).filter { h.treeIsTabled[$0] }.map { ($0, e.treeStart[$0]) }
    stackCapacity = h.stackCapacity
    info = h.info
    self.coefficientStart = coefficientStart
    featureStart = h.featureStart
    leafFeatures = h.leafFeatures
    self.coefficients = coefficients
  }

  /// Adds the attributions of `count` prepared rows `x` (row-major) in every patterned tree
  /// to `phi` (`[row][output][feature]`). Tree by tree, so that one tree's tables stay in
  /// cache; each row's sums still run over the trees in file order.
  /// - Complexity: O(count · Σ patterned trees (N + L · d)).
  func addAll(_ e: TreeEnsemble, x rows: UnsafePointer<Double>, count: Int, phi: UnsafeMutablePointer<Double>) {
    let m = e.featureCount
    let stride = m * e.outputCount
    DecisionPatternHistograms.withWalk(e, info, stackCapacity: stackCapacity) { nodes, info, categories, stack in
      coefficients.withUnsafeBufferPointer { c in
        leafFeatures.withUnsafeBufferPointer { features in
          coefficientStart.withUnsafeBufferPointer { coefficientStart in
            featureStart.withUnsafeBufferPointer { featureStart in
              e.treeOutputs.withUnsafeBufferPointer { outputs in
                for (t, root) in tabledRoots {
                  for r in 0..<count {
                    let x = rows + r * m
                    let out = phi + r * stride + outputs[t] * m
                    DecisionPatternHistograms.walk(
                      nodes, info, root: root, stack: stack,
                      goesLeft: { _, node in node.child(x[Int(node.feature)], categories) == node.left }
                    ) { record, failed in
                      let fs = featureStart[record]
                      let d = featureStart[record &+ 1] &- fs
                      let base = coefficientStart[record] &+ (((1 &<< d) &- 1) & ~Int(failed)) &* d
                      for k in 0..<d { out[Int(features[fs &+ k])] += c[base &+ k] }
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
