import GlassboxModels

/// Rows grouped, tree by tree, by their directions at the tree's splits: rows of one group
/// take the same direction at every split of the tree, so they reach the same table row in
/// every block (`InterventionalBlocks`), and the tree needs those table rows once per group
/// (with the group's size as its count).
///
/// ## Bins and direction words
/// Each feature's value gets a global code against the sorted union of the thresholds the
/// patterned trees test it at: 0 for NaN, `1 + 2p` strictly between the p-th and (p+1)-th
/// threshold, `2 + 2p` equal to the (p+1)-th threshold. Rows with equal codes compare alike
/// with every threshold (`<` and `<=` alike) and go alike when missing. Per tree with at most
/// 64 splits, a lookup table maps each global code of a feature the tree tests to the mask
/// of the tree's splits on that feature that a value with that code goes left at (bit i for
/// the tree's i-th split in `InterventionalBlocks.tests`). A split tests one feature, so the
/// masks of a tree's features have no bit in common and a row's direction word in the tree
/// is their OR: one table entry per feature the tree tests. The word is the group's key, and
/// all the blocks need (`InterventionalBlocks.forEachEntry(tree:words:)`): no row of a group
/// is evaluated again.
///
/// Only numeric splits whose missing values are NaN (`missingMask == 0`) are binned; with a
/// categorical split or LightGBM's zero/none missing rules `init` returns nil and the caller
/// evaluates every row. A tree with more than 64 splits is not grouped (its rows are
/// evaluated one by one). On the Adult background (32,561 rows, 120 depth-6 trees, 9.4
/// features per tree) a tree has about 4,700 groups.
///
/// - Complexity: O(R · F · log K) for the codes (R rows, F features, K thresholds of a
///   feature), then O(R · f_t) per tree for f_t features of the tree, with an
///   open-addressing table of twice the groups' count (kept between trees, grown as needed);
///   memory O(R · F) 16-bit codes.
struct TreeRowGroups {
  /// The bins: per feature the sorted thresholds, per patterned tree its features with the
  /// offset of their lookup table (nil for a tree with more than 64 splits), and the lookup
  /// tables (global code → mask of the tree's splits going left). Built once per explainer.
  struct Bins: Sendable {
    let cuts: [[Double]]
    let treeFeatures: [[(feature: Int, table: Int)]?]
    let masks: [UInt64]

    /// The bins of the patterned trees of `blocks`, or nil when a split cannot be binned or
    /// a feature has more codes than 16 bits hold.
    /// - Complexity: O(Σ trees Σ features K · k) for K global and k tree thresholds.
    init?(_ e: TreeEnsemble, blocks: InterventionalBlocks) {
      var global = [[Double]](repeating: [], count: e.featureCount)
      for test in blocks.tests {
        if test.flags & (TreeNode.Flags.categorical | TreeNode.Flags.missingMask) != 0 || test.threshold.isNaN {
          return nil
        }
        global[Int(test.feature)].append(test.threshold)
      }
      let cuts = global.map { Array(Set($0)).sorted() }
      if cuts.contains(where: { 2 * $0.count + 2 > Int(UInt16.max) }) { return nil }
      var treeFeatures: [[(feature: Int, table: Int)]?] = []
      var masks: [UInt64] = []
      let none = [UInt32]()
      for tree in blocks.trees {
        guard tree.tests.count <= 64 else {
          treeFeatures.append(nil)
          continue
        }
        var splitsOf = [Int: [Int]]()
        for j in tree.tests { splitsOf[Int(blocks.tests[j].feature), default: []].append(j - tree.tests.lowerBound) }
        var features: [(feature: Int, table: Int)] = []
        for f in splitsOf.keys.sorted() {
          features.append((f, masks.count))
          let g = cuts[f]
          for code in 0..<(2 * g.count + 2) {
            // A value with this global code: NaN, inside an open bin, or a threshold itself.
            let v: Double
            if code == 0 {
              v = .nan
            } else if (code - 1) % 2 == 1 {
              v = g[(code - 1) / 2]
            } else {
              let p = (code - 1) / 2
              v = p == 0 ? -.infinity : g[p - 1].nextUp
            }
            var mask: UInt64 = 0
            none.withUnsafeBufferPointer { words in
              for i in splitsOf[f]! {
                let node = blocks.tests[tree.tests.lowerBound + i]
                if node.child(v, words) == node.left { mask |= UInt64(1) << UInt64(i) }
              }
            }
            masks.append(mask)
          }
        }
        treeFeatures.append(features)
      }
      self.cuts = cuts
      self.treeFeatures = treeFeatures
      self.masks = masks
    }
  }

  /// One slot of the hash table: a direction word and its group, valid when `stamp` is the
  /// current call's.
  private struct Slot {
    var key: UInt64
    var group: Int32
    var stamp: Int32
  }

  let bins: Bins
  /// Per row, per feature, the global code (`[row][feature]`).
  private let codes: [UInt16]
  private let featureCount: Int
  private let rowCount: Int
  /// The hash table of `group` (2^tableBits slots), its stamp for the current call.
  private var table: [Slot]
  private var tableBits: Int
  private var stamp: Int32 = 0
  /// After `group(tree:)`: per group its direction word and number of rows (the first
  /// `groupCount` entries), and with `membership` each row's group.
  private(set) var words: [UInt64]
  private(set) var sizes: [Int32]
  private(set) var groupOf: [Int32]
  private(set) var groupCount = 0

  /// The codes of `count` prepared rows (row-major).
  init(_ bins: Bins, rows: UnsafePointer<Double>, count: Int) {
    let m = bins.cuts.count
    var codes = [UInt16](repeating: 0, count: count * m)
    for f in 0..<m where !bins.cuts[f].isEmpty {
      let cuts = bins.cuts[f]
      for r in 0..<count { codes[r * m + f] = UInt16(truncatingIfNeeded: Self.code(rows[r * m + f], cuts)) }
    }
    // Room for 2,048 groups at half load to start with; `group` doubles it as needed.
    var bits = 4
    while (1 << bits) < min(2 * count, 4096) { bits += 1 }
    tableBits = bits
    table = [Slot](repeating: Slot(key: 0, group: 0, stamp: 0), count: 1 << bits)
    self.bins = bins
    self.codes = codes
    featureCount = m
    rowCount = count
    words = [UInt64](repeating: 0, count: count)
    sizes = [Int32](repeating: 0, count: count)
    groupOf = [Int32](repeating: 0, count: count)
  }

  /// The code of `v` against the sorted thresholds `cuts` (see the type's notes).
  static func code(_ v: Double, _ cuts: [Double]) -> Int {
    if v.isNaN { return 0 }
    var lo = 0
    var hi = cuts.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if cuts[mid] < v { lo = mid + 1 } else { hi = mid }
    }
    return 1 + 2 * lo + (lo < cuts.count && cuts[lo] == v ? 1 : 0)
  }

  /// Groups the rows by their direction word in patterned tree `tree` (index into
  /// `InterventionalBlocks.trees`, which must have bins): afterwards the first `groupCount`
  /// entries of `words` and `sizes` hold each group's word and size, in order of the groups'
  /// first rows, and with `membership` `groupOf` holds each row's group.
  /// - Returns: the number of groups.
  @discardableResult
  mutating func group(tree: Int, membership: Bool = false) -> Int {
    let features = bins.treeFeatures[tree]!
    let columns = features.map { $0.feature }
    let tables = features.map { $0.table }
    let width = features.count
    stamp &+= 1
    let stamp = self.stamp
    var groupCount = 0
    let m = featureCount
    let count = rowCount
    var r = 0
    while r < count {
      // Until the table is half full (or the rows run out); then it doubles and the rows
      // go on where they stopped.
      let limit = (1 << tableBits) / 2
      let bits = tableBits
      let mask = (1 << bits) &- 1
      codes.withUnsafeBufferPointer { codes in
        bins.masks.withUnsafeBufferPointer { masks in
          columns.withUnsafeBufferPointer { columns in
            tables.withUnsafeBufferPointer { tables in
              table.withUnsafeMutableBufferPointer { table in
                words.withUnsafeMutableBufferPointer { words in
                  sizes.withUnsafeMutableBufferPointer { sizes in
                    groupOf.withUnsafeMutableBufferPointer { groupOf in
                      let masks = masks.baseAddress!
                      let columns = columns.baseAddress!
                      let tables = tables.baseAddress!
                      let table = table.baseAddress!
                      while r < count && groupCount < limit {
                        let row = codes.baseAddress! + r &* m
                        var key: UInt64 = 0
                        for j in 0..<width { key |= masks[tables[j] &+ Int(row[columns[j]])] }
                        var h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(64 - bits))
                        while true {
                          let slot = table[h]
                          if slot.stamp != stamp {
                            let g = Int32(truncatingIfNeeded: groupCount)
                            table[h] = Slot(key: key, group: g, stamp: stamp)
                            if membership { groupOf[r] = g }
                            words[groupCount] = key
                            sizes[groupCount] = 1
                            groupCount &+= 1
                            break
                          }
                          if slot.key == key {
                            sizes[Int(slot.group)] &+= 1
                            if membership { groupOf[r] = slot.group }
                            break
                          }
                          h = (h &+ 1) & mask
                        }
                        r &+= 1
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      if r < count { grow(groups: groupCount) }
    }
    self.groupCount = groupCount
    return groupCount
  }

  /// Doubles the hash table and enters the first `groups` groups again.
  private mutating func grow(groups: Int) {
    tableBits += 1
    let bits = tableBits
    let mask = (1 << bits) &- 1
    var grown = [Slot](repeating: Slot(key: 0, group: 0, stamp: 0), count: 1 << bits)
    for g in 0..<groups {
      let key = words[g]
      var h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(64 - bits))
      while grown[h].stamp == stamp { h = (h &+ 1) & mask }
      grown[h] = Slot(key: key, group: Int32(g), stamp: stamp)
    }
    table = grown
  }
}
