/// A LightGBM model trained with `linear_tree=true`: each leaf predicts its constant plus
/// a linear function of some features, and falls back to its plain `leaf_value` when any
/// of those features is missing (LightGBM's `Tree::LinearPredict`).
///
/// The splits, the fallback leaf values and everything else about the trees live in
/// `trees` (an ordinary `TreeEnsemble`); the linear parts are stored per node of it:
/// ```
/// leaf output = missing(any of the leaf's features) ? leafValue
///                                                  : constant + Σ_i coefficient_i · x[feature_i]
/// ```
/// The sum runs in LightGBM's order (constant first, then the terms in file order) in
/// double, so margins equal LightGBM's `predict(raw_score=True)` to ≈1e-15 relative.
/// Path-dependent TreeSHAP does not apply (LightGBM's `pred_contrib` refuses these models);
/// `LinearTreeSHAP` gives exact interventional Shapley values.
public struct LinearTreeEnsemble: DescribableModel {
  /// The trees, whose leaf values are the fallbacks.
  public let trees: TreeEnsemble
  /// Per node of `trees`: the linear part's constant (a constant tree's leaf value; 0 at
  /// split nodes).
  public let leafConstants: [Double]
  /// Per node of `trees`, plus one at the end: where its terms start in `termFeatures`.
  public let termStart: [Int]
  /// Input column of each term.
  public let termFeatures: [Int]
  /// Coefficient of each term.
  public let termCoefficients: [Double]

  public var featureNames: [String] { trees.featureNames }
  public var outputCount: Int { trees.outputCount }
  public var classNames: [String]? { trees.classNames }
  public var transform: OutputTransform { trees.transform }

  public var summary: String {
    "LightGBM linear-tree ensemble (\(trees.objective)), \(trees.treeCount) trees, depth ≤ \(trees.maxDepth), "
      + "\(featureNames.count) features, \(outputCount) output\(outputCount == 1 ? "" : "s"), \(transform.linkName) link"
  }

  public var facts: [(key: String, value: String)] {
    var list = trees.facts
    list[0] = ("summary", summary)
    let linearLeaves = (0..<trees.nodes.count).filter { trees.nodes[$0].isLeaf && termStart[$0 + 1] > termStart[$0] }
    list.append(("linear leaves", "\(linearLeaves.count) (\(termFeatures.count) terms)"))
    return list
  }

  init(trees: TreeEnsemble, leafConstants: [Double], termStart: [Int], termFeatures: [Int], termCoefficients: [Double]) {
    self.trees = trees
    self.leafConstants = leafConstants
    self.termStart = termStart
    self.termFeatures = termFeatures
    self.termCoefficients = termCoefficients
  }

  /// The output of leaf `node` for a prepared row: the linear part, or the leaf value when
  /// one of its features is NaN.
  /// - Complexity: O(terms of the leaf).
  @inlinable
  public func leafOutput(_ node: Int, row: UnsafePointer<Double>) -> Double {
    var output = leafConstants[node]
    for i in termStart[node]..<termStart[node + 1] {
      let x = row[termFeatures[i]]
      if x.isNaN { return trees.values[node] }
      output += termCoefficients[i] * x
    }
    return output
  }

  /// Raw margins (LightGBM's raw scores).
  /// - Complexity: O(count · Σ (tree depth + leaf terms)).
  public func predictMargins(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    checkMarginBuffers(rows, count: count, into: out)
    let m = featureCount
    let k = outputCount
    var row = [Double](repeating: 0, count: m)
    trees.nodes.withUnsafeBufferPointer { nodes in
      trees.categoryWords.withUnsafeBufferPointer { words in
        row.withUnsafeMutableBufferPointer { prepared in
          for r in 0..<count {
            for j in 0..<m { prepared[j] = trees.prepared(rows[r * m + j]) }
            let p = UnsafePointer(prepared.baseAddress!)
            for c in 0..<k { out[r * k + c] = trees.baseMargins[c] }
            for t in 0..<trees.treeCount {
              let leaf = trees.leaf(tree: t, row: p, nodes: nodes, words: words)
              out[r * k + trees.treeOutputs[t]] += trees.treeWeights[t] * leafOutput(leaf, row: p)
            }
          }
        }
      }
    }
  }
}

/// The linear part of each leaf of one LightGBM tree, by LightGBM leaf index.
struct LinearLeavesSpec {
  var constants: [Double] = []
  var features: [[Int]] = []
  var coefficients: [[Double]] = []

  /// Reads `leaf_const`, `num_features`, `leaf_features` and `leaf_coeff` of a tree block.
  /// - Throws: `ModelError.invalid` naming the tree and key.
  static func read(
    _ block: [Substring: Substring], leaves: Int, featureLimit: Int, name: String, path: String
  ) throws -> LinearLeavesSpec {
    func fail(_ key: String, _ problem: String) -> ModelError { .invalid(path: path, field: "\(name) \(key)", problem: problem) }
    func tokens(_ key: String) throws -> [Substring] {
      guard let raw = block[Substring(key)] else { throw fail(key, "missing (the tree is linear)") }
      return raw.split(separator: " ")
    }
    func numbers(_ key: String) throws -> [Double] {
      try tokens(key).map { t in
        guard let d = LightGBMTextLoader.number(t), d.isFinite else {
          throw fail(key, "cannot read '\(LightGBMTextLoader.shown(t))' as a finite number")
        }
        return d
      }
    }
    var spec = LinearLeavesSpec()
    spec.constants = try numbers("leaf_const")
    guard spec.constants.count == leaves else { throw fail("leaf_const", "\(spec.constants.count) entries, expected \(leaves)") }
    let counts = try numbers("num_features")
    guard counts.count == leaves else { throw fail("num_features", "\(counts.count) entries, expected \(leaves)") }
    let features = try numbers("leaf_features")
    let coefficients = try numbers("leaf_coeff")
    var at = 0
    for (j, c) in counts.enumerated() {
      guard let n = Int(exactly: c), n >= 0, n <= features.count - at, n <= coefficients.count - at else {
        throw fail("num_features[\(j)]", "\(c) features, but only \(features.count - at) remain in leaf_features")
      }
      var leafFeatures: [Int] = []
      for f in features[at..<(at + n)] {
        guard let i = Int(exactly: f), i >= 0, i < featureLimit else {
          throw fail("leaf_features", "feature index \(f) is outside 0..<\(featureLimit)")
        }
        leafFeatures.append(i)
      }
      spec.features.append(leafFeatures)
      spec.coefficients.append(Array(coefficients[at..<(at + n)]))
      at += n
    }
    guard at == features.count, at == coefficients.count else {
      throw fail("leaf_coeff", "\(features.count) features and \(coefficients.count) coefficients for \(at) terms")
    }
    return spec
  }
}

extension LinearTreeEnsemble {
  /// Attaches the linear parts to the trees built from the same specs: `linear[t]` (nil for
  /// a tree that is not linear) by LightGBM leaf index, where leaf `j` of tree `t` is local
  /// node `internalCount + j` (as `LightGBMTextLoader` numbers them), and `TreeEnsembleBuilder`
  /// lays each tree out in pre-order from local node 0.
  /// - Complexity: O(total nodes + terms).
  init(trees: TreeEnsemble, specs: [TreeSpec], linear: [LinearLeavesSpec?]) {
    // Leaves of constant trees (is_linear=0) keep their value as the constant.
    var constants = trees.values
    var starts = [Int](repeating: 0, count: trees.nodes.count + 1)
    var termsOfNode = [Int: (features: [Int], coefficients: [Double])]()
    for (t, spec) in specs.enumerated() {
      guard let leaves = linear[t] else { continue }
      let internalCount = spec.count - leaves.constants.count
      var global = trees.treeStart[t]
      var stack = [0]
      while let local = stack.popLast() {
        if spec.left[local] == -1 {
          let j = local - internalCount
          constants[global] = leaves.constants[j]
          termsOfNode[global] = (leaves.features[j], leaves.coefficients[j])
        } else {
          stack.append(spec.right[local])
          stack.append(spec.left[local])
        }
        global += 1
      }
    }
    var features: [Int] = []
    var coefficients: [Double] = []
    for n in 0..<trees.nodes.count {
      starts[n] = features.count
      if let terms = termsOfNode[n] {
        features += terms.features
        coefficients += terms.coefficients
      }
    }
    starts[trees.nodes.count] = features.count
    self.init(
      trees: trees, leafConstants: constants, termStart: starts, termFeatures: features, termCoefficients: coefficients)
  }
}
