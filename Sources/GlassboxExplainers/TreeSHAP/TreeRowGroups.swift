import GlassboxModels

/// Rows grouped, tree by tree, by the bins of that tree's thresholds they fall in: rows of
/// one group take the same direction at every split of the tree, so the tree needs to
/// evaluate one representative per group (with the group's size as its count).
///
/// ## Bins
/// Each feature's value gets a global code against the sorted union of the thresholds the
/// patterned trees test it at: 0 for NaN, `1 + 2p` strictly between the p-th and (p+1)-th
/// threshold, `2 + 2p` equal to the (p+1)-th threshold. Rows with equal codes compare alike
/// with every threshold (`<` and `<=` alike) and go alike when missing. Per tree, a lookup
/// table maps each global code to the code against the tree's own thresholds, already
/// times the feature's place value, so a row's key in a tree is a sum of one table entry
/// per feature the tree tests; equal keys mean equal codes on every such feature.
///
/// Only numeric splits whose missing values are NaN (`missingMask == 0`) are binned; with a
/// categorical split or LightGBM's zero/none missing rules `init` returns nil and the caller
/// evaluates every row. On the Adult background (32,561 rows, 120 depth-6 trees) a tree has
/// 4,748 groups on average.
///
/// - Complexity: O(R · F · log K) for the codes (R rows, F features, K thresholds of a
///   feature), then O(R · f_t) per tree for f_t features of the tree, with an
///   open-addressing table of 2R entries; memory O(R · F) codes.
struct TreeRowGroups {
  /// The bins: per feature the sorted thresholds, per patterned tree its features with the
  /// offset of their lookup table, and the lookup tables (global code → tree code × place
  /// value). Built once per explainer.
  struct Bins: Sendable {
    let cuts: [[Double]]
    let treeFeatures: [[(feature: Int, table: Int)]]
    let lookup: [Int]

    /// The bins of the patterned trees of `blocks`, or nil when a split cannot be binned
    /// or a tree's keys would not fit in an `Int`.
    /// - Complexity: O(Σ trees Σ features (K log k)) for K global and k tree thresholds.
    init?(_ e: TreeEnsemble, blocks: InterventionalBlocks) {
      var global = [[Double]](repeating: [], count: e.featureCount)
      for test in blocks.tests {
        if test.flags & (TreeNode.Flags.categorical | TreeNode.Flags.missingMask) != 0 || test.threshold.isNaN {
          return nil
        }
        global[Int(test.feature)].append(test.threshold)
      }
      let cuts = global.map { Array(Set($0)).sorted() }
      var treeFeatures: [[(feature: Int, table: Int)]] = []
      var lookup: [Int] = []
      for tree in blocks.trees {
        var local = [Int: Set<Double>]()
        for j in tree.tests { local[Int(blocks.tests[j].feature), default: []].insert(blocks.tests[j].threshold) }
        var place = 1
        var features: [(feature: Int, table: Int)] = []
        for f in local.keys.sorted() {
          let own = local[f]!.sorted()
          // The place value of the next feature, checked first: every entry of this
          // feature's table (a code below `2 * own.count + 2`, times `place`) is below it.
          let (next, overflow) = place.multipliedReportingOverflow(by: 2 * own.count + 2)
          if overflow { return nil }
          features.append((f, lookup.count))
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
            lookup.append(TreeRowGroups.code(v, own) * place)
          }
          place = next
        }
        treeFeatures.append(features)
      }
      self.cuts = cuts
      self.treeFeatures = treeFeatures
      self.lookup = lookup
    }
  }

  let bins: Bins
  /// Per row, per feature, the global code (`[row][feature]`).
  private let codes: [Int32]
  private let featureCount: Int
  private let rowCount: Int
  /// The hash table of `groups` (keys, -1 when free, and group numbers), 2^tableBits slots.
  private var keys: [Int]
  private var slots: [Int32]
  private let tableBits: Int

  /// The codes of `count` prepared rows (row-major).
  init(_ bins: Bins, rows: UnsafePointer<Double>, count: Int) {
    let m = bins.cuts.count
    var codes = [Int32](repeating: 0, count: count * m)
    for f in 0..<m where !bins.cuts[f].isEmpty {
      let cuts = bins.cuts[f]
      for r in 0..<count { codes[r * m + f] = Int32(Self.code(rows[r * m + f], cuts)) }
    }
    var bits = 1
    while (1 << bits) < 2 * count { bits += 1 }
    tableBits = bits
    keys = [Int](repeating: -1, count: 1 << bits)
    slots = [Int32](repeating: 0, count: 1 << bits)
    self.bins = bins
    self.codes = codes
    featureCount = m
    rowCount = count
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

  /// The groups of patterned tree `tree` (index into `InterventionalBlocks.trees`): each
  /// group's first row (in row order) and its number of rows, in order of first rows; with
  /// `membership`, also each row's group (else empty). The hash table is kept between
  /// calls (only the slots used are cleared).
  mutating func groups(tree: Int, membership: Bool = false) -> (representatives: [Int], sizes: [Int], groupOf: [Int32]) {
    let features = bins.treeFeatures[tree]
    let columns = features.map { $0.feature }
    let tables = features.map { $0.table }
    let width = features.count
    let bits = tableBits
    let mask = (1 << bits) &- 1
    var representatives = [Int](repeating: 0, count: rowCount)
    var sizes = [Int](repeating: 0, count: rowCount)
    var groupCount = 0
    let used = UnsafeMutablePointer<Int>.allocate(capacity: max(1, rowCount))
    defer { used.deallocate() }
    var groupOf = [Int32](repeating: 0, count: membership ? rowCount : 0)
    let m = featureCount
    codes.withUnsafeBufferPointer { codes in
      bins.lookup.withUnsafeBufferPointer { lookup in
        columns.withUnsafeBufferPointer { columns in
          tables.withUnsafeBufferPointer { tables in
            keys.withUnsafeMutableBufferPointer { keys in
              slots.withUnsafeMutableBufferPointer { slots in
                groupOf.withUnsafeMutableBufferPointer { groupOf in
                  representatives.withUnsafeMutableBufferPointer { representatives in
                    sizes.withUnsafeMutableBufferPointer { sizes in
                      let lookup = lookup.baseAddress!
                      let columns = columns.baseAddress!
                      let tables = tables.baseAddress!
                      let keys = keys.baseAddress!
                      let slots = slots.baseAddress!
                      for r in 0..<rowCount {
                        let row = codes.baseAddress! + r &* m
                        var key = 0
                        for j in 0..<width { key &+= lookup[tables[j] &+ Int(row[columns[j]])] }
                        var h = Int(
                          truncatingIfNeeded: (UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(64 - bits))
                        while true {
                          let k = keys[h]
                          if k == key {
                            let g = slots[h]
                            sizes[Int(g)] &+= 1
                            if membership { groupOf[r] = g }
                            break
                          }
                          if k < 0 {
                            keys[h] = key
                            let g = Int32(truncatingIfNeeded: groupCount)
                            slots[h] = g
                            if membership { groupOf[r] = g }
                            representatives[groupCount] = r
                            sizes[groupCount] = 1
                            used[groupCount] = h
                            groupCount &+= 1
                            break
                          }
                          h = (h &+ 1) & mask
                        }
                      }
                      // Free the slots used, for the next tree.
                      for g in 0..<groupCount { keys[used[g]] = -1 }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    representatives.removeLast(rowCount - groupCount)
    sizes.removeLast(rowCount - groupCount)
    return (representatives, sizes, groupOf)
  }
}
