import GlassboxModels

/// Path-dependent SHAP values from `FastTreeTables` (Fast TreeSHAP v2), in double.
///
/// Rows are processed in chunks of `chunkRows`, tree by tree, so that one tree's nodes
/// and tables stay in cache while every row of the chunk walks it. For one row and tree
/// the walk visits every node once, carrying the mask of path features the row has
/// failed; at a leaf, A = U minus that mask selects the table entries (see
/// `FastTreeTables`). Trees without tables use the classic kernel in double.
///
/// Tolerance: ≈1e-15 of the row's largest |φ| against the classic double algorithm.
///
/// - Complexity: O(T · (N + L · D)) per row for T trees of N nodes, L leaves and at most
///   D distinct features per path; memory O(chunkRows · features) plus the tables.
struct FastPathDependentKernel {
  /// Rows per chunk: the chunk's inputs and outputs (~2 · 256 · features doubles) stay in
  /// L1/L2 while the trees stream past.
  static let chunkRows = 256

  let ensemble: TreeEnsemble
  let fast: FastTreeTables
  let classic: TreeTables<Double>

  /// Writes SHAP values `[row][output][feature]` for `count` rows into `out`.
  func contributions(_ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>) {
    let e = ensemble
    let m = e.featureCount
    let width = e.outputCount * m
    guard count > 0, width > 0, let outBase = out.baseAddress else { return }
    outBase.update(repeating: 0, count: count * width)
    // Room for a last block of 8 rows past the chunk (walked, adding nothing).
    let preparedCount = (Self.chunkRows + Walker.blockRows) * m
    let prepared = UnsafeMutablePointer<Double>.allocate(capacity: preparedCount)
    prepared.initialize(repeating: 0, count: preparedCount)
    let stackNode = UnsafeMutablePointer<Int32>.allocate(capacity: fast.stackCapacity + 1)
    let stackMask = UnsafeMutablePointer<UInt32>.allocate(capacity: fast.stackCapacity + 1)
    let blockMasks = UnsafeMutablePointer<SIMD8<UInt32>>.allocate(capacity: fast.stackCapacity + 1)
    let capacity = classic.pathCapacity
    let pathFeature = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
    let pathZero = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
    let pathOne = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
    let pathWeight = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
    let treePhi = UnsafeMutablePointer<Double>.allocate(capacity: m + 1)
    pathFeature.initialize(repeating: -1, count: capacity)
    for p in [pathZero, pathOne, pathWeight] { p.initialize(repeating: 0, count: capacity) }
    treePhi.initialize(repeating: 0, count: m + 1)
    defer {
      prepared.deallocate()
      stackNode.deallocate()
      stackMask.deallocate()
      blockMasks.deallocate()
      pathFeature.deallocate()
      for p in [pathZero, pathOne, pathWeight, treePhi] { p.deallocate() }
    }
    e.nodes.withUnsafeBufferPointer { nodes in
      e.categoryWords.withUnsafeBufferPointer { words in
        fast.nodes.withUnsafeBufferPointer { walkNodes in
          fast.leafTableStart.withUnsafeBufferPointer { tableStart in
            fast.leafFeatureStart.withUnsafeBufferPointer { featureStart in
              fast.leafFeatures.withUnsafeBufferPointer { features in
                fast.leafOneMinusZero.withUnsafeBufferPointer { oneMinusZero in
                  fast.table.withUnsafeBufferPointer { table in
                    fast.leafTermStart.withUnsafeBufferPointer { termStartBuffer in
                      fast.terms.withUnsafeBufferPointer { termsBuffer in
                        let termStart = termStartBuffer.baseAddress!
                        let terms = termsBuffer.baseAddress!
                        classic.values.withUnsafeBufferPointer { values in
                          classic.covers.withUnsafeBufferPointer { covers in
                            classic.features.withUnsafeBufferPointer { treeFeatures in
                              let walker = Walker(
                                nodes: nodes.baseAddress!, words: words, walkNodes: walkNodes.baseAddress!,
                                tableStart: tableStart.baseAddress!, featureStart: featureStart.baseAddress!,
                                features: features.baseAddress!, oneMinusZero: oneMinusZero.baseAddress!,
                                table: table.baseAddress!, termStart: termStart, terms: terms, stackNode: stackNode,
                                stackMask: stackMask)
                              var kernel = PathDependentKernel<Double>(
                                nodes: nodes.baseAddress!, words: words, values: values.baseAddress!,
                                covers: covers.baseAddress!, x: UnsafePointer(prepared), phi: treePhi,
                                pathFeature: pathFeature, pathZero: pathZero, pathOne: pathOne, pathWeight: pathWeight)
                              var start = 0
                              while start < count {
                                let n = min(Self.chunkRows, count - start)
                                for i in 0..<(n * m) { prepared[i] = e.prepared(rows[start * m + i]) }
                                for t in 0..<e.treeCount {
                                  let fs = classic.featureStart[t]
                                  let fe = classic.featureStart[t + 1]
                                  if fs == fe { continue }  // a single leaf: only the bias changes
                                  let root = e.treeStart[t]
                                  let phiBase = outBase + start * width + e.treeOutputs[t] * m
                                  if fast.treeIsFast[t] {
                                    for r in stride(from: 0, to: n, by: Walker.blockRows) {
                                      walker.walkBlock(
                                        root: root, x: prepared + r * m, stride: m, phi: phiBase + r * width, width: width,
                                        rows: min(Walker.blockRows, n - r), masks: blockMasks)
                                    }
                                    continue
                                  }
                                  let w = classic.weights[t]
                                  for r in 0..<n {
                                    kernel.x = UnsafePointer(prepared + r * m)
                                    kernel.run(root: root)
                                    let phi = phiBase + r * width
                                    for i in fs..<fe {
                                      let f = Int(treeFeatures[i])
                                      phi[f] += treePhi[f] * w
                                      treePhi[f] = 0
                                    }
                                  }
                                }
                                start += n
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
        }
      }
    }
  }

  /// One tree walk for one row: every node once, leaves add their table terms to `phi`.
  struct Walker {
    let nodes: UnsafePointer<TreeNode>
    let words: UnsafeBufferPointer<UInt32>
    let walkNodes: UnsafePointer<FastTreeTables.WalkNode>
    let tableStart: UnsafePointer<Int>
    let featureStart: UnsafePointer<Int32>
    let features: UnsafePointer<Int32>
    let oneMinusZero: UnsafePointer<Double>
    let table: UnsafePointer<Double>
    let termStart: UnsafePointer<Int>
    let terms: UnsafePointer<Double>
    let stackNode: UnsafeMutablePointer<Int32>
    let stackMask: UnsafeMutablePointer<UInt32>

    /// - Complexity: O(N + L · D) for the tree at `root`.
    @inline(__always)
    func walk(root: Int, x: UnsafePointer<Double>, phi: UnsafeMutablePointer<Double>) {
      typealias Node = FastTreeTables.WalkNode
      stackNode[0] = Int32(truncatingIfNeeded: root)
      stackMask[0] = 0
      var top = 1
      while top > 0 {
        top &-= 1
        var n = Int(stackNode[top])
        var failed = stackMask[top]
        while true {
          let node = walkNodes[n]
          if node.left < 0 {
            leaf(Int(node.info), failed: failed, phi: phi)
            break
          }
          let value = x[Int(node.feature)]
          let goesLeft: Bool
          if node.info & Node.generic == 0 {
            // NaN compares false both ways, so it takes the default child.
            let less = value < node.threshold
            let notGreaterEqual = !(value >= node.threshold)
            goesLeft = node.info & Node.defaultLeft != 0 ? notGreaterEqual : less
          } else {
            goesLeft = nodes[n].child(value, words) == node.left
          }
          let bit = node.info & Node.bitMask
          let leftFails = goesLeft ? 0 : bit
          stackNode[top] = node.right
          stackMask[top] = failed | (bit ^ leftFails)
          top &+= 1
          failed |= leftFails
          n = Int(node.left)
        }
      }
    }

    /// Adds leaf `record`'s terms for the row whose failed path features are `failed`.
    @inline(__always)
    func leaf(_ record: Int, failed: UInt32, phi: UnsafeMutablePointer<Double>) {
      let fs = Int(featureStart[record])
      let d = Int(featureStart[record &+ 1]) &- fs
      let expanded = termStart[record]
      if expanded >= 0 {
        // The same terms as below, precomputed bit for bit (`LeafTerms`).
        let a = Int(((UInt32(1) << UInt32(d)) &- 1) & ~failed)
        let row = terms + (expanded &+ a &* d)
        let feature = features + fs
        for k in 0..<d { phi[Int(feature[k])] += row[k] }
        return
      }
      let t = table + tableStart[record]
      let a = Int(((UInt32(1) << UInt32(d)) &- 1) & ~failed)
      let w = t[a &* 2]
      let off = (-(w * t[a &* 2 &+ 1])).bitPattern
      let scale = oneMinusZero + fs
      let feature = features + fs
      for k in 0..<d {
        // Branch-free select: on features take (1 − z_k) W(A) G(A∖k), the others `off`.
        let on = (scale[k] * w * t[(a & ~(1 &<< k)) &* 2 &+ 1]).bitPattern
        let mask = 0 &- UInt64(truncatingIfNeeded: (a &>> k) & 1)
        phi[Int(feature[k])] += Double(bitPattern: (on & mask) | (off & ~mask))
      }
    }
  }
}
