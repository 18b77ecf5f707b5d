/// Batch margin evaluation of a `TreeEnsemble` on compact 24-byte nodes, tree-major over
/// blocks of rows, with a branch-free split test.
///
/// Layout: a node holds its threshold, feature and the offsets of its two children. A
/// numeric split with the NaN-to-default rule is tested as `x < threshold` (the `x <= t`
/// of LightGBM and scikit-learn becomes `x < t.nextUp`, exact for every double x when t
/// is finite); NaN compares false both ways, so `!(x >= t)` sends it left and `x < t`
/// right. The comparison selects which offset is loaded, so there is no data-dependent
/// branch. A leaf is its own child (both offsets 0), so every row walks exactly
/// `treeDepths[t]` steps and there is no leaf test either.
/// Categorical splits, LightGBM's `None`/`Zero` missing rules and infinite thresholds
/// are `generic` nodes decided by `TreeNode.child`. Trees holding one, and trees deeper
/// than `fixedDepthLimit` (LightGBM grows unbalanced trees, where most leaves are far
/// shallower than the depth), walk each row to its leaf with `TreeNode.child` instead.
///
/// Rows are processed in blocks of `blockRows`: the block's prepared inputs stay in L1
/// while each tree's nodes are read once per block, and all rows of the block advance one
/// level at a time, so their independent node loads overlap.
///
/// Results are bit-identical to the row-by-row walk (`TreeEnsemble.referenceMargins`):
/// each output is accumulated in tree order, in float32 for XGBoost
/// (`Float(weight) · Float(value)` per leaf, precomputed) and in double otherwise.
///
/// - Complexity: O(count · Σ tree depths) time; O(nodes) memory for the layout, plus
///   O(blockRows · (features + outputs)) scratch per call.
struct FastTreePredictor: Sendable {
  /// Rows walked together per tree.
  static let blockRows = 128

  /// A node as the predictor reads it (24 bytes).
  struct Node: Sendable {
    /// Split threshold for `x < threshold` (0 at leaves).
    var threshold: Double
    /// The feature in bits 0-29, plus `defaultLeft` and `generic`.
    var info: UInt32
    /// Offsets of the children from the node (global index differences); 0 and 0 at a
    /// leaf, which is its own child. The step loads the offset its comparison selects,
    /// so the choice compiles to an address, not a branch.
    var leftOffset: Int32
    var rightOffset: Int32
    var padding: UInt32 = 0
    static let defaultLeft: UInt32 = 1 << 31
    static let generic: UInt32 = 1 << 30
    static let featureMask: UInt32 = (1 << 30) - 1
  }

  let nodes: [Node]
  /// Per node: `Float(weight) · Float(value)` of its tree (0 at internal nodes).
  let leafValues32: [Float]
  /// Per node: `weight · value` of its tree in double (0 at internal nodes).
  let leafValues64: [Double]
  /// Per tree: true when rows stop at their leaf (a `generic` node, or a deep tree).
  let treeIsGeneric: [Bool]
  /// Deepest tree walked for a fixed number of steps.
  static let fixedDepthLimit = 10

  init(
    nodes source: [TreeNode], values: [Double], treeStart: [Int], treeWeights: [Double], treeDepths: [Int],
    featureCount: Int
  ) {
    precondition(featureCount < 1 << 30, "too many features for the compact layout")
    // `Walk.step` reads the fields at these byte offsets.
    precondition(
      MemoryLayout<Node>.offset(of: \.info) == 8 && MemoryLayout<Node>.offset(of: \.leftOffset) == 12
        && MemoryLayout<Node>.offset(of: \.rightOffset) == 16)
    var nodes = [Node](repeating: Node(threshold: 0, info: 0, leftOffset: 0, rightOffset: 0), count: source.count)
    var v32 = [Float](repeating: 0, count: source.count)
    var v64 = [Double](repeating: 0, count: source.count)
    var generic = [Bool](repeating: false, count: treeWeights.count)
    for t in 0..<treeWeights.count {
      let w = treeWeights[t]
      if treeDepths[t] > Self.fixedDepthLimit { generic[t] = true }
      for n in treeStart[t]..<treeStart[t + 1] {
        let node = source[n]
        if node.isLeaf {
          nodes[n] = Node(threshold: 0, info: 0, leftOffset: 0, rightOffset: 0)
          v32[n] = Float(w) * Float(values[n])
          v64[n] = w * values[n]
          continue
        }
        let flags = node.flags
        let plain =
          flags & (TreeNode.Flags.categorical | TreeNode.Flags.missingMask) == 0 && node.threshold.isFinite
        var info = UInt32(node.feature)
        if flags & TreeNode.Flags.defaultLeft != 0 { info |= Node.defaultLeft }
        var threshold = node.threshold
        if plain {
          if flags & TreeNode.Flags.strictLess == 0 { threshold = threshold.nextUp }
        } else {
          info |= Node.generic
          generic[t] = true
        }
        nodes[n] = Node(threshold: threshold, info: info, leftOffset: node.left - Int32(n), rightOffset: node.right - Int32(n))
      }
    }
    self.nodes = nodes
    leafValues32 = v32
    leafValues64 = v64
    treeIsGeneric = generic
  }

  /// Writes margins `[row][output]` of `count` rows into `out`, as
  /// `TreeEnsemble.predictMargins` documents.
  func predict(
    _ e: TreeEnsemble, _ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>
  ) {
    let m = e.featureCount
    let k = e.outputCount
    guard count > 0, k > 0, let outBase = out.baseAddress else { return }
    let block = Self.blockRows
    let prepared = UnsafeMutablePointer<Double>.allocate(capacity: max(1, block * m))
    let cursor = UnsafeMutablePointer<Int32>.allocate(capacity: block)
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: block * k)
    prepared.initialize(repeating: 0, count: max(1, block * m))
    cursor.initialize(repeating: 0, count: block)
    sums.initialize(repeating: 0, count: block * k)
    defer {
      prepared.deallocate()
      cursor.deallocate()
      sums.deallocate()
    }
    let float32 = e.accumulation == .float32
    nodes.withUnsafeBufferPointer { nodeBuffer in
      e.nodes.withUnsafeBufferPointer { treeNodes in
        e.categoryWords.withUnsafeBufferPointer { words in
          leafValues32.withUnsafeBufferPointer { v32 in
            leafValues64.withUnsafeBufferPointer { v64 in
              let walk = Walk(
                nodes: nodeBuffer.baseAddress!, treeNodes: treeNodes.baseAddress!, words: words,
                x: UnsafePointer(prepared), cursor: cursor, featureCount: m)
              var start = 0
              while start < count {
                let n = min(block, count - start)
                let src = rows.baseAddress! + start * m
                for i in 0..<(n * m) { prepared[i] = e.prepared(src[i]) }
                let o = outBase + start * k
                if float32 {
                  for r in 0..<n {
                    for c in 0..<k { sums[r * k + c] = Float(e.baseMargins[c]) }
                  }
                } else {
                  for r in 0..<n {
                    for c in 0..<k { o[r * k + c] = e.baseMargins[c] }
                  }
                }
                for t in 0..<e.treeCount {
                  walk.run(root: e.treeStart[t], depth: e.treeDepths[t], rows: n, generic: treeIsGeneric[t])
                  let g = e.treeOutputs[t]
                  if float32 {
                    let s = sums + g
                    for r in 0..<n { s[r &* k] = s[r &* k] + v32[Int(cursor[r])] }
                  } else {
                    let s = o + g
                    for r in 0..<n { s[r &* k] += v64[Int(cursor[r])] }
                  }
                }
                if float32 {
                  for i in 0..<(n * k) { o[i] = Double(sums[i]) }
                }
                start += n
              }
            }
          }
        }
      }
    }
  }

  /// Walks one tree for a block of rows, leaving each row's leaf in `cursor`.
  struct Walk {
    let nodes: UnsafePointer<Node>
    let treeNodes: UnsafePointer<TreeNode>
    let words: UnsafeBufferPointer<UInt32>
    let x: UnsafePointer<Double>
    let cursor: UnsafeMutablePointer<Int32>
    let featureCount: Int

    /// - Complexity: O(rows · depth).
    @inline(__always)
    func run(root: Int, depth: Int, rows: Int, generic: Bool) {
      let start = Int32(truncatingIfNeeded: root)
      for r in 0..<rows { cursor[r] = start }
      let m = featureCount
      if generic {
        for r in 0..<rows {
          let row = x + r &* m
          var n = root
          while true {
            let node = treeNodes[n]
            if node.left < 0 { break }
            n = Int(node.child(row[Int(node.feature)], words))
          }
          cursor[r] = Int32(truncatingIfNeeded: n)
        }
        return
      }
      for _ in 0..<depth {
        for r in 0..<rows {
          cursor[r] = Self.step(nodes, Int(cursor[r]), x + r &* m)
        }
      }
    }

    /// The child of plain node `n` (or `n` itself at a leaf) for the row `row`, without
    /// branches: the comparison picks which child offset to load.
    @inline(__always)
    static func step(_ nodes: UnsafePointer<Node>, _ n: Int, _ row: UnsafePointer<Double>) -> Int32 {
      let p = UnsafeRawPointer(nodes + n)
      let threshold = p.load(as: Double.self)
      let info = p.load(fromByteOffset: 8, as: UInt32.self)
      let value = row[Int(info & Node.featureMask)]
      let goesRight = info & Node.defaultLeft != 0 ? value >= threshold : !(value < threshold)
      let offset = p.load(fromByteOffset: 12 &+ (goesRight ? 4 : 0), as: Int32.self)
      return Int32(truncatingIfNeeded: n) &+ offset
    }
  }
}
