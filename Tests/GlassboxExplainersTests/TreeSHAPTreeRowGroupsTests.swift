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

  @Test("rows collapse into fewer groups, each going alike at every split")
  func groupsGoAlike() throws {
    let m = 5
    let e = try randomEnsemble(seed: 91, features: m, splitFeatures: 3, trees: 4, depth: 5)
    var rng = SeededRandom(state: 9191)
    let count = 1000
    // Six values per cell: at most 6^3 groups per tree.
    let rows = (0..<(count * m)).map { _ in
      let k = rng.below(6)
      return e.prepared(k == 5 ? .nan : Double(k) * 0.25)
    }
    let histograms = DecisionPatternHistograms(e, knownTotal: Double(count))
    let blocks = InterventionalBlocks(e, histograms: histograms)
    #expect(blocks.trees.count == 4)
    let bins = try #require(blocks.bins)
    var grouped = rows.withUnsafeBufferPointer { TreeRowGroups(bins, rows: $0.baseAddress!, count: count) }
    for tree in blocks.trees.indices {
      let (representatives, sizes, groupOf) = grouped.groups(tree: tree, membership: true)
      #expect(sizes.reduce(0, +) == count)
      #expect(representatives.count < count / 2, "tree \(tree): \(representatives.count) groups")
      #expect(representatives == representatives.sorted())
      #expect(groupOf.count == count)
      for (g, r) in representatives.enumerated() { #expect(groupOf[r] == Int32(g)) }
      // Brute force: rows with the same directions at every split of the tree form one group.
      let splits = blocks.trees[tree].tests.map { blocks.tests[$0] }
      var signatures: [[Int32]: Int] = [:]
      e.categoryWords.withUnsafeBufferPointer { words in
        for r in 0..<count {
          let signature = splits.map { $0.child(rows[r * m + Int($0.feature)], words) }
          signatures[signature, default: 0] += 1
        }
      }
      // Every row of a group goes the representative's way at every split.
      var strays = 0
      e.categoryWords.withUnsafeBufferPointer { words in
        for r in 0..<count {
          let rep = representatives[Int(groupOf[r])]
          for split in splits where split.child(rows[r * m + Int(split.feature)], words) != split.child(rows[rep * m + Int(split.feature)], words) {
            strays += 1
          }
        }
      }
      #expect(strays == 0, "tree \(tree)")
      #expect(representatives.count >= signatures.count)
    }
  }
  /// A tree testing many features at several thresholds each has more keys than an `Int`
  /// holds: the bins are not made (every row is evaluated, no grouping) instead of the
  /// key's place value overflowing, and the values are those of the per-row walk.
  @Test("keys past Int's range: no bins, no trap, the per-row walk's values")
  func keysPastIntRange() throws {
    let m = 40
    let e = try randomEnsemble(seed: 95, features: m, splitFeatures: m, trees: 3, depth: 8)
    // log2 of the key space of each tree: Σ over its features of log2(2 · thresholds + 2).
    var widest = 0.0
    for tree in 0..<e.treeCount {
      var thresholds: [Int32: Set<Double>] = [:]
      let end = tree + 1 < e.treeStart.count ? e.treeStart[tree + 1] : e.nodes.count
      for node in e.nodes[e.treeStart[tree]..<end] where !node.isLeaf {
        thresholds[node.feature, default: []].insert(node.threshold)
      }
      widest = max(widest, thresholds.values.map { log2(Double(2 * $0.count + 2)) }.reduce(0, +))
    }
    #expect(widest > 64, "the model's keys fit in an Int (log2 \(widest)): the test does not reach the overflow")
    let histograms = DecisionPatternHistograms(e, knownTotal: 1)
    let blocks = InterventionalBlocks(e, histograms: histograms)
    #expect(!blocks.trees.isEmpty)
    #expect(blocks.bins == nil)
    var rng = SeededRandom(state: 9595)
    let background = Self.coarseRows(e, &rng, count: 60)
    let rows = Self.coarseRows(e, &rng, count: 10)
    let (leaves, viaBlocks) = TreeSHAPInterventionalBlockTests.bothWays(e, background: background, rows: rows)
    let worst = zip(leaves, viaBlocks).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
    #expect(worst <= 1e-13, "\(worst)")
  }
}
