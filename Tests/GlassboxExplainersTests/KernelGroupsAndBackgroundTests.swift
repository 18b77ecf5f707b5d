import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport
import Testing

@Suite("Kernel SHAP: feature groups and background summaries")
struct KernelGroupsAndBackgroundTests {
  /// Columns: a, colour one-hot (red, green, blue), b.
  struct OneHotModel: Model {
    var featureNames: [String] { ["a", "red", "green", "blue", "b"] }
    var outputCount: Int { 1 }
    var classNames: [String]? { nil }
    var transform: OutputTransform { .identity }
    var summary: String { "one-hot test model" }
    static func f(_ x: [Double]) -> Double {
      x[0] * (2 * x[1] - x[2] + 0.5 * x[3]) + x[4] * x[2] + max(x[0], x[4])
    }
    func predictMargins(_ rows: UnsafeBufferPointer<Double>, count: Int, into out: UnsafeMutableBufferPointer<Double>) {
      for r in 0..<count { out[r] = Self.f(Array(rows[(r * 5)..<((r + 1) * 5)])) }
    }
  }

  func oneHotRows(_ n: Int, seed: UInt64) -> [Double] {
    var rng = Xoshiro256StarStar(seed: seed)
    var rows: [Double] = []
    for _ in 0..<n {
      let colour = Int(rng.next() % 3)
      rows += [Double(rng.next() % 5), colour == 0 ? 1 : 0, colour == 1 ? 1 : 0, colour == 2 ? 1 : 0, Double(rng.next() % 4)]
    }
    return rows
  }

  @Test("a one-hot group is one player: brute force over the grouped game, value on the first column")
  func groupedGame() throws {
    let groups = try FeatureGroups(named: [(name: "colour", features: ["red", "green", "blue"])],
                                   featureNames: OneHotModel().featureNames)
    let bgRows = oneHotRows(10, seed: 1)
    let bg = Background(rows: bgRows, featureCount: 5, source: "t")
    let x = oneHotRows(1, seed: 2)
    let members: [[Int]] = [[0], [1, 2, 3], [4]]
    let expected = bruteForceShapley(players: 3) { coalition in
      var total = 0.0
      for b in rowArrays(bgRows, 5) {
        var z = b
        for (p, cols) in members.enumerated() where coalition[p] { for j in cols { z[j] = x[j] } }
        total += OneHotModel.f(z)
      }
      return total / 10
    }
    let kernel = try KernelSHAP(model: OneHotModel(), background: bg, configuration: .init(groups: groups))
    let exact = try ExactShapley(model: OneHotModel(), background: bg, configuration: .init(groups: groups))
    for e in [try kernel.explain(x, featureCount: 5)[0], try exact.explain(x, featureCount: 5)[0]] {
      expectClose(e.attributions, [expected[0], expected[1], 0, 0, expected[2]], rel: 1e-9, abs: 1e-12)
      #expect(e.notes.contains("group 'colour' (red, green, blue): its attribution is reported on 'red'"))
      #expect(e.additivityGap < 1e-12)
    }
  }

  @Test("invalid groups are refused with messages naming the group")
  func invalidGroups() {
    #expect(throws: ShapleyGameError.overlappingGroups(group: "g2", other: "g1", index: 1)) {
      try FeatureGroups([.init(name: "g1", features: [1, 2]), .init(name: "g2", features: [1])], featureCount: 5)
    }
    #expect(throws: ShapleyGameError.groupColumnOutOfRange(group: "g", index: 9, featureCount: 5)) {
      try FeatureGroups([.init(name: "g", features: [9])], featureCount: 5)
    }
    #expect(throws: ShapleyGameError.unknownGroupMember(group: "g", feature: "nope")) {
      try FeatureGroups(named: [(name: "g", features: ["a", "nope"])], featureNames: ["a", "b"])
    }
    #expect(throws: ShapleyGameError.emptyGroup(group: "g")) {
      try FeatureGroups([.init(name: "g", features: [])], featureCount: 5)
    }
  }

  @Test("k-means summary: weights keep the total, values come from the data, seeds reproduce")
  func kMeans() {
    let rows = randomRows(300, 4, seed: 3)
    let weights = (0..<300).map { Double($0 % 4) + 0.5 }
    let bg = Background(rows: rows, featureCount: 4, weights: weights, source: "t")
    let a = BackgroundSummary.kMeans(bg, clusters: 10, seed: 7)
    let b = BackgroundSummary.kMeans(bg, clusters: 10, seed: 7)
    #expect(a.count <= 10 && a.count >= 5)
    expectClose(a.weights.reduce(0, +), weights.reduce(0, +), rel: 1e-12)
    #expect(a.rows == b.rows && a.weights == b.weights)
    for j in 0..<4 {
      let column = Set((0..<300).map { rows[$0 * 4 + j] })
      for r in 0..<a.count { #expect(column.contains(a.rows[r * 4 + j])) }
    }
    // The weighted means stay close to the original ones.
    expectClose(a.means, bg.means, abs: 0.25)
    let c = BackgroundSummary.kMeans(bg, clusters: 10, seed: 8)
    #expect(c.rows != a.rows || c.weights != a.weights)
  }

  @Test("sampling summary: total weight kept, seeded, equal and unequal weights")
  func sampling() {
    let rows = randomRows(200, 3, seed: 4)
    let equal = Background(rows: rows, featureCount: 3, source: "t")
    let s = BackgroundSummary.sample(equal, count: 20, seed: 1)
    #expect(s.count == 20)
    expectClose(s.weights.reduce(0, +), 200, rel: 1e-12)
    #expect(BackgroundSummary.sample(equal, count: 20, seed: 1).rows == s.rows)
    #expect(BackgroundSummary.sample(equal, count: 20, seed: 2).rows != s.rows)
    let unequal = Background(rows: rows, featureCount: 3, weights: (0..<200).map { Double($0 % 5) }, source: "t")
    let u = BackgroundSummary.sample(unequal, count: 30, seed: 1)
    expectClose(u.weights.reduce(0, +), unequal.weights.reduce(0, +), rel: 1e-12)
    #expect(BackgroundSummary.sample(equal, count: 500, seed: 1).rows == rows)
  }

  @Test("merging duplicates keeps the game: same attributions, fewer rows")
  func mergingDuplicates() throws {
    let base = randomRows(5, 6, seed: 5)
    let doubled = Background(rows: base + base + Array(base[0..<6]), featureCount: 6, source: "t")
    let merged = BackgroundSummary.mergingDuplicates(doubled)
    #expect(merged.count == 5)
    #expect(merged.weights == [3, 2, 2, 2, 2])
  }
}
