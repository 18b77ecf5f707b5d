import GlassboxData
import GlassboxModels
import GlassboxTestSupport
import Testing

@testable import GlassboxExplainers

/// The block tables (`InterventionalBlocks`) against the leaf walk over the per-leaf tables
/// they are built from (`InterventionalTables.addAll`), on random trees that test features
/// several times on a path and send missing values either way, and on every tree fixture;
/// and the result of a row does not depend on the rows explained with it.
@Suite("Interventional TreeSHAP: block tables")
struct TreeSHAPInterventionalBlockTests {
  /// Attributions of `rows` from the leaf walk and from the blocks, `[row][output][feature]`.
  static func bothWays(_ e: TreeEnsemble, background: [Double], rows: [Double]) -> (leaves: [Double], blocks: [Double]) {
    let m = e.featureCount
    let bgCount = background.count / m
    let prepared = background.map { e.prepared($0) }
    let weights = [Double](repeating: 1, count: bgCount)
    var histograms = DecisionPatternHistograms(e, knownTotal: Double(bgCount))
    var blocks = InterventionalBlocks(e, histograms: histograms)
    // The per-row walk (no blocks given), so that the histograms are independent of them.
    prepared.withUnsafeBufferPointer { p in
      weights.withUnsafeBufferPointer { histograms.add(e, prepared: p.baseAddress!, count: bgCount, weights: $0.baseAddress!) }
    }
    var counted = DecisionPatternHistograms(e, knownTotal: Double(bgCount))
    prepared.withUnsafeBufferPointer { p in
      weights.withUnsafeBufferPointer {
        counted.add(e, prepared: p.baseAddress!, count: bgCount, weights: $0.baseAddress!, blocks: blocks)
      }
    }
    #expect(counted.masses == histograms.masses, "counting by blocks changed the histograms")
    let n = min(e.featureCount, e.maxDepth) + 1
    var weightTable = [Double](repeating: 0, count: n * n)
    for a in 0..<n {
      for b in 0..<(n - a) {
        // a! b! / (a+b+1)! by products, independently of the explainer's own table.
        var value = 1.0
        for i in 1..<(a + b + 2) { value /= Double(i) }
        for i in stride(from: 1, through: a, by: 1) { value *= Double(i) }
        for i in stride(from: 1, through: b, by: 1) { value *= Double(i) }
        weightTable[a * n + b] = value
      }
    }
    let leaves = InterventionalTables(e, histograms: histograms, weightTable: weightTable, stride: n)
    blocks.fill(e, leaves: leaves)
    let x = rows.map { e.prepared($0) }
    let count = rows.count / m
    var a = [Double](repeating: 0, count: count * m * e.outputCount)
    var b = a
    x.withUnsafeBufferPointer { x in
      a.withUnsafeMutableBufferPointer { leaves.addAll(e, x: x.baseAddress!, count: count, phi: $0.baseAddress!) }
      b.withUnsafeMutableBufferPointer { blocks.addAll(e, x: x.baseAddress!, count: count, phi: $0.baseAddress!) }
    }
    return (a, b)
  }

  @Test("equal to the leaf walk on random trees", arguments: [61, 62, 63, 64] as [UInt64])
  func randomTrees(seed: UInt64) throws {
    let m = 6
    // Depth 7 over 4 split features: repeated features on paths, blocks at several depths.
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 4, trees: 6, depth: 7, outputs: seed % 2 == 0 ? 2 : 1)
    var rng = SeededRandom(state: seed * 31)
    let background = randomRows(&rng, count: 40, features: m)
    // 150 rows: three chunks of 64, the last one partial.
    let rows = randomRows(&rng, count: 150, features: m)
    let (leaves, blocks) = Self.bothWays(e, background: background, rows: rows)
    #expect(leaves.contains { $0 != 0 }, "the leaf walk added nothing")
    for i in leaves.indices {
      #expect(abs(leaves[i] - blocks[i]) <= 1e-13 * max(1, abs(leaves[i])), "entry \(i)")
    }
  }

  @Test("a row's values do not depend on the rows explained with it")
  func rowIndependence() throws {
    let m = 5
    let e = try randomEnsemble(seed: 71, features: m, splitFeatures: 5, trees: 5, depth: 6)
    var rng = SeededRandom(state: 7171)
    let background = randomRows(&rng, count: 30, features: m)
    let rows = randomRows(&rng, count: 100, features: m)
    let together = Self.bothWays(e, background: background, rows: rows).blocks
    for r in [0, 63, 64, 99] {
      let alone = Self.bothWays(e, background: background, rows: Array(rows[(r * m)..<((r + 1) * m)])).blocks
      #expect(Array(together[(r * m)..<((r + 1) * m)]) == alone, "row \(r)")
    }
  }

  @Test("equal to the leaf walk on every tree fixture", arguments: TreeFixture.cases())
  func fixtures(_ name: String) throws {
    let fixture = try TreeFixture(name)
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      let (leaves, blocks) = Self.bothWays(model, background: fixture.rows, rows: fixture.rows)
      let worst = zip(leaves, blocks).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
      #expect(worst <= 1e-13, "\(name) \(path): \(worst)")
    }
  }
}
