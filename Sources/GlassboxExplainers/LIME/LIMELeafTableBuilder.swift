import GlassboxModels
import GlassboxSystem

/// The walk over a tree ensemble's leaves that `LIMELeafTable` is built from: per leaf its
/// value, output and entries (one per feature its path tests, in the order of their first
/// tests, each pointing at a term); per feature its distinct terms (keys), numbered in the
/// order the leaves meet them.
///
/// The set of x_j values a path allows depends on its tests on j only through their
/// *state*: the interval ends (the tightest raw cutoffs on each side), the point levels'
/// pass bits (the AND of the tests' sides, `TreeNode.child` exact) and whether some test is
/// categorical. The walk keeps every feature's state as it descends (saved and restored
/// around each child), and a feature's term is looked up only when a leaf below a change
/// of its state asks for it: first by the state (a hash of a few words), then, for a new
/// state, by the key its masses make (`TermKey`), so that different states with the same
/// masses share one term. A term's masses are the law's masses of the state's interval
/// under each truncated-normal level (computed once per distinct interval), its pass bits
/// for point levels and "missing"; a Gaussian feature's key is its interval's ends.
///
/// - Complexity: O(nodes · (1 + point-level words) + entries) plus one hash per edge below
///   a test and O(levels) per distinct state.
struct LIMELeafTableBuilder {
  /// Per leaf: its value times its tree's weight, its output, and where its entries end.
  let leafValues: [Double]
  let leafOutputs: [Int32]
  let leafStart: [Int32]
  /// Per entry: its feature, and its term's number among the feature's terms.
  let entryFeature: [Int32]
  let entryTerm: [Int32]
  /// Per feature: its terms' keys in the order they were first met.
  let keys: [[[Double]]]

  /// - Throws: `ExplainerError.unsupportedOutput` when a categorical split tests a
  ///   feature LIME samples as continuous (its mass has no closed form here).
  init(_ ensemble: TreeEnsemble, laws: [LIMEFeatureLaw]) throws {
    var walker = LeafWalker(ensemble, laws: laws)
    defer { walker.deallocate() }
    try ensemble.nodes.withUnsafeBufferPointer { nodes in
      for t in 0..<ensemble.treeCount {
        try walker.visit(
          ensemble.treeStart[t], weight: ensemble.treeWeights[t], output: Int32(ensemble.treeOutputs[t]),
          values: ensemble.values, nodes: nodes.baseAddress!)
      }
    }
    leafValues = walker.leafValues
    leafOutputs = walker.leafOutputs
    leafStart = walker.leafStart
    entryFeature = walker.entryFeature
    entryTerm = walker.entryTerm
    keys = walker.keys
  }

  static func categoricalSplitError(_ name: String) -> ExplainerError {
    .unsupportedOutput(
      method: "lime",
      problem: "the exact estimator cannot follow a categorical split on '\(name)', which the card leaves numeric; use \(Parameter.estimator) sampled")
  }
}

/// A feature's state as a dictionary key (the numbers of its interval ends, its pass
/// words, its categorical flag) for the features a flat key does not fit.
struct LIMELeafStateKey: Hashable {
  let lower: Int32, upper: Int32
  let pass: [UInt64]
  let categorical: Bool
}

/// Open addressing with linear probing over a power-of-two table at most half full, from
/// two words to a term number: the walk's state look-up for features whose state fits
/// two words (`LIMELeafTableBuilder`).
struct LIMEFlatStateMap {
  private var keys: [UInt64]
  private var values: [Int32]
  private var count = 0
  private var mask: Int

  init() {
    keys = [UInt64](repeating: 0, count: 2 * 64)
    values = [Int32](repeating: -1, count: 64)
    mask = 63
  }

  private static func slot(_ a: UInt64, _ b: UInt64, mask: Int) -> Int {
    var h = (a &* 0x9E37_79B9_7F4A_7C15) ^ b
    h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
    return Int(truncatingIfNeeded: h >> 32) & mask
  }

  /// The value stored for (a, b), or −1.
  /// - Complexity: O(1) expected.
  func find(_ a: UInt64, _ b: UInt64) -> Int32 {
    var s = Self.slot(a, b, mask: mask)
    while values[s] >= 0 {
      if keys[2 * s] == a && keys[2 * s + 1] == b { return values[s] }
      s = (s + 1) & mask
    }
    return -1
  }

  /// Stores `value` (≥ 0) for (a, b), which must be absent.
  mutating func insert(_ a: UInt64, _ b: UInt64, _ value: Int32) {
    if 2 * (count + 1) > mask + 1 {
      let oldKeys = keys, oldValues = values
      mask = 2 * (mask + 1) - 1
      keys = [UInt64](repeating: 0, count: 2 * (mask + 1))
      values = [Int32](repeating: -1, count: mask + 1)
      count = 0
      for s in oldValues.indices where oldValues[s] >= 0 { insert(oldKeys[2 * s], oldKeys[2 * s + 1], oldValues[s]) }
    }
    var s = Self.slot(a, b, mask: mask)
    while values[s] >= 0 { s = (s + 1) & mask }
    keys[2 * s] = a
    keys[2 * s + 1] = b
    values[s] = value
    count += 1
  }
}

/// The walk's state (`LIMELeafTableBuilder`; a struct, so that its mutations are checked
/// for exclusivity at compile time): per feature its state on the current path
/// in flat buffers, per node its point levels' sides and cutoff, computed once up front.
private struct LeafWalker {
  var leafValues: [Double] = []
  var leafOutputs: [Int32] = []
  var leafStart: [Int32] = [0]
  var entryFeature: [Int32] = []
  var entryTerm: [Int32] = []
  var keys: [[[Double]]]

  let laws: [LIMEFeatureLaw]
  var keyIndex: [[TermKey: Int32]]
  /// Term look-up by state: flat for features whose state fits two words (one pass word),
  /// a dictionary otherwise.
  var flatStates = LIMEFlatStateMap()
  var stateIndex: [[LIMELeafStateKey: Int32]]
  let flat: [Bool]
  var intervalMasses: [[IntervalKey: [Double]]]
  let hasContinuousLevels: [Bool]
  /// Per feature: its pass words' start (`levelCount / 64 + 1` words each).
  let passStart: [Int], wordCounts: [Int]
  /// Per feature on the current path: interval ends and their numbers (0: −∞, 1: +∞, then
  /// one per distinct cutoff of the feature, by bit pattern), categorical flag, term (−1:
  /// unknown), whether the path tests it; the pass words; the tested features in the order
  /// of their first tests; saved pass words of the nodes above.
  let lower: UnsafeMutablePointer<Double>, upper: UnsafeMutablePointer<Double>
  let lowerNumber: UnsafeMutablePointer<Int32>, upperNumber: UnsafeMutablePointer<Int32>
  let categorical: UnsafeMutablePointer<Bool>, onPath: UnsafeMutablePointer<Bool>
  let term: UnsafeMutablePointer<Int32>
  let pass: UnsafeMutablePointer<UInt64>
  let pathFeatures: UnsafeMutablePointer<Int32>
  var pathCount = 0
  let saved: UnsafeMutablePointer<UInt64>
  var savedTop = 0
  /// Per internal node: where its point levels' left sides start in `pointMasks` (bit l
  /// when point level l goes left, bit `levelCount` when "missing" does; `TreeNode.child`,
  /// exact), and its raw cutoff (numeric splits) with the cutoff's number.
  let pointMaskStart: [Int32]
  let pointMasks: [UInt64]
  let cuts: [Double]
  let cutNumbers: [Int32]
  var keyScratch: [Double] = []

  init(_ ensemble: TreeEnsemble, laws: [LIMEFeatureLaw]) {
    let m = laws.count
    self.laws = laws
    keys = [[[Double]]](repeating: [], count: m)
    keyIndex = [[TermKey: Int32]](repeating: [:], count: m)
    stateIndex = [[LIMELeafStateKey: Int32]](repeating: [:], count: m)
    intervalMasses = [[IntervalKey: [Double]]](repeating: [:], count: m)
    hasContinuousLevels = laws.map { law in law.points.contains { $0 == nil } }
    let wordCounts = laws.map { $0.levelCount / 64 + 1 }
    self.wordCounts = wordCounts
    var starts: [Int] = []
    var words = 0
    for w in wordCounts {
      starts.append(words)
      words += w
    }
    passStart = starts
    lower = .allocate(capacity: max(1, m))
    lower.initialize(repeating: -.infinity, count: max(1, m))
    upper = .allocate(capacity: max(1, m))
    upper.initialize(repeating: .infinity, count: max(1, m))
    lowerNumber = .allocate(capacity: max(1, m))
    lowerNumber.initialize(repeating: 0, count: max(1, m))
    upperNumber = .allocate(capacity: max(1, m))
    upperNumber.initialize(repeating: 1, count: max(1, m))
    categorical = .allocate(capacity: max(1, m))
    categorical.initialize(repeating: false, count: max(1, m))
    onPath = .allocate(capacity: max(1, m))
    onPath.initialize(repeating: false, count: max(1, m))
    term = .allocate(capacity: max(1, m))
    term.initialize(repeating: -1, count: max(1, m))
    pass = .allocate(capacity: max(1, words))
    pass.initialize(repeating: ~0, count: max(1, words))
    pathFeatures = .allocate(capacity: max(1, m))
    let maxWords = wordCounts.max() ?? 1
    let depth = ensemble.maxDepth + 1
    saved = .allocate(capacity: depth * maxWords)
    // Every internal node's point masks and cutoff.
    let pointValues = laws.map { law in
      (0...law.levelCount).compactMap { l -> (Int, Double)? in
        if l == law.levelCount { return (l, ensemble.prepared(.nan)) }
        return law.points[l].map { (l, ensemble.prepared($0)) }
      }
    }
    var maskStart = [Int32](repeating: -1, count: ensemble.nodes.count)
    var total = 0
    for (n, node) in ensemble.nodes.enumerated() where !node.isLeaf {
      maskStart[n] = Int32(total)
      total += wordCounts[Int(node.feature)]
    }
    var masks = [UInt64](repeating: 0, count: total)
    var cuts = [Double](repeating: 0, count: ensemble.nodes.count)
    var cutNumbers = [Int32](repeating: 0, count: ensemble.nodes.count)
    // Per feature: how many distinct cutoffs (by bit pattern) it has; numbers from 2.
    var cutCounts = [Int32](repeating: 0, count: m)
    var numbers = LIMEFlatStateMap()
    ensemble.categoryWords.withUnsafeBufferPointer { categoryWords in
      for (n, node) in ensemble.nodes.enumerated() where !node.isLeaf {
        let j = Int(node.feature)
        let start = Int(maskStart[n])
        for (l, v) in pointValues[j] where node.child(v, categoryWords) == node.left {
          masks[start + (l >> 6)] |= 1 << UInt64(l & 63)
        }
        if node.flags & TreeNode.Flags.categorical == 0 {
          let cut = LIMELeafTable.cutoff(node, roundsToFloat: ensemble.roundsInputToFloat)
          cuts[n] = cut
          var number = numbers.find(UInt64(j), cut.bitPattern)
          if number < 0 {
            number = cutCounts[j] + 2
            cutCounts[j] += 1
            numbers.insert(UInt64(j), cut.bitPattern, number)
          }
          cutNumbers[n] = number
        }
      }
    }
    pointMaskStart = maskStart
    pointMasks = masks
    self.cuts = cuts
    self.cutNumbers = cutNumbers
    flat = (0..<m).map { j in wordCounts[j] == 1 && j < 1 << 15 && cutCounts[j] + 2 < 1 << 24 }
  }

  func deallocate() {
    lower.deallocate()
    upper.deallocate()
    lowerNumber.deallocate()
    upperNumber.deallocate()
    categorical.deallocate()
    onPath.deallocate()
    term.deallocate()
    pass.deallocate()
    pathFeatures.deallocate()
    saved.deallocate()
  }

  mutating func visit(
    _ n: Int, weight: Double, output: Int32, values: [Double], nodes: UnsafePointer<TreeNode>
  ) throws {
    let node = nodes[n]
    if node.isLeaf {
      try addLeaf(value: values[n] * weight, output: output)
      return
    }
    let j = Int(node.feature)
    let wordCount = wordCounts[j]
    let p = pass + passStart[j]
    let mask = Int(pointMaskStart[n])
    // The state of j above this node, restored after each child.
    let savedLower = lower[j], savedUpper = upper[j], savedCategorical = categorical[j], savedTerm = term[j]
    let savedLowerNumber = lowerNumber[j], savedUpperNumber = upperNumber[j]
    let save = saved + savedTop
    save.update(from: p, count: wordCount)
    savedTop += wordCount
    let firstTest = !onPath[j]
    if firstTest {
      onPath[j] = true
      pathFeatures[pathCount] = Int32(j)
      pathCount += 1
    }
    let isCategorical = node.flags & TreeNode.Flags.categorical != 0
    let cut = cuts[n], cutNumber = cutNumbers[n]
    for side in 0..<2 {
      let left = side == 0
      for w in 0..<wordCount { p[w] &= left ? pointMasks[mask + w] : ~pointMasks[mask + w] }
      if isCategorical {
        categorical[j] = true
      } else if left {
        // min(upper, cut) and max(lower, cut), with the number of the end they keep.
        if cut < upper[j] {
          upper[j] = cut
          upperNumber[j] = cutNumber
        }
      } else if cut >= lower[j] {
        lower[j] = cut
        lowerNumber[j] = cutNumber
      }
      term[j] = -1
      try visit(Int(left ? node.left : node.right), weight: weight, output: output, values: values, nodes: nodes)
      lower[j] = savedLower
      upper[j] = savedUpper
      lowerNumber[j] = savedLowerNumber
      upperNumber[j] = savedUpperNumber
      categorical[j] = savedCategorical
      term[j] = savedTerm
      p.update(from: save, count: wordCount)
    }
    savedTop -= wordCount
    if firstTest {
      onPath[j] = false
      pathCount -= 1
    }
  }

  /// Adds a leaf's entries, looking up the terms its path's changes left unknown.
  mutating func addLeaf(value: Double, output: Int32) throws {
    for i in 0..<pathCount {
      let j = Int(pathFeatures[i])
      if term[j] < 0 {
        if flat[j] {
          let a = UInt64(j) << 49 | (categorical[j] ? 1 << 48 : 0) | UInt64(lowerNumber[j]) << 24 | UInt64(upperNumber[j])
          let b = pass[passStart[j]]
          var local = flatStates.find(a, b)
          if local < 0 {
            local = try newState(j)
            flatStates.insert(a, b, local)
          }
          term[j] = local
        } else {
          let at = passStart[j]
          let state = LIMELeafStateKey(
            lower: lowerNumber[j], upper: upperNumber[j], pass: Array(UnsafeBufferPointer(start: pass + at, count: wordCounts[j])),
            categorical: categorical[j])
          if let known = stateIndex[j][state] {
            term[j] = known
          } else {
            let local = try newState(j)
            stateIndex[j][state] = local
            term[j] = local
          }
        }
      }
      entryFeature.append(Int32(j))
      entryTerm.append(term[j])
    }
    leafValues.append(value)
    leafOutputs.append(output)
    leafStart.append(Int32(entryTerm.count))
  }

  /// The term of feature j's current state (a new term when no earlier state's key has
  /// the same masses).
  mutating func newState(_ j: Int) throws -> Int32 {
    let law = laws[j]
    let p = pass + passStart[j]
    let lower = lower[j], upper = upper[j]
    func passes(_ bit: Int) -> Bool { (p[bit >> 6] >> UInt64(bit & 63)) & 1 == 1 }
    // The key is built in a buffer kept between calls; it is copied only when stored.
    var key: [Double] = []
    swap(&key, &keyScratch)
    key.removeAll(keepingCapacity: true)
    defer { keyScratch = key }
    if law.feature.isGaussian {
      if categorical[j] { throw LIMELeafTableBuilder.categoricalSplitError(law.feature.name) }
      // The terms depend on the instance; `LIMELeafTable.gaussianTerms` computes them per row.
      key.append(lower)
      key.append(upper)
    } else {
      // The truncated-normal levels' masses depend on the interval only: computed once per
      // distinct interval of the feature (features with point levels only have none).
      let interval = IntervalKey(lower: lower, upper: upper)
      var masses = hasContinuousLevels[j] ? intervalMasses[j][interval] ?? [] : []
      let known = !masses.isEmpty
      var continuous = 0
      for l in 0..<law.levelCount {
        if law.points[l] != nil {
          key.append(passes(l) ? 1 : 0)
        } else if categorical[j] {
          throw LIMELeafTableBuilder.categoricalSplitError(law.feature.name)
        } else {
          if !known { masses.append(law.mass(level: l, lower: lower, upper: upper)) }
          key.append(masses[continuous])
          continuous += 1
        }
      }
      if !known && !masses.isEmpty { intervalMasses[j][interval] = masses }
      key.append(passes(law.levelCount) ? 1 : 0)
    }
    let termKey = TermKey(key)
    if let known = keyIndex[j][termKey] { return known }
    let local = Int32(keys[j].count)
    keyIndex[j][termKey] = local
    keys[j].append(key)
    return local
  }
}
