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

  /// One slot of the hash table: a direction word, its group and its number of rows so
  /// far (0 when the slot is free).
  private struct Slot {
    var key: UInt64
    var size: Int32
    var group: Int32
  }

  let bins: Bins
  /// Per feature, per row, the global code (`[feature][row]`).
  private let codes: [UInt16]
  private let featureCount: Int
  private let rowCount: Int
  /// The hash table of `group` (2^tableBits slots; free between calls) and each group's slot.
  private var table: [Slot]
  private var tableBits: Int
  private var slotOf: [Int32]
  /// After `group(tree:)`: per group its direction word and number of rows (the first
  /// `groupCount` entries), and with `membership` each row's group.
  private(set) var words: [UInt64]
  private(set) var sizes: [Int32]
  private(set) var groupOf: [Int32]
  private(set) var groupCount = 0

  /// Rows per chunk of `group`: their words are made first, then looked up.
  private static let chunk = 64

  /// The codes of `count` prepared rows (row-major).
  init(_ bins: Bins, rows: UnsafePointer<Double>, count: Int) {
    let m = bins.cuts.count
    var codes = [UInt16](repeating: 0, count: count * m)
    codes.withUnsafeMutableBufferPointer { codes in
      for f in 0..<m where !bins.cuts[f].isEmpty {
        Self.searchKeys(bins.cuts[f]).withUnsafeBufferPointer { keys in
          Self.fillCodes(
            codes.baseAddress! + f &* count, column: rows + f, stride: m, count: count, keys: keys.baseAddress!,
            cutCount: bins.cuts[f].count)
        }
      }
    }
    // Room for 128 to 2,048 groups at half load to start with; `group` doubles it as needed.
    var bits = 8
    while (1 << bits) < min(2 * count, 4096) { bits += 1 }
    tableBits = bits
    table = [Slot](repeating: Slot(key: 0, size: 0, group: 0), count: 1 << bits)
    self.bins = bins
    self.codes = codes
    featureCount = m
    rowCount = count
    slotOf = [Int32](repeating: 0, count: count)
    words = [UInt64](repeating: 0, count: count)
    sizes = [Int32](repeating: 0, count: count)
    groupOf = [Int32](repeating: 0, count: count)
  }

  /// The codes (see the type's notes) of `values` against the sorted, non-empty, NaN-free
  /// thresholds `cuts`.
  static func codes(_ values: [Double], cuts: [Double]) -> [UInt16] {
    var out = [UInt16](repeating: 0, count: values.count)
    searchKeys(cuts).withUnsafeBufferPointer { keys in
      values.withUnsafeBufferPointer { v in
        out.withUnsafeMutableBufferPointer {
          fillCodes(
            $0.baseAddress!, column: v.baseAddress!, stride: 1, count: values.count, keys: keys.baseAddress!,
            cutCount: cuts.count)
        }
      }
    }
    return out
  }

  /// The keys (`sortKey`) of the sorted thresholds `cuts`, then `Int64.max`, above every
  /// number's key (so never equal to one).
  private static func searchKeys(_ cuts: [Double]) -> [Int64] { cuts.map { sortKey($0) } + [Int64.max] }

  /// A key whose signed order is the order of the numbers, −0 and +0 alike (not for NaN).
  @inline(__always)
  private static func sortKey(_ x: Double) -> Int64 {
    let bits = Int64(bitPattern: (x + 0.0).bitPattern)  // −0 + 0 = +0
    return bits ^ ((bits &>> 63) & Int64.max)
  }

  /// −1 when x < y, else 0, by arithmetic (Hacker's Delight 2-12): a comparison here
  /// compiles to a branch that random values mispredict at every other step.
  @inline(__always)
  private static func lessMask(_ x: Int64, _ y: Int64) -> Int {
    let d = x &- y
    return Int(truncatingIfNeeded: (d ^ ((x ^ y) & (d ^ x))) &>> 63)
  }

  /// The code of `v` (key `k`) whose search over the keys ended at `base`: the first
  /// threshold not below `v` is `base` or the next one.
  @inline(__always)
  private static func code(_ v: Double, key k: Int64, _ keys: UnsafePointer<Int64>, below base: Int) -> UInt16 {
    if v.isNaN { return 0 }
    let lo = base &+ (lessMask(keys[base], k) & 1)
    return UInt16(truncatingIfNeeded: 1 &+ 2 &* lo &+ Int(truncatingIfNeeded: oneIf(keys[lo] == k)))
  }

  /// The codes of `count` values `column[r · m]` against `cutCount` (≥ 1) threshold keys
  /// (`searchKeys`): a binary search without branches, four rows side by side (the searches
  /// take the same steps, so the four chains of loads overlap).
  private static func fillCodes(
    _ out: UnsafeMutablePointer<UInt16>, column: UnsafePointer<Double>, stride m: Int, count: Int,
    keys: UnsafePointer<Int64>, cutCount: Int
  ) {
    var r = 0
    while r &+ 4 <= count {
      let (v0, v1) = (column[r &* m], column[(r &+ 1) &* m])
      let (v2, v3) = (column[(r &+ 2) &* m], column[(r &+ 3) &* m])
      let (k0, k1, k2, k3) = (sortKey(v0), sortKey(v1), sortKey(v2), sortKey(v3))
      var (b0, b1, b2, b3) = (0, 0, 0, 0)
      var n = cutCount
      while n > 1 {
        let half = n &>> 1
        b0 &+= half & lessMask(keys[b0 &+ half], k0)
        b1 &+= half & lessMask(keys[b1 &+ half], k1)
        b2 &+= half & lessMask(keys[b2 &+ half], k2)
        b3 &+= half & lessMask(keys[b3 &+ half], k3)
        n &-= half
      }
      out[r] = code(v0, key: k0, keys, below: b0)
      out[r &+ 1] = code(v1, key: k1, keys, below: b1)
      out[r &+ 2] = code(v2, key: k2, keys, below: b2)
      out[r &+ 3] = code(v3, key: k3, keys, below: b3)
      r &+= 4
    }
    while r < count {
      let v = column[r &* m]
      let k = sortKey(v)
      var b = 0
      var n = cutCount
      while n > 1 {
        let half = n &>> 1
        b &+= half & lessMask(keys[b &+ half], k)
        n &-= half
      }
      out[r] = code(v, key: k, keys, below: b)
      r &+= 1
    }
  }

  /// The slot of `key` in a table of 2^bits slots: its own, or the first free one.
  @inline(__always)
  private static func probe(_ table: UnsafeMutablePointer<Slot>, _ key: UInt64, bits: Int) -> Int {
    let mask = (1 &<< bits) &- 1
    var h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(64 &- bits))
    while table[h].size != 0 && table[h].key != key { h = (h &+ 1) & mask }
    return h
  }

  /// Groups the rows by their direction word in patterned tree `tree` (index into
  /// `InterventionalBlocks.trees`, which must have bins): afterwards the first `groupCount`
  /// entries of `words` and `sizes` hold each group's word and size, in order of the groups'
  /// first rows, and with `membership` `groupOf` holds each row's group.
  /// - Returns: the number of groups.
  @discardableResult
  mutating func group(tree: Int, membership: Bool = false) -> Int {
    // Two copies of the loop, one per value of `membership`, so that neither tests it per row.
    membership ? group(tree, membership: true) : group(tree, membership: false)
  }

  @inline(__always)
  private mutating func group(_ tree: Int, membership: Bool) -> Int {
    let count = rowCount
    // Per feature of the tree: the start of its codes and of its masks. The first `head`
    // features (1 to 4) set the chunk's words, the others OR into them four at a time.
    let features = bins.treeFeatures[tree]!
    let columns = features.map { $0.feature &* count }
    let tables = features.map { $0.table }
    let width = columns.count
    let head = width == 0 ? 0 : (width &- 1) % 4 &+ 1
    var groupCount = 0
    var r = 0
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.chunk) { keys in
      let keys = keys.baseAddress!
      while r < count {
        // Until the table is half full (or the rows run out); then it doubles and the rows
        // go on where they stopped.
        let limit = (1 << tableBits) / 2
        let bits = tableBits
        codes.withUnsafeBufferPointer { codes in
          bins.masks.withUnsafeBufferPointer { masks in
            table.withUnsafeMutableBufferPointer { table in
              slotOf.withUnsafeMutableBufferPointer { slotOf in
                words.withUnsafeMutableBufferPointer { words in
                  groupOf.withUnsafeMutableBufferPointer { groupOf in
                    let table = table.baseAddress!
                    let c = codes.baseAddress!
                    let m = masks.baseAddress!
                    while r < count && groupCount &+ Self.chunk <= limit {
                      let n = min(Self.chunk, count &- r)
                      Self.words(
                        keys, n, c + r, m, columns: columns, tables: tables, head: head)
                      for i in 0..<n {
                        let key = keys[i]
                        let h = Self.probe(table, key, bits: bits)
                        if table[h].size == 0 {
                          table[h] = Slot(key: key, size: 1, group: Int32(truncatingIfNeeded: groupCount))
                          slotOf[groupCount] = Int32(truncatingIfNeeded: h)
                          words[groupCount] = key
                          groupCount &+= 1
                        } else {
                          table[h].size &+= 1
                        }
                        if membership { groupOf[r &+ i] = table[h].group }
                      }
                      r &+= n
                    }
                  }
                }
              }
            }
          }
        }
        if r < count { grow(groups: groupCount) }
      }
    }
    // The sizes out, the slots freed for the next tree.
    for g in 0..<groupCount {
      let h = Int(slotOf[g])
      sizes[g] = table[h].size
      table[h].size = 0
    }
    self.groupCount = groupCount
    return groupCount
  }

  /// The direction words of `n` rows into `keys`: the OR of each feature's mask, looked up
  /// by the row's code (`codes + columns[j]`, masks from `masks + tables[j]`); the first
  /// `head` features set the words, the rest OR into them four at a time (`columns.count -
  /// head` is a multiple of four).
  @inline(__always)
  private static func words(
    _ keys: UnsafeMutablePointer<UInt64>, _ n: Int, _ codes: UnsafePointer<UInt16>, _ masks: UnsafePointer<UInt64>,
    columns: [Int], tables: [Int], head: Int
  ) {
    @inline(__always) func code(_ j: Int) -> UnsafePointer<UInt16> { codes + columns[j] }
    @inline(__always) func mask(_ j: Int) -> UnsafePointer<UInt64> { masks + tables[j] }
    switch head {
    case 0:
      for i in 0..<n { keys[i] = 0 }
    case 1:
      let (c0, m0) = (code(0), mask(0))
      for i in 0..<n { keys[i] = m0[Int(c0[i])] }
    case 2:
      let (c0, m0, c1, m1) = (code(0), mask(0), code(1), mask(1))
      for i in 0..<n { keys[i] = m0[Int(c0[i])] | m1[Int(c1[i])] }
    case 3:
      let (c0, m0, c1, m1, c2, m2) = (code(0), mask(0), code(1), mask(1), code(2), mask(2))
      for i in 0..<n { keys[i] = m0[Int(c0[i])] | m1[Int(c1[i])] | m2[Int(c2[i])] }
    default:
      let (c0, m0, c1, m1) = (code(0), mask(0), code(1), mask(1))
      let (c2, m2, c3, m3) = (code(2), mask(2), code(3), mask(3))
      for i in 0..<n { keys[i] = (m0[Int(c0[i])] | m1[Int(c1[i])]) | (m2[Int(c2[i])] | m3[Int(c3[i])]) }
    }
    var j = head
    while j < columns.count {
      let (c0, m0, c1, m1) = (code(j), mask(j), code(j &+ 1), mask(j &+ 1))
      let (c2, m2, c3, m3) = (code(j &+ 2), mask(j &+ 2), code(j &+ 3), mask(j &+ 3))
      for i in 0..<n { keys[i] |= (m0[Int(c0[i])] | m1[Int(c1[i])]) | (m2[Int(c2[i])] | m3[Int(c3[i])]) }
      j &+= 4
    }
  }

  /// Doubles the hash table and moves the first `groups` groups into it.
  private mutating func grow(groups: Int) {
    tableBits += 1
    let bits = tableBits
    var grown = [Slot](repeating: Slot(key: 0, size: 0, group: 0), count: 1 << bits)
    grown.withUnsafeMutableBufferPointer { grown in
      for g in 0..<groups {
        let slot = table[Int(slotOf[g])]
        let h = Self.probe(grown.baseAddress!, slot.key, bits: bits)
        grown[h] = slot
        slotOf[g] = Int32(truncatingIfNeeded: h)
      }
    }
    table = grown
  }
}
