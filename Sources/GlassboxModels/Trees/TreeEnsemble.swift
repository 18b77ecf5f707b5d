/// One split or leaf of a tree ensemble, packed for traversal (32 bytes).
///
/// Children are global indices into `TreeEnsemble.nodes`; `left == -1` marks a leaf.
/// The leaf value and the cover live in the parallel arrays `TreeEnsemble.values`
/// and `TreeEnsemble.covers`, which traversal does not touch.
@frozen public struct TreeNode: Sendable, Equatable {
  /// Global index of the left child, or -1 at a leaf.
  public var left: Int32
  /// Global index of the right child, or -1 at a leaf.
  public var right: Int32
  /// Input column tested by the split (0 at leaves).
  public var feature: Int32
  /// Start of the category bitset in `TreeEnsemble.categoryWords` (categorical splits).
  public var categoryStart: Int32
  /// Number of 32-bit words in the category bitset.
  public var categoryWordCount: Int32
  /// `TreeNode.Flags` bits.
  public var flags: UInt8
  /// Numeric threshold (already the exact float32 value for XGBoost).
  public var threshold: Double

  /// Bits of `flags`.
  public enum Flags {
    /// Missing values take the left child.
    public static let defaultLeft: UInt8 = 1
    /// Missing rule in bits 1-2 (`MissingRule.rawValue << 1`).
    public static let missingShift: UInt8 = 1
    public static let missingMask: UInt8 = 0b110
    /// Categorical split.
    public static let categorical: UInt8 = 8
    /// Strict `x < threshold` goes left (XGBoost); otherwise `x <= threshold` (LightGBM, sklearn).
    public static let strictLess: UInt8 = 16
    /// Categories in the set go left (LightGBM); otherwise they go right (XGBoost).
    public static let setGoesLeft: UInt8 = 32
  }

  public init(
    left: Int32, right: Int32, feature: Int32, threshold: Double, flags: UInt8,
    categoryStart: Int32 = 0, categoryWordCount: Int32 = 0
  ) {
    self.left = left
    self.right = right
    self.feature = feature
    self.categoryStart = categoryStart
    self.categoryWordCount = categoryWordCount
    self.flags = flags
    self.threshold = threshold
  }

  /// True at a leaf.
  @inlinable public var isLeaf: Bool { left < 0 }

  /// The child an input value `x` (already rounded as the ensemble requires) goes to.
  ///
  /// - Complexity: O(1).
  @inlinable @inline(__always)
  public func child(_ x: Double, _ words: UnsafeBufferPointer<UInt32>) -> Int32 {
    if flags & Flags.categorical != 0 { return categoricalChild(x, words) }
    var v = x
    switch (flags & Flags.missingMask) >> Flags.missingShift {
    case 0:  // NaN is missing
      if v.isNaN { return flags & Flags.defaultLeft != 0 ? left : right }
    case 1:  // LightGBM None: NaN compares as 0
      if v.isNaN { v = 0 }
    default:  // LightGBM Zero: NaN and (near) zero are missing
      if v.isNaN || abs(v) <= 1e-35 { return flags & Flags.defaultLeft != 0 ? left : right }
    }
    if flags & Flags.strictLess != 0 {
      return v < threshold ? left : right
    }
    return v <= threshold ? left : right
  }

  @inlinable
  func categoricalChild(_ x: Double, _ words: UnsafeBufferPointer<UInt32>) -> Int32 {
    let setLeft = flags & Flags.setGoesLeft != 0
    if x.isNaN {
      if setLeft { return right }  // LightGBM: NaN goes right
      return flags & Flags.defaultLeft != 0 ? left : right
    }
    // XGBoost sends invalid codes (< 0 or ≥ 2^24) left; LightGBM sends negatives right.
    if x < 0 || x >= 16_777_216 { return setLeft ? right : left }
    let c = Int(x)
    let word = c >> 5
    let inSet =
      word < Int(categoryWordCount)
      && words[Int(categoryStart) + word] & (UInt32(1) << UInt32(c & 31)) != 0
    if setLeft { return inSet ? left : right }
    return inSet ? right : left
  }
}

/// A validated tree ensemble (XGBoost, LightGBM or scikit-learn) in one neutral,
/// flattened layout.
///
/// All trees share one node array in depth-first pre-order (root first), so a tree is the
/// contiguous range `treeStart[t] ..< treeStart[t + 1]`. Tree `t` adds
/// `treeWeights[t] · leafValue` to output `treeOutputs[t]`; the margin of output `k` is
/// `baseMargins[k] + Σ` over its trees, in file order.
///
/// Precision follows the source library so margins match it: XGBoost rounds inputs to
/// float32, compares `x < threshold` in float32 and accumulates in float32 (bit for
/// bit); scikit-learn rounds inputs to float32 and compares `<=` against double
/// thresholds; LightGBM works in double (≈1e-15 relative).
public struct TreeEnsemble: Model {
  /// The library that wrote the model.
  public enum Library: String, Sendable {
    case xgboost, lightgbm, sklearn
    case catboost, onnx
  }

  /// How a node treats missing values (NaN) in numeric splits.
  public enum MissingRule: UInt8, Sendable {
    /// NaN takes the default child (XGBoost, sklearn, LightGBM `NaN`).
    case nanToDefault = 0
    /// NaN is compared as 0 (LightGBM `None`).
    case nanAsZero = 1
    /// NaN and |x| ≤ 1e-35 take the default child (LightGBM `Zero`).
    case zeroOrNaNToDefault = 2
  }

  /// Arithmetic used to add tree outputs.
  public enum Precision: Sendable {
    case float32, float64
  }

  public let featureNames: [String]
  public let outputCount: Int
  public let classNames: [String]?
  public let transform: OutputTransform
  /// The library the model came from.
  public let library: Library
  /// The training objective as the file names it.
  public let objective: String
  /// Margin-space intercept per output.
  public let baseMargins: [Double]
  /// True when inputs are rounded to float32 before comparing (XGBoost, sklearn).
  public let roundsInputToFloat: Bool
  /// Arithmetic of the margin sum (float32 for XGBoost).
  public let accumulation: Precision
  /// Divisor applied to margins before the response transform (LightGBM random
  /// forests: the number of iterations); 1 otherwise. Margins themselves are the
  /// library's raw scores (sums), as are its SHAP values.
  public let responseDivisor: Double

  /// All nodes, tree by tree, each tree in pre-order.
  public let nodes: [TreeNode]
  /// Leaf value per node (0 at internal nodes).
  public let values: [Double]
  /// Cover per node: the weight TreeSHAP gives the node (hessian sum, count, or
  /// weighted sample count, depending on the library).
  public let covers: [Double]
  /// Category bitsets of all categorical nodes.
  public let categoryWords: [UInt32]
  /// First node of each tree, plus the total node count at the end.
  public let treeStart: [Int]
  /// Output (class) each tree adds to.
  public let treeOutputs: [Int]
  /// Multiplier of each tree's leaf values (DART weight, learning rate, 1/n, or 1).
  public let treeWeights: [Double]
  /// Depth of each tree (a single leaf has depth 0).
  public let treeDepths: [Int]
  /// The program and version that wrote the file, as far as the file says
  /// ("catboost 1.2.10", "skl2onnx 1.20.0"); nil when it does not.
  public internal(set) var writer: String?
  /// Compact layout used by `predictMargins`.
  let fastPredictor: FastTreePredictor
  /// Labels of the category codes of categorical features, by feature index, when the
  /// file names them (XGBoost ≥ 3.1 `cats`); empty otherwise.
  public internal(set) var categoryLabels: [Int: [String]] = [:]
  /// Library, version and boosting type as the file states them (nil when the loader does not say).
  public internal(set) var provenance: ModelProvenance? = nil
  /// False when the file stores no covers (xgboost ≤ 3.1 vector-leaf trees): `covers` then
  /// holds leaf counts, which path-dependent TreeSHAP must not use (the `tree` method
  /// refuses such models; interventional TreeSHAP needs no covers).
  public internal(set) var coversStored = true

  /// The number of trees.
  public var treeCount: Int { treeOutputs.count }
  /// The largest tree depth.
  public var maxDepth: Int { treeDepths.max() ?? 0 }

  /// Margins summed in float32 (XGBoost) match base + Σφ to about 1e-6 relative: 1e-5;
  /// double sums to 1e-9.
  public var additivityTolerance: Double { accumulation == .float32 ? 1e-5 : 1e-9 }

  public var summary: String {
    let name: String
    switch library {
    case .xgboost: name = "XGBoost"
    case .lightgbm: name = "LightGBM"
    case .sklearn: name = "scikit-learn"
    case .catboost: name = "CatBoost"
    case .onnx: name = "ONNX"
    }
    return
      "\(name) tree ensemble (\(objective)), \(treeCount) trees, depth ≤ \(maxDepth), "
      + "\(featureNames.count) features, \(outputCount) output\(outputCount == 1 ? "" : "s"), "
      + "\(transform.linkName) link"
  }

  /// Assembles a validated ensemble. Loaders build it through `TreeEnsembleBuilder`.
  init(
    featureNames: [String], outputCount: Int, classNames: [String]?, transform: OutputTransform,
    library: Library, objective: String, baseMargins: [Double], roundsInputToFloat: Bool,
    accumulation: Precision, responseDivisor: Double, built: TreeEnsembleBuilder.Built
  ) {
    self.featureNames = featureNames
    self.outputCount = outputCount
    self.classNames = classNames
    self.transform = transform
    self.library = library
    self.objective = objective
    self.baseMargins = baseMargins
    self.roundsInputToFloat = roundsInputToFloat
    self.accumulation = accumulation
    self.responseDivisor = responseDivisor
    self.nodes = built.nodes
    self.values = built.values
    self.covers = built.covers
    self.categoryWords = built.categoryWords
    self.treeStart = built.treeStart
    self.treeOutputs = built.treeOutputs
    self.treeWeights = built.treeWeights
    self.treeDepths = built.treeDepths
    fastPredictor = FastTreePredictor(
      nodes: built.nodes, values: built.values, treeStart: built.treeStart, treeWeights: built.treeWeights,
      treeDepths: built.treeDepths, featureCount: featureNames.count)
  }

  /// The input as trees compare it: rounded to float32 when the library does so, and
  /// LightGBM's tiny values (|x| ≤ 1e-35) flushed to zero as its C API does.
  @inlinable @inline(__always)
  public func prepared(_ x: Double) -> Double {
    if roundsInputToFloat { return Double(Float(x)) }
    if library == .lightgbm, abs(x) <= 1e-35 { return 0 }
    return x
  }

  /// The leaf tree `t` sends a prepared input row to.
  /// - Complexity: O(depth).
  @inlinable
  public func leaf(
    tree t: Int, row: UnsafePointer<Double>, nodes: UnsafeBufferPointer<TreeNode>,
    words: UnsafeBufferPointer<UInt32>
  ) -> Int {
    var n = treeStart[t]
    while true {
      let node = nodes[n]
      if node.left < 0 { return n }
      n = Int(node.child(row[Int(node.feature)], words))
    }
  }

  /// Computes raw margins (library raw scores) for `count` rows with the block-wise,
  /// branch-free `FastTreePredictor`; bit-identical to `referenceMargins`.
  ///
  /// - Complexity: O(count · Σ tree depths).
  public func predictMargins(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    checkMarginBuffers(rows, count: count, into: out)
    fastPredictor.predict(self, rows, count: count, into: out)
  }

  /// Raw margins computed row by row with `TreeNode.child` (the reference the fast
  /// predictor is tested against).
  ///
  /// - Complexity: O(count · Σ tree depths).
  public func referenceMargins(
    _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    let m = featureNames.count
    let k = outputCount
    var row = [Double](repeating: 0, count: m)
    var sums32 = [Float](repeating: 0, count: k)
    nodes.withUnsafeBufferPointer { nodeBuffer in
      categoryWords.withUnsafeBufferPointer { words in
        row.withUnsafeMutableBufferPointer { prepared in
          for r in 0..<count {
            for j in 0..<m { prepared[j] = self.prepared(rows[r * m + j]) }
            let p = UnsafePointer(prepared.baseAddress!)
            switch accumulation {
            case .float32:
              for c in 0..<k { sums32[c] = Float(baseMargins[c]) }
              for t in 0..<treeCount {
                let leaf = leaf(tree: t, row: p, nodes: nodeBuffer, words: words)
                let g = treeOutputs[t]
                sums32[g] = sums32[g] + Float(treeWeights[t]) * Float(values[leaf])
              }
              for c in 0..<k { out[r * k + c] = Double(sums32[c]) }
            case .float64:
              for c in 0..<k { out[r * k + c] = baseMargins[c] }
              for t in 0..<treeCount {
                let leaf = leaf(tree: t, row: p, nodes: nodeBuffer, words: words)
                out[r * k + treeOutputs[t]] += treeWeights[t] * values[leaf]
              }
            }
          }
        }
      }
    }
  }
}
