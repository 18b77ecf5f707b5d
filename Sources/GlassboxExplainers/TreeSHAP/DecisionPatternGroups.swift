import GlassboxModels

extension DecisionPatternHistograms {
  /// Fills the histograms of every patterned tree from rows that all carry the same share
  /// `share` (the usual background: equal weights), through the blocks of `blocks`.
  ///
  /// The pattern of a row at every leaf of a block follows from the block's table row the
  /// row reaches (`InterventionalBlocks`): so the rows are counted per table row (one
  /// evaluation of each split and one count per block and row), and each table row reached
  /// adds its count to the pattern of each leaf of its block. A mass received `n` shares, and
  /// `repeatedSums[n]` is the share added to 0 `n` times in a row: exactly the per-row sum,
  /// so the histograms are bit for bit those of the per-row walk (this runs only on empty
  /// histograms).
  ///
  /// - Complexity: O(R · Σ trees (S + B · I)) for R rows, plus O(leaves · d) per table row
  ///   reached; memory one count per table row.
  mutating func addByBlocks(
    _ e: TreeEnsemble, prepared rows: UnsafePointer<Double>, included: [Int], share: Double,
    blocks: InterventionalBlocks
  ) {
    precondition(rowCount == 0 && totalWeight == 0, "counting needs empty histograms")
    let m = e.featureCount
    var gathered: [Double] = []
    gathered.reserveCapacity(included.count * m)
    for r in included { gathered.append(contentsOf: UnsafeBufferPointer(start: rows + r * m, count: m)) }
    let entryCounts = gathered.withUnsafeBufferPointer {
      blocks.countEntries(e, rows: $0.baseAddress!, count: included.count)
    }
    setMasses(e, entryCounts: entryCounts, share: share, blocks: blocks)
  }

  /// Fills empty histograms from `entryCounts`, the number of rows that reached each table
  /// row of `blocks` (`InterventionalBlocks.countEntries`, possibly summed over chunks of the
  /// background), each row carrying `share`: bit for bit the masses of the per-row walk.
  /// - Complexity: O(leaves · d) per table row reached, plus O(largest count) scratch.
  mutating func setMasses(_ e: TreeEnsemble, entryCounts: [Int], share: Double, blocks: InterventionalBlocks) {
    precondition(rowCount == 0 && totalWeight == 0, "counting needs empty histograms")
    var counts = [Int](repeating: 0, count: masses.count)
    for block in blocks.blocks {
      let splits = Int(block.testCount)
      let layout = blocks.leafLayout(e, block)
      for entry in 0..<block.entryCount where entryCounts[block.entryStart + entry] > 0 {
        let rowsHere = entryCounts[block.entryStart + entry]
        let above = UInt32(entry >> splits)
        let directions = entry & ((1 << splits) - 1)
        for leaf in layout {
          let d: Int = featureStart[leaf.record + 1] - featureStart[leaf.record]
          let pattern: Int = ((1 << d) - 1) & ~Int(above | leaf.innerFailed[directions])
          counts[massStart[leaf.record] + pattern] += rowsHere
        }
      }
    }
    var repeatedSums = [0.0]
    let most = counts.max() ?? 0
    repeatedSums.reserveCapacity(most + 1)
    for _ in 0..<most { repeatedSums.append(repeatedSums[repeatedSums.count - 1] + share) }
    for cell in 0..<counts.count where counts[cell] > 0 { masses[cell] = repeatedSums[counts[cell]] }
  }
}
