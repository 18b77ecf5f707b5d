import Foundation
import GlassboxModels
import Testing

@testable import GlassboxExplainers

/// Background rows grouped per tree by the bins of its thresholds (`TreeRowGroups`): the
/// histograms counted through the groups equal, bit for bit, those of the per-row walk, on
/// backgrounds with many repeated values, values equal to thresholds and missing values.
@Suite("Interventional TreeSHAP: background rows grouped per tree")
struct TreeSHAPTreeRowGroupsTests {
  /// Rows whose cells are a threshold of the model, a value on a 0.05 grid, or NaN.
  static func coarseRows(_ e: TreeEnsemble, _ rng: inout SeededRandom, count: Int) -> [Double] {
    let thresholds = e.nodes.filter { !$0.isLeaf }.map(\.threshold)
    return (0..<(count * e.featureCount)).map { _ in
      switch rng.below(10) {
      case 0: return .nan
      case 1, 2, 3: return thresholds[rng.below(thresholds.count)]
      default: return Double(rng.below(21)) * 0.05
      }
    }
  }

  @Test("histograms through the groups equal the per-row walk", arguments: [81, 82, 83] as [UInt64])
  func equalHistograms(seed: UInt64) throws {
    let m = 5
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 4, trees: 8, depth: 6, outputs: seed % 2 == 0 ? 2 : 1)
    var rng = SeededRandom(state: seed * 97)
    let background = Self.coarseRows(e, &rng, count: 300)
    let rows = Self.coarseRows(e, &rng, count: 70)
    // `bothWays` expects the grouped counts to give the per-row walk's histograms exactly.
    let (leaves, blocks) = TreeSHAPInterventionalBlockTests.bothWays(e, background: background, rows: rows)
    #expect(leaves.contains { $0 != 0 }, "the leaf walk added nothing")
    let worst = zip(leaves, blocks).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
    #expect(worst <= 1e-13, "seed \(seed): \(worst)")
  }

  @Test("a value's code: the branch-free search equals counting the thresholds below it")
  func codesEqualCounting() {
    var rng = SeededRandom(state: 8181)
    var checked = 0
    for cutCount in [1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 129] {
      // Sorted distinct thresholds around 0 (0 itself among them when there are 3 or more).
      var cuts = Set((0..<(cutCount - 1)).map { _ in (Double(rng.below(2001)) - 1000) / 8 })
      cuts.insert(cutCount >= 3 ? 0 : 0.25)
      while cuts.count < cutCount { cuts.insert(Double(rng.below(100_000)) + 0.5) }
      let sorted = cuts.sorted()
      #expect(sorted.count == cutCount)
      // Thresholds, their neighbours, ±0, ±infinity, NaN, values far out and random ones;
      // 4k + 1 to 4k + 3 of them, so that the rows after the last four are searched too.
      var values: [Double] = [0, -0.0, .infinity, -.infinity, .nan, -.nan, 1e300, -1e300]
      for c in sorted { values += [c, c.nextUp, c.nextDown] }
      for _ in 0..<(100 + cutCount % 3) { values.append((Double(rng.below(2_400_001)) - 1_200_000) / 1000) }
      let codes = TreeRowGroups.codes(values, cuts: sorted)
      for (v, code) in zip(values, codes) {
        let lo = sorted.filter { $0 < v }.count
        let expected = v.isNaN ? 0 : 1 + 2 * lo + (lo < sorted.count && sorted[lo] == v ? 1 : 0)
        #expect(Int(code) == expected, "\(cutCount) thresholds, value \(v): \(code), expected \(expected)")
        checked += 1
      }
    }
    #expect(checked == 11 * 108 + 3 * (1 + 2 + 3 + 4 + 5 + 7 + 8 + 63 + 64 + 65 + 129) + 12)
  }

  @Test("rows collapse into fewer groups, each going alike at every split")
  func groupsGoAlike() throws {
    // 1,000 rows, six values per cell (NaN one of them), 3 features split on: at most 6^3
    // groups per tree.
    let groupCounts = try Self.gridGroups(seed: 91, splitFeatures: 3, depth: 5, count: 1000, steps: 6, step: 0.25)
    #expect(groupCounts.count == 4)
    for (tree, groups) in groupCounts.enumerated() { #expect(groups < 500, "tree \(tree): \(groups) groups") }
  }

  @Test("thousands of groups: the hash table grows and the groups stay right")
  func manyGroups() throws {
    // 12,000 rows on a 0.001 grid (with NaN): most rows fall in cells of their own.
    let groupCounts = try Self.gridGroups(seed: 93, splitFeatures: 5, depth: 6, count: 12_000, steps: 1001, step: 0.001)
    // The table starts with room for 2,048 groups.
    #expect(groupCounts.max() ?? 0 > 2048, "\(groupCounts): the table never grew")
  }

  /// The groups' counts per tree (checked by `checkGroups`) of `count` rows whose cells are
  /// k · `step` for a random k below `steps`, NaN for the last k, on a random 4-tree model of
  /// 5 features.
  static func gridGroups(seed: UInt64, splitFeatures: Int, depth: Int, count: Int, steps: Int, step: Double) throws -> [Int] {
    let e = try randomEnsemble(seed: seed, features: 5, splitFeatures: splitFeatures, trees: 4, depth: depth)
    var rng = SeededRandom(state: seed * 101)
    let rows = (0..<(count * e.featureCount)).map { _ in
      let k = rng.below(steps)
      return e.prepared(k == steps - 1 ? .nan : Double(k) * step)
    }
    return try checkGroups(e, rows: rows, count: count)
  }

  /// Groups `rows` in every patterned tree of `e` and checks the groups against brute force;
  /// returns each tree's number of groups.
  static func checkGroups(_ e: TreeEnsemble, rows: [Double], count: Int) throws -> [Int] {
    let m = e.featureCount
    let histograms = DecisionPatternHistograms(e, knownTotal: Double(count))
    let blocks = InterventionalBlocks(e, histograms: histograms)
    let bins = try #require(blocks.bins)
    var grouped = rows.withUnsafeBufferPointer { TreeRowGroups(bins, rows: $0.baseAddress!, count: count) }
    var groupCounts: [Int] = []
    for tree in blocks.trees.indices {
      let groups = grouped.group(tree: tree, membership: true)
      groupCounts.append(groups)
      let words = Array(grouped.words[..<groups])
      let sizes = Array(grouped.sizes[..<groups])
      let groupOf = grouped.groupOf
      #expect(sizes.reduce(0, +) == Int32(count))
      #expect(Set(words).count == groups, "tree \(tree): two groups with one word")
      #expect(groupOf.count == count)
      // Groups in order of their first rows, each group's size its rows.
      var firstRows: [Int] = []
      var seen = [Int](repeating: 0, count: groups)
      for r in 0..<count {
        let g = Int(groupOf[r])
        if seen[g] == 0 { firstRows.append(r) }
        seen[g] += 1
      }
      #expect(firstRows.count == groups && firstRows == firstRows.sorted())
      #expect(seen.map { Int32($0) } == sizes)
      // Brute force: each row's group word holds the row's direction at every split, and
      // rows with the same directions form one group.
      let splits = blocks.trees[tree].tests.map { blocks.tests[$0] }
      var signatures: [[Int32]: Int] = [:]
      var strays = 0
      e.categoryWords.withUnsafeBufferPointer { categories in
        for r in 0..<count {
          let signature = splits.map { $0.child(rows[r * m + Int($0.feature)], categories) }
          signatures[signature, default: 0] += 1
          let word = words[Int(groupOf[r])]
          for (i, split) in splits.enumerated() where (word >> UInt64(i)) & 1 != (signature[i] == split.left ? 1 : 0) {
            strays += 1
          }
        }
      }
      #expect(strays == 0, "tree \(tree)")
      #expect(groups == signatures.count)
    }
    return groupCounts
  }

  /// A tree with more than 64 splits has no direction word: it is not grouped (every row is
  /// evaluated), the trees with fewer are, and the values are those of the per-row walk.
  @Test("trees past 64 splits: not grouped, no trap, the per-row walk's values")
  func treesPast64Splits() throws {
    // Eight features, depth 8: every path has at most 8 distinct features (patterned), and
    // the trees have about 65 splits each, some more, some fewer.
    let m = 8
    let e = try randomEnsemble(seed: 95, features: m, splitFeatures: m, trees: 6, depth: 8)
    let histograms = DecisionPatternHistograms(e, knownTotal: 1)
    let blocks = InterventionalBlocks(e, histograms: histograms)
    #expect(!blocks.trees.isEmpty)
    let bins = try #require(blocks.bins)
    let wide = blocks.trees.indices.filter { blocks.trees[$0].tests.count > 64 }
    #expect(!wide.isEmpty, "no tree has more than 64 splits")
    #expect(wide.count < blocks.trees.count, "every tree has more than 64 splits")
    for tree in blocks.trees.indices { #expect((bins.treeFeatures[tree] == nil) == wide.contains(tree)) }
    var rng = SeededRandom(state: 9595)
    let background = Self.coarseRows(e, &rng, count: 60)
    let rows = Self.coarseRows(e, &rng, count: 10)
    let (leaves, viaBlocks) = TreeSHAPInterventionalBlockTests.bothWays(e, background: background, rows: rows)
    let worst = zip(leaves, viaBlocks).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
    #expect(worst <= 1e-13, "\(worst)")
  }
}
