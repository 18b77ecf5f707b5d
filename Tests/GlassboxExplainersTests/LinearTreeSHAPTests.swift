import GlassboxData
@testable import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Exact interventional Shapley values of LightGBM linear trees against brute-force
/// enumeration of every coalition of the model's features, with the model's own
/// predictions as the value function.
@Suite("LinearTreeSHAP equals brute-force interventional Shapley values")
struct LinearTreeSHAPTests {
  static let cases = FixtureIndex.cases(kind: "linear-trees").map(\.name)

  static func load(_ name: String) throws -> (LinearTreeEnsemble, [Double], Int, Background) {
    let dir = fixturesDirectory + "/linear-trees/" + name
    let model = try #require(try ModelLoader.load(path: dir + "/model.txt").model as? LinearTreeEnsemble)
    let (rows, count) = try TreeFixture.readCSV(dir + "/X.csv")
    let (bg, _) = try TreeFixture.readCSV(dir + "/background.csv")
    return (model, rows, count, Background(rows: bg, featureCount: model.featureCount, source: "background.csv"))
  }

  @Test("to 1e-9 of the row's largest value, rows with missing values included", arguments: cases)
  func bruteForce(_ name: String) throws {
    let (model, rows, count, background) = try Self.load(name)
    let m = model.featureCount
    let explainer = try LinearTreeSHAP(model: model, background: background)
    let used = min(count, 14)
    let explanations = try explainer.explain(Array(rows[0..<(used * m)]), featureCount: m)
    #expect(explanations.count == used)
    let bgRows = (0..<background.count).map { Array(background.rows[($0 * m)..<(($0 + 1) * m)]) }
    var worst = 0.0
    var worstAdditivity = 0.0
    for (r, e) in explanations.enumerated() {
      let x = Array(rows[(r * m)..<((r + 1) * m)])
      let game = interventionalValue(model: { model.predictMargins($0)[0] }, x: x, background: bgRows)
      let exact = bruteForceShapley(players: m, value: game)
      let scale = max(1e-12, exact.map(abs).max() ?? 0)
      for j in 0..<m { worst = max(worst, abs(e.attributions[j] - exact[j]) / scale) }
      worstAdditivity = max(worstAdditivity, e.additivityGap)
      #expect(abs(e.baseValue - game([Bool](repeating: false, count: m))) <= 1e-12 * max(1, abs(e.baseValue)))
    }
    print("\(name): LinearTreeSHAP vs brute force max rel error \(worst), additivity \(worstAdditivity)")
    #expect(worst <= 1e-9, "max rel error \(worst)")
    #expect(worstAdditivity <= 1e-9)
  }

  @Test("the linear parts matter: the plain trees' interventional values differ")
  func linearPartsMatter() throws {
    let (model, rows, _, background) = try Self.load("lgb-linear-regression")
    let m = model.featureCount
    let x = Array(rows[(3 * m)..<(4 * m)])
    let linear = try LinearTreeSHAP(model: model, background: background).explain(x, featureCount: m)[0]
    let plain = try InterventionalTreeSHAP(ensemble: model.trees, background: background).explain(x, featureCount: m)[0]
    let gap = zip(linear.attributions, plain.attributions).map { abs($0 - $1) }.max() ?? 0
    #expect(gap > 1e-3, "gap \(gap)")
  }

  @Test("unanimity games: closed form against brute force")
  func unanimity() {
    for (a, b) in [([0], [Int]()), ([0, 2], [1]), ([Int](), [3]), ([1, 3], [0, 2]), ([0], [0])] {
      var phi = [Double](repeating: 0, count: 4)
      PairWalk.unanimity(a, b, 2.5) { phi[$0] += $1 }
      let exact = bruteForceShapley(players: 4) { s in
        a.allSatisfy { s[$0] } && b.allSatisfy { !s[$0] } ? 2.5 : 0
      }
      for j in 0..<4 { #expect(abs(phi[j] - exact[j]) <= 1e-12, "A \(a) B \(b): \(phi) vs \(exact)") }
    }
  }
}
