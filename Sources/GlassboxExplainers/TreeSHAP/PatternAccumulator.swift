import GlassboxModels

/// The decision-pattern summary of a background that arrives in chunks: per chunk, the
/// rows are counted per table row of the blocks (`InterventionalBlocks.countEntries`) and per
/// histogram entry of the deep-path tables, as integers; nothing per row is kept. At the end
/// the counts become shares of the total exactly as a whole load makes them, so the
/// explainer is bit for bit the one `InterventionalTreeSHAP.init(ensemble:background:)`
/// builds from the same rows.
///
/// Why it is exact: every background row of a file weighs 1, so a whole load adds the share
/// `1 / R` to a mass once per row that reaches it, in row order; a mass reached `c` times
/// holds `c` shares added to 0 in a row, which depends only on `c` (`setMasses`). Integer
/// counts summed over chunks are the whole file's counts. The base value is the histograms'
/// mean margin (every tree patterned), or, with deep-path tables, the margins of the rows
/// summed in row order, chunk after chunk, as the whole load sums them.
///
/// Applies only when every tree runs by decision patterns in raw space (the per-pair
/// algorithm needs every row); `init` returns nil otherwise.
///
/// - Complexity: per chunk of C rows the cost of `countEntries` plus O(C · N) for the N
///   nodes of deep trees; memory the tables (as in a whole load) plus one `Int` per table row
///   and O(C · F) for the chunk, whatever the number of chunks.
struct PatternAccumulator {
  let ensemble: TreeEnsemble
  private(set) var histograms: DecisionPatternHistograms
  private(set) var blocks: InterventionalBlocks?
  private(set) var deep: DeepPatternTables
  /// Rows per table row of `blocks`, summed over the chunks.
  private var entryCounts: [Int]
  /// With deep trees: the margins of the rows added, summed per output in row order.
  private(set) var marginSums: [Double]
  /// Rows added.
  private(set) var rowCount = 0

  /// The layout of `e`'s tables as a whole load in raw space lays them out; nil when some
  /// tree would run per pair.
  init?(_ e: TreeEnsemble, deepTableLimit: Int?) {
    // The masses are filled as shares of the total (`setMasses`): no per-row scaling.
    let histograms = DecisionPatternHistograms(e, enabled: true, knownTotal: 1)
    let deep = DeepPatternTables(
      e, taken: histograms.treeIsTabled, limit: deepTableLimit ?? DeepPatternTables.maxEntries)
    guard histograms.tabledTreeCount + deep.treeCount == e.treeCount else { return nil }
    ensemble = e
    self.histograms = histograms
    self.deep = deep
    blocks = histograms.tabledTreeCount > 0 ? InterventionalBlocks(e, histograms: histograms) : nil
    entryCounts = [Int](repeating: 0, count: blocks?.entryCount ?? 0)
    marginSums = [Double](repeating: 0, count: deep.treeCount > 0 ? e.outputCount : 0)
  }

  /// Counts the encoded rows of one chunk (row-major, `featureCount` values each).
  mutating func add(_ rows: [Double]) {
    let e = ensemble
    let count = rows.count / e.featureCount
    guard count > 0 else { return }
    let prepared = rows.map { e.prepared($0) }
    prepared.withUnsafeBufferPointer { x in
      if let blocks {
        let counts = blocks.countEntries(e, rows: x.baseAddress!, count: count)
        for i in counts.indices { entryCounts[i] &+= counts[i] }
      }
      if deep.treeCount > 0 {
        let ones = [Double](repeating: 1, count: count)
        deep.add(e, prepared: x.baseAddress!, count: count, shares: ones)
      }
    }
    if deep.treeCount > 0 {
      let k = e.outputCount
      let margins = InterventionalTreeSHAP.margins(e, prepared, count: count)
      for r in 0..<count {
        for c in 0..<k { marginSums[c] += 1 * margins[r * k + c] }
      }
    }
    rowCount += count
  }

  /// Turns the counts into shares of the `rowCount` rows (the histograms and the deep-path
  /// histograms, before their tables are built).
  mutating func finishCounts() {
    let share = 1 / Double(rowCount)
    if let blocks { histograms.setMasses(ensemble, entryCounts: entryCounts, share: share, blocks: blocks) }
    guard deep.treeCount > 0 else { return }
    let most = Int(deep.tables.max() ?? 0)
    var repeatedSums = [0.0]
    repeatedSums.reserveCapacity(most + 1)
    for _ in 0..<most { repeatedSums.append(repeatedSums[repeatedSums.count - 1] + share) }
    deep.tables.withUnsafeMutableBufferPointer { t in
      for i in t.indices where t[i] != 0 { t[i] = repeatedSums[Int(t[i])] }
    }
  }

  /// Fills the block tables and finishes the deep-path tables (after `finishCounts`).
  mutating func buildTables(weightTable table: [Double], stride n: Int) {
    if deep.treeCount > 0 { deep.finish(weightTable: table, stride: n) }
    blocks?.fill(
      ensemble, leaves: InterventionalTables(ensemble, histograms: histograms, weightTable: table, stride: n))
  }
}

extension InterventionalTreeSHAP {
  /// Interventional TreeSHAP over a background read from `stream` chunk by chunk: when every
  /// tree runs by decision patterns in raw space, each chunk is folded into the tables
  /// (`PatternAccumulator`) and dropped, so memory stays that of one chunk plus the tables
  /// whatever the file's size; the result equals `init(ensemble:background:space:)` on the
  /// whole file bit for bit. Otherwise (probability space, fewer than
  /// `minimumPatternBackground` rows, trees that run per pair) the whole file is read and
  /// that init runs. `algorithmDescription` says which happened.
  /// - Parameters:
  ///   - deepTableLimit: the deep-path tables' budget in doubles (tests lower it).
  /// - Throws: `DataError` for a bad background row (file and line);
  ///   `ExplainerError.invalidBackground` for an empty background or one that does not fit
  ///   the model; `ExplainerError.unsupportedOutput` for probability on a non-logistic model.
  /// - Complexity: O(R · (countEntries per row + N_deep)) for R rows; see the type.
  public init(ensemble: TreeEnsemble, stream: BackgroundStream, space: OutputSpace = .raw, deepTableLimit: Int? = nil)
    throws
  {
    // The first rows decide: a background that ends within one chunk, or is too small for
    // patterns, is loaded whole as before.
    var head: [Double] = []
    while !stream.isFinished, head.count < Self.minimumPatternBackground * stream.featureCount,
      let chunk = try stream.next()
    {
      head.append(contentsOf: chunk)
    }
    guard stream.featureCount == ensemble.featureCount, space == .raw, !stream.isFinished,
      var accumulator = PatternAccumulator(ensemble, deepTableLimit: deepTableLimit)
    else {
      try self.init(
        ensemble: ensemble, background: stream.readAll(after: head), space: space, deepTableLimit: deepTableLimit)
      return
    }
    accumulator.add(head)
    head = []
    while let chunk = try stream.next() { accumulator.add(chunk) }
    self.init(ensemble: ensemble, accumulated: accumulator, source: stream.source, chunks: stream.chunksRead)
  }

  /// The explainer of a background counted whole into `accumulator` (raw space).
  private init(ensemble: TreeEnsemble, accumulated: PatternAccumulator, source: String, chunks: Int) {
    var accumulator = accumulated
    accumulator.finishCounts()
    let n = min(ensemble.featureCount, ensemble.maxDepth) + 1
    let table = Self.weightTable(size: n)
    let total = Double(accumulator.rowCount)
    let k = ensemble.outputCount
    let sums =
      accumulator.deep.treeCount == 0
      ? accumulator.histograms.meanMargins(ensemble).map { $0 * total } : accumulator.marginSums
    accumulator.buildTables(weightTable: table, stride: n)
    self.ensemble = ensemble
    background = Background(rows: [], featureCount: ensemble.featureCount, source: source)
    streamedChunks = chunks
    space = .raw
    baseValues = (0..<k).map { sums[$0] / total }
    patternTreeCount = ensemble.treeCount
    deepPatternTreeCount = accumulator.deep.treeCount
    backgroundRowsUsed = accumulator.rowCount
    pairs = nil
    tables = accumulator.blocks
    deepTables = accumulator.deep.treeCount > 0 ? accumulator.deep : nil
    backgroundMargins = []
    weightTable = table
    maxFeatures = n
  }
}
