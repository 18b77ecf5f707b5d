@testable import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// The fast path-dependent kernel's precomputed leaf terms (`LeafTerms`) and its 8-row block
/// walk must not change a single bit: the values equal those computed from the (W, G)
/// pairs, row by row.
@Suite("Fast TreeSHAP: leaf terms and block walk are bit for bit the pair walk")
struct TreeSHAPFastTermsTests {
  func contributions(_ model: TreeEnsemble, _ rows: [Double], count: Int, limits: FastTreeTables.Limits) -> [Double] {
    let explainer = TreeSHAP(ensemble: model, algorithm: .fast, limits: limits)
    var out = [Double](repeating: 0, count: count * model.outputCount * model.featureCount)
    rows.withUnsafeBufferPointer { r in
      out.withUnsafeMutableBufferPointer { explainer.contributions(r, count: count, into: $0) }
    }
    return out
  }

  @Test("all terms, no terms, some terms, and one row at a time agree bit for bit", arguments: TreeFixture.cases())
  func identical(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let model = try fixture.load(fixture.modelPaths[0])
    let n = fixture.rowCount
    let m = fixture.featureCount
    let expanded = contributions(model, fixture.rows, count: n, limits: .init())
    let pairs = contributions(model, fixture.rows, count: n, limits: .init(expandedTerms: 0))
    let some = contributions(model, fixture.rows, count: n, limits: .init(expandedTerms: 2_000))
    #expect(expanded.map(\.bitPattern) == pairs.map(\.bitPattern), "\(name): terms vs pairs")
    #expect(some.map(\.bitPattern) == pairs.map(\.bitPattern), "\(name): partial terms vs pairs")
    // Rows one at a time: blocks of one row with 7 rows of padding.
    var single: [Double] = []
    for r in 0..<min(n, 13) {
      single += contributions(model, Array(fixture.rows[(r * m)..<((r + 1) * m)]), count: 1, limits: .init())
    }
    #expect(single.map(\.bitPattern) == expanded.prefix(single.count).map(\.bitPattern), "\(name): one row at a time")
  }

  @Test("the terms stop at the limit: leaves past it keep the pairs")
  func limit() {
    // Two leaves of d = 2 (4 · 2 = 8 terms each) and one of d = 1 (2 terms).
    let table = [Double](repeating: 1, count: 2 * (4 + 4 + 2))
    let (starts, terms) = LeafTerms.expand(
      tableStart: [0, 8, 16, 20], featureStart: [0, 2, 4, 5], oneMinusZero: [0.5, 0.25, 0.5, 0.25, 0.5], table: table,
      limit: 12)
    #expect(starts == [0, -1, -1, -1])
    #expect(terms.count == 8 + 1)
    // A = {0, 1} (index 3): on-terms (1 − z_k) · W · G = 0.5 and 0.25; A = ∅: both −W·G = −1.
    #expect(Array(terms[6..<8]) == [0.5, 0.25])
    #expect(Array(terms[0..<2]) == [-1, -1])
  }
}
