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
/// of its state asks for it: first by the state (a hash of a few words,
/// `LIMEFlatStateMap`), then, for a new state, by the key its masses make
/// (`LIMETermPool`), so that different states with the same masses share one term. A
/// term's masses are the law's masses of the state's interval under each truncated-normal
/// level (computed once per distinct interval), its pass bits for point levels and
/// "missing"; a Gaussian feature's key is its interval's ends.
///
/// - Complexity: O(nodes · (1 + point levels) + entries) plus one hash per edge below a
///   test and O(levels) per distinct state; no Swift dictionary (their per-process type
///   set-up alone cost more than the walk).
struct LIMELeafTableBuilder {
  /// Per leaf: its value times its tree's weight, its output, and where its entries end.
  let leafValues: [Double]
  let leafOutputs: [Int32]
  let leafStart: [Int32]
  /// Per entry: its feature, and its term (terms are numbered feature by feature: feature
  /// j's from `firstTerm[j]`, one more element at the end).
  let entryFeature: [Int32]
  let entryTerm: [Int32]
  let firstTerm: [Int]
  /// Every term's key (`keyLengths[j]` values for feature j: the masses per level then
  /// "missing", or a Gaussian feature's interval ends), feature by feature, each feature's
  /// in the order they were first met from `keyStart[j]` (one more element at the end); per
  /// feature the number of its terms.
  let keyValues: [Double]
  let keyStart: [Int]
  let keyLengths: [Int]
  let termCounts: [Int]

  /// Per feature, its terms' keys as arrays.
  var keys: [[[Double]]] {
    keyLengths.indices.map { j in
      (0..<termCounts[j]).map { t in
        Array(keyValues[keyStart[j] + t * keyLengths[j]..<keyStart[j] + (t + 1) * keyLengths[j]])
      }
    }
  }

  /// - Parameter packsStates: whether a state that fits two words is looked up as one hash
  ///   of them (otherwise as a chain of hashes, as wider states are; for tests).
  /// - Throws: `ExplainerError.unsupportedOutput` when a categorical split tests a
  ///   feature LIME samples as continuous (its mass has no closed form here).
  init(_ ensemble: TreeEnsemble, laws: [LIMEFeatureLaw], packsStates: Bool = true) throws {
    var walker = LeafWalker(ensemble, laws: laws, packsStates: packsStates)
    defer { walker.deallocate() }
    try ensemble.categoryWords.withUnsafeBufferPointer { words in
      try ensemble.nodes.withUnsafeBufferPointer { nodes in
        try ensemble.values.withUnsafeBufferPointer { values in
          let tree = LeafWalker.Tree(
            nodes: nodes.baseAddress!, values: values.baseAddress!, words: words, laws: laws,
            roundsToFloat: ensemble.roundsInputToFloat)
          for t in 0..<ensemble.treeCount {
            try walker.visit(
              ensemble.treeStart[t], weight: ensemble.treeWeights[t], output: Int32(ensemble.treeOutputs[t]), tree)
          }
        }
      }
    }
    keyLengths = walker.terms.lengths
    termCounts = walker.terms.counts
    var firstTerm = [0]
    for count in termCounts { firstTerm.append(firstTerm[firstTerm.count - 1] + count) }
    self.firstTerm = firstTerm
    // The walk numbered each feature's terms from 0.
    for e in 0..<walker.entryCount { walker.entryTerm[e] += Int32(firstTerm[Int(walker.entryFeature[e])]) }
    leafValues = Self.array(walker.leafValues, count: walker.leafCount)
    leafOutputs = Self.array(walker.leafOutputs, count: walker.leafCount)
    leafStart = Self.array(walker.leafStart, count: walker.leafCount + 1)
    entryFeature = Self.array(walker.entryFeature, count: walker.entryCount)
    entryTerm = Self.array(walker.entryTerm, count: walker.entryCount)
    (keyValues, keyStart) = walker.terms.grouped()
  }

  /// The first `count` elements of `buffer`, copied whole.
  static func array<T>(_ buffer: UnsafeMutablePointer<T>, count: Int) -> [T] {
    [T](unsafeUninitializedCapacity: count) { out, initialized in
      out.baseAddress?.initialize(from: buffer, count: count)
      initialized = count
    }
  }

  static func categoricalSplitError(_ name: String) -> ExplainerError {
    .unsupportedOutput(
      method: "lime",
      problem: "the exact estimator cannot follow a categorical split on '\(name)', which the card leaves numeric; use \(Parameter.estimator) sampled")
  }
}

/// The walk's state (`LIMELeafTableBuilder`; a struct, so that its mutations are checked
/// for exclusivity at compile time): per feature its state on the current path in flat
/// buffers, and per feature its levels in flat arrays, computed once up front.
private struct LeafWalker {
  /// What the walk reads, borrowed for its duration.
  struct Tree {
    let nodes: UnsafePointer<TreeNode>
    let values: UnsafePointer<Double>
    let words: UnsafeBufferPointer<UInt32>
    let laws: [LIMEFeatureLaw]
    let roundsToFloat: Bool
  }

  /// Per leaf its value, output and where its entries end (`leafStart[0]` = 0); per entry
  /// its feature and term; grown by doubling.
  var leafValues: UnsafeMutablePointer<Double>, leafOutputs: UnsafeMutablePointer<Int32>
  var leafStart: UnsafeMutablePointer<Int32>
  var leafCount = 0, leafCapacity: Int
  var entryFeature: UnsafeMutablePointer<Int32>, entryTerm: UnsafeMutablePointer<Int32>
  var entryCount = 0, entryCapacity: Int
  var terms: LIMETermPool

  /// Term look-up by state: a state that fits two words (one pass word) is one key of
  /// `states`; a wider one is chained through `prefixes` (a number per distinct prefix of
  /// its words) to a key tagged by bit 63.
  var states: LIMEFlatStateMap
  var prefixes = LIMEFlatStateMap()
  var prefixCount: Int32 = 0
  let packed: [Bool]
  /// Per feature: its cutoffs' numbers by bit pattern (from 2) and their count.
  var cutNumbers: LIMEFlatStateMap
  var cutCounts: [Int32]
  /// Per feature and distinct interval (by its ends' numbers): where its truncated-normal
  /// levels' masses start in `intervalMasses`.
  var intervals: LIMEFlatStateMap
  var intervalMasses: [Double] = []
  let isGaussian: [Bool]
  /// Per feature: where its levels start in `isPoint` and its truncated-normal levels in
  /// `continuousLevels` (their parameters, `LIMEFeatureLaw.Level`, 5 values each); its
  /// point levels (with "missing", `levelCount`) and their prepared
  /// values in `pointLevels`, `pointValues`.
  let levelStart: [Int], isPoint: [Bool]
  let continuousStart: [Int], continuousLevels: [Double]
  let pointStart: [Int], pointLevels: [Int], pointValues: [Double]
  /// Per feature: its pass words' start (`levelCount / 64 + 1` words each).
  let passStart: [Int], wordCounts: [Int]
  /// Per feature on the current path: interval ends and their numbers (0: −∞, 1: +∞, then
  /// one per distinct cutoff of the feature, by bit pattern), categorical flag, term (−1:
  /// unknown), whether the path tests it; the pass words; the tested features in the order
  /// of their first tests; saved pass words and left masks of the nodes above.
  let lower: UnsafeMutablePointer<Double>, upper: UnsafeMutablePointer<Double>
  let lowerNumber: UnsafeMutablePointer<Int32>, upperNumber: UnsafeMutablePointer<Int32>
  let categorical: UnsafeMutablePointer<Bool>, onPath: UnsafeMutablePointer<Bool>
  let term: UnsafeMutablePointer<Int32>
  let pass: UnsafeMutablePointer<UInt64>
  let pathFeatures: UnsafeMutablePointer<Int32>
  var pathCount = 0
  let saved: UnsafeMutablePointer<UInt64>, leftMasks: UnsafeMutablePointer<UInt64>
  var savedTop = 0
  /// A key being built (the longest key's length).
  let key: UnsafeMutablePointer<Double>

  init(_ ensemble: TreeEnsemble, laws: [LIMEFeatureLaw], packsStates: Bool) {
    let m = laws.count
    isGaussian = laws.map(\.feature.isGaussian)
    let wordCounts = laws.map { $0.levelCount / 64 + 1 }
    self.wordCounts = wordCounts
    var passStart: [Int] = [], levelStart: [Int] = [], isPoint: [Bool] = []
    var continuousStart: [Int] = [], continuousLevels: [Double] = []
    var pointStart: [Int] = [], pointLevels: [Int] = [], pointValues: [Double] = []
    var words = 0
    for (j, law) in laws.enumerated() {
      passStart.append(words)
      words += wordCounts[j]
      levelStart.append(isPoint.count)
      continuousStart.append(continuousLevels.count / 5)
      pointStart.append(pointLevels.count)
      for l in 0..<law.levelCount {
        isPoint.append(law.points[l] != nil)
        if let v = law.points[l] {
          pointLevels.append(l)
          pointValues.append(ensemble.prepared(v))
        } else {
          let level = law.parameters(level: l)
          continuousLevels.append(contentsOf: [level.low, level.high, level.mean, level.deviation, level.whole])
        }
      }
      pointLevels.append(law.levelCount)
      pointValues.append(ensemble.prepared(.nan))
    }
    levelStart.append(isPoint.count)
    continuousStart.append(continuousLevels.count / 5)
    pointStart.append(pointLevels.count)
    self.passStart = passStart
    self.levelStart = levelStart
    self.isPoint = isPoint
    self.continuousStart = continuousStart
    self.continuousLevels = continuousLevels
    self.pointStart = pointStart
    self.pointLevels = pointLevels
    self.pointValues = pointValues
    let lengths = laws.map { $0.feature.isGaussian ? 2 : $0.levelCount + 1 }
    let internalNodes = ensemble.nodes.count / 2
    terms = LIMETermPool(lengths: lengths, capacity: internalNodes / 4)
    states = LIMEFlatStateMap(capacity: internalNodes / 4)
    cutNumbers = LIMEFlatStateMap(capacity: internalNodes / 8)
    intervals = LIMEFlatStateMap(capacity: internalNodes / 8)
    cutCounts = [Int32](repeating: 0, count: m)
    // Cutoff numbers stay below the node count.
    packed = (0..<m).map { j in
      packsStates && wordCounts[j] == 1 && j < 1 << 14 && ensemble.nodes.count + 2 < 1 << 24
    }
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
    let stack = (ensemble.maxDepth + 1) * (wordCounts.max() ?? 1)
    saved = .allocate(capacity: stack)
    leftMasks = .allocate(capacity: stack)
    key = .allocate(capacity: max(1, lengths.max() ?? 1))
    leafCapacity = (ensemble.nodes.count + ensemble.treeCount) / 2 + 1  // a binary tree's leaves
    leafValues = .allocate(capacity: leafCapacity)
    leafOutputs = .allocate(capacity: leafCapacity)
    leafStart = .allocate(capacity: leafCapacity + 1)
    leafStart[0] = 0
    entryCapacity = max(1, leafCapacity * min(m, ensemble.maxDepth))
    entryFeature = .allocate(capacity: entryCapacity)
    entryTerm = .allocate(capacity: entryCapacity)
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
    leftMasks.deallocate()
    key.deallocate()
    terms.deallocate()
    leafValues.deallocate()
    leafOutputs.deallocate()
    leafStart.deallocate()
    entryFeature.deallocate()
    entryTerm.deallocate()
  }

  /// Walks the subtree of node n.
  mutating func visit(_ n: Int, weight: Double, output: Int32, _ tree: Tree) throws {
    let node = tree.nodes[n]
    if node.isLeaf {
      try addLeaf(value: tree.values[n] * weight, output: output, tree)
      return
    }
    let j = Int(node.feature)
    let wordCount = wordCounts[j]
    let p = pass + passStart[j]
    // Bit l when point level l goes left, bit `levelCount` when "missing" does
    // (`TreeNode.child`, exact).
    let leftMask = leftMasks + savedTop
    for w in 0..<wordCount { leftMask[w] = 0 }
    for k in pointStart[j]..<pointStart[j + 1] where node.child(pointValues[k], tree.words) == node.left {
      let l = pointLevels[k]
      leftMask[l >> 6] |= 1 << UInt64(l & 63)
    }
    // The state of j above this node, restored after each child.
    let savedLower = lower[j], savedUpper = upper[j], savedCategorical = categorical[j], savedTerm = term[j]
    let savedLowerNumber = lowerNumber[j], savedUpperNumber = upperNumber[j]
    let save = saved + savedTop
    for w in 0..<wordCount { save[w] = p[w] }
    savedTop += wordCount
    let firstTest = !onPath[j]
    if firstTest {
      onPath[j] = true
      pathFeatures[pathCount] = Int32(j)
      pathCount += 1
    }
    let isCategorical = node.flags & TreeNode.Flags.categorical != 0
    var cut = 0.0, cutNumber: Int32 = 0
    if !isCategorical {
      // The raw cutoff and its number.
      cut = LIMELeafTable.cutoff(node, roundsToFloat: tree.roundsToFloat)
      cutNumber = cutNumbers.find(UInt64(j), cut.bitPattern)
      if cutNumber < 0 {
        cutNumber = cutCounts[j] + 2
        cutCounts[j] += 1
        cutNumbers.insert(UInt64(j), cut.bitPattern, cutNumber)
      }
    }
    for side in 0..<2 {
      let left = side == 0
      for w in 0..<wordCount { p[w] &= left ? leftMask[w] : ~leftMask[w] }
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
      try visit(Int(left ? node.left : node.right), weight: weight, output: output, tree)
      lower[j] = savedLower
      upper[j] = savedUpper
      lowerNumber[j] = savedLowerNumber
      upperNumber[j] = savedUpperNumber
      categorical[j] = savedCategorical
      term[j] = savedTerm
      for w in 0..<wordCount { p[w] = save[w] }
    }
    savedTop -= wordCount
    if firstTest {
      onPath[j] = false
      pathCount -= 1
    }
  }

  /// Adds a leaf's entries, looking up the terms its path's changes left unknown.
  mutating func addLeaf(value: Double, output: Int32, _ tree: Tree) throws {
    if entryCount + pathCount > entryCapacity {
      let capacity = max(2 * entryCapacity, entryCount + pathCount)
      entryFeature = grown(entryFeature, count: entryCount, capacity: capacity)
      entryTerm = grown(entryTerm, count: entryCount, capacity: capacity)
      entryCapacity = capacity
    }
    if leafCount == leafCapacity {
      leafValues = grown(leafValues, count: leafCount, capacity: 2 * leafCapacity)
      leafOutputs = grown(leafOutputs, count: leafCount, capacity: 2 * leafCapacity)
      leafStart = grown(leafStart, count: leafCount + 1, capacity: 2 * leafCapacity + 1)
      leafCapacity *= 2
    }
    for i in 0..<pathCount {
      let j = Int(pathFeatures[i])
      if term[j] < 0 { term[j] = try stateTerm(j, tree) }
      entryFeature[entryCount] = Int32(j)
      entryTerm[entryCount] = term[j]
      entryCount += 1
    }
    leafValues[leafCount] = value
    leafOutputs[leafCount] = output
    leafCount += 1
    leafStart[leafCount] = Int32(entryCount)
  }

  /// A buffer of `capacity` elements with the first `count` of `buffer`, which it frees.
  func grown<T>(_ buffer: UnsafeMutablePointer<T>, count: Int, capacity: Int) -> UnsafeMutablePointer<T> {
    let new = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    new.moveInitialize(from: buffer, count: count)
    buffer.deallocate()
    return new
  }

  /// The term of feature j's current state, looked up by the state's words.
  mutating func stateTerm(_ j: Int, _ tree: Tree) throws -> Int32 {
    let p = pass + passStart[j]
    let a: UInt64, b: UInt64
    if packed[j] {
      a = UInt64(j) << 49 | (categorical[j] ? 1 << 48 : 0) | UInt64(lowerNumber[j]) << 24 | UInt64(upperNumber[j])
      b = p[0]
    } else {
      var prefix = intern(
        UInt64(UInt32(lowerNumber[j])) << 32 | UInt64(UInt32(upperNumber[j])), UInt64(j) << 1 | (categorical[j] ? 1 : 0))
      let last = wordCounts[j] - 1
      for w in 0..<last { prefix = intern(1 << 63 | UInt64(prefix), p[w]) }
      a = 1 << 63 | UInt64(prefix)
      b = p[last]
    }
    var local = states.find(a, b)
    if local < 0 {
      local = try newState(j, tree)
      states.insert(a, b, local)
    }
    return local
  }

  /// The number of the pair (a, b) among the pairs chained so far (a state's first pair
  /// has bit 63 of a clear, a later one set).
  mutating func intern(_ a: UInt64, _ b: UInt64) -> Int32 {
    let known = prefixes.find(a, b)
    if known >= 0 { return known }
    prefixes.insert(a, b, prefixCount)
    prefixCount += 1
    return prefixCount - 1
  }

  /// The term of feature j's current state (a new term when no earlier state's key has
  /// the same masses).
  mutating func newState(_ j: Int, _ tree: Tree) throws -> Int32 {
    let p = pass + passStart[j]
    func passes(_ bit: Int) -> Bool { (p[bit >> 6] >> UInt64(bit & 63)) & 1 == 1 }
    if isGaussian[j] {
      if categorical[j] { throw LIMELeafTableBuilder.categoricalSplitError(tree.laws[j].feature.name) }
      // The terms depend on the instance; `LIMELeafTable.gaussianTerms` computes them per row.
      key[0] = lower[j]
      key[1] = upper[j]
      return terms.term(key, feature: j)
    }
    let first = continuousStart[j], continuousCount = continuousStart[j + 1] - first
    var masses = 0
    if continuousCount > 0 {
      if categorical[j] { throw LIMELeafTableBuilder.categoricalSplitError(tree.laws[j].feature.name) }
      // The truncated-normal levels' masses depend on the interval only: computed once per
      // distinct interval of the feature.
      let interval = UInt64(UInt32(lowerNumber[j])) << 32 | UInt64(UInt32(upperNumber[j]))
      let known = intervals.find(UInt64(j), interval)
      if known >= 0 {
        masses = Int(known)
      } else {
        masses = intervalMasses.count
        intervals.insert(UInt64(j), interval, Int32(masses))
        for c in first..<first + continuousCount {
          let at = 5 * c
          let level = (
            continuousLevels[at], continuousLevels[at + 1], continuousLevels[at + 2], continuousLevels[at + 3],
            continuousLevels[at + 4]
          )
          intervalMasses.append(LIMEFeatureLaw.mass(lower: lower[j], upper: upper[j], level: level))
        }
      }
    }
    let levelCount = levelStart[j + 1] - levelStart[j]
    for l in 0..<levelCount {
      if isPoint[levelStart[j] + l] {
        key[l] = passes(l) ? 1 : 0
      } else {
        key[l] = intervalMasses[masses]
        masses += 1
      }
    }
    key[levelCount] = passes(levelCount) ? 1 : 0
    return terms.term(key, feature: j)
  }
}
