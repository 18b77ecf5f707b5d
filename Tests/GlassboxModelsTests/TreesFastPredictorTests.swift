import GlassboxData
import GlassboxModels
import GlassboxTestSupport
import Testing

/// The block-wise predictor (`predictMargins`) against the row-by-row reference walk
/// (`referenceMargins`): equal bit for bit on every fixture (categorical splits, NaN and
/// LightGBM `Zero`/`None` missing rules, multi-output, DART weights, LightGBM
/// average_output, scikit-learn), on rows sitting exactly on, just below and just above
/// every threshold, and on batches spanning several row blocks.
@Suite("Tree ensembles: fast predictor equals the reference walk")
struct TreesFastPredictorTests {
  static func reference(_ e: TreeEnsemble, _ rows: [Double]) -> [Double] {
    let count = rows.count / max(1, e.featureCount)
    var out = [Double](repeating: 0, count: count * e.outputCount)
    rows.withUnsafeBufferPointer { r in
      out.withUnsafeMutableBufferPointer { e.referenceMargins(r, count: count, into: $0) }
    }
    return out
  }

  /// Rows that put each split's feature on its threshold and the neighbouring doubles and
  /// floats, plus NaN, ±0, a tiny value and ±∞, on top of the fixture rows.
  static func probes(_ e: TreeEnsemble, base: [Double]) -> [Double] {
    let m = e.featureCount
    var rows = base
    let baseCount = base.count / m
    var i = 0
    for (n, node) in e.nodes.enumerated() where !node.isLeaf && n % 3 == 0 {
      let t = node.threshold
      let f = Int(node.feature)
      let candidates: [Double] = [
        t, t.nextUp, t.nextDown, Double(Float(t).nextUp), Double(Float(t).nextDown), .nan, 0, -0.0, 1e-40,
        .infinity, -.infinity, t.rounded(.down),
      ]
      for v in candidates {
        var row = Array(base[((i % baseCount) * m)..<((i % baseCount + 1) * m)])
        row[f] = v
        rows += row
        i += 1
      }
      if rows.count / m > 3000 { break }
    }
    return rows
  }

  @Test("the index lists the tree cases, with all their files")
  func indexListsTheCases() {
    FixtureIndex.expectComplete(FixtureIndex.cases(kind: "trees"))
  }

  @Test("bit-identical to the reference walk", arguments: TreeFixture.cases())
  func matchesReference(_ name: String) throws {
    let fixture = try TreeFixture(name)
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      // Several blocks of rows, with the threshold probes mixed in.
      let rows = Self.probes(model, base: fixture.rows)
      let fast = model.predictMargins(rows)
      let slow = Self.reference(model, rows)
      #expect(fast.count == slow.count)
      let mismatches = zip(fast, slow).filter { $0.0.bitPattern != $0.1.bitPattern }.count
      #expect(mismatches == 0, "\(path): \(mismatches) of \(fast.count) margins differ")
    }
  }

  @Test("batch sizes around the block size, and an empty batch")
  func blockBoundaries() throws {
    let fixture = try TreeFixture("xgb-multi-softprob")
    let model = try fixture.load(fixture.modelPaths[0])
    let m = model.featureCount
    var all: [Double] = []
    while all.count / m < 400 { all += fixture.rows }
    for count in [0, 1, 127, 128, 129, 257, 400] {
      let rows = Array(all[0..<(count * m)])
      let fast = model.predictMargins(rows)
      #expect(fast.map(\.bitPattern) == Self.reference(model, rows).map(\.bitPattern), "count \(count)")
    }
  }
}
