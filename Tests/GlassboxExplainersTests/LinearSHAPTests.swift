import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Shapley values of f over players S ⊆ M by the defining formula
/// φ_i = Σ_S |S|!(M−|S|−1)!/M! · (v(S∪{i}) − v(S)); exponential, for M ≤ 12.
private func shapleyByEnumeration(_ m: Int, _ v: ([Bool]) -> Double) -> [Double] {
  var factorial = [1.0]
  for k in 1...max(1, m) { factorial.append(factorial[k - 1] * Double(k)) }
  var phi = [Double](repeating: 0, count: m)
  for mask in 0..<(1 << m) {
    var s = (0..<m).map { mask & (1 << $0) != 0 }
    let size = s.filter { $0 }.count
    let base = v(s)
    for i in 0..<m where !s[i] {
      s[i] = true
      let weight = factorial[size] * factorial[m - size - 1] / factorial[m]
      phi[i] += weight * (v(s) - base)
      s[i] = false
    }
  }
  return phi
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
  abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}

@Suite("Linear SHAP")
struct LinearSHAPTests {
  let model = LinearModel(
    featureNames: ["a", "b", "c"], coefficients: [[2, -1, 0.5]], intercepts: [0.25],
    transform: .logistic, means: [1, 2, 3])

  @Test("values by hand: φ_j = w_j (x_j − μ_j), base = b + Σ w_j μ_j")
  func handComputed() throws {
    let explainer = try LinearSHAP(model: model, background: nil)
    let e = try explainer.explain([3, 1, 7], featureCount: 3)
    #expect(e.count == 1)
    // φ = [2·(3−1), −1·(1−2), 0.5·(7−3)] = [4, 1, 2]; base = 0.25 + 2 − 2 + 1.5 = 1.75
    #expect(e[0].attributions == [4, 1, 2])
    #expect(e[0].baseValue == 1.75)
    #expect(e[0].prediction == 0.25 + 6 - 1 + 3.5)
    #expect(e[0].output == nil && e[0].space == .raw)
  }

  @Test("background means replace stored means")
  func backgroundMeans() throws {
    let bg = Background(rows: [0, 0, 0, 2, 4, 6], featureCount: 3, source: "bg")
    let explainer = try LinearSHAP(model: model, background: bg)
    #expect(explainer.means == [1, 2, 3])
    let weighted = Background(rows: [0, 0, 0, 4, 8, 12], featureCount: 3, weights: [3, 1], source: "bg")
    let explainer2 = try LinearSHAP(model: model, background: weighted)
    #expect(explainer2.means == [1, 2, 3])
  }

  @Test("equals brute-force interventional Shapley values over the background (efficiency, exactness)")
  func bruteForce() throws {
    let wide = LinearModel(
      featureNames: (0..<6).map { "f\($0)" }, coefficients: [[0.3, -1.2, 2.5, 0, 0.7, -0.4]],
      intercepts: [-0.5], transform: .identity)
    var rng = SeededNumbers(seed: 7)
    let rows = (0..<12).map { _ in (0..<6).map { _ in rng.next() * 10 - 5 } }
    let bg = Background(rows: rows.flatMap { $0 }, featureCount: 6, source: "bg")
    let explainer = try LinearSHAP(model: wide, background: bg)
    for _ in 0..<5 {
      let x = (0..<6).map { _ in rng.next() * 10 - 5 }
      let e = try explainer.explain(x, featureCount: 6)[0]
      let f = { (z: [Double]) in wide.predictMargins(z)[0] }
      let exact = shapleyByEnumeration(6) { s in
        rows.reduce(0.0) { sum, row in sum + f((0..<6).map { s[$0] ? x[$0] : row[$0] }) } / Double(rows.count)
      }
      for j in 0..<6 { #expect(close(e.attributions[j], exact[j], 1e-12)) }
      // Dummy: a zero coefficient gets exactly zero.
      #expect(e.attributions[3] == 0)
      #expect(e.additivityGap < 1e-14)
      #expect(close(e.baseValue, rows.map(f).reduce(0, +) / Double(rows.count)))
    }
  }

  @Test("symmetry: equal coefficients and equal deviations give equal attributions")
  func symmetry() throws {
    let m = LinearModel(featureNames: ["p", "q"], coefficients: [[1.5, 1.5]], intercepts: [0], transform: .identity, means: [0, 10])
    let e = try LinearSHAP(model: m, background: nil).explain([2, 12], featureCount: 2)[0]
    #expect(e.attributions[0] == e.attributions[1])
  }

  @Test("a missing input takes the reference mean: attribution 0 and a note")
  func missingValue() throws {
    let e = try LinearSHAP(model: model, background: nil).explain([3, .nan, 7], featureCount: 3)[0]
    #expect(e.attributions[1] == 0)
    #expect(e.notes.count == 1 && e.notes[0].contains("b is missing"))
    #expect(e.additivityGap < 1e-15)
  }

  @Test("multi-class softmax: one explanation per class, each additive")
  func multiclass() throws {
    let m = LinearModel(
      featureNames: ["a", "b"], coefficients: [[1, 0], [0, 1], [-1, -1]], intercepts: [0, 1, 2],
      transform: .softmax, means: [0.5, -0.5], classNames: ["x", "y", "z"])
    let out = try LinearSHAP(model: m, background: nil).explain([1, 1, 2, 2], featureCount: 2, firstRow: 10)
    #expect(out.count == 6)
    #expect(out.map(\.output) == [0, 1, 2, 0, 1, 2])
    #expect(out.map(\.row) == [10, 10, 10, 11, 11, 11])
    #expect(out[2].attributions == [-0.5, -1.5])
    for e in out { #expect(e.additivityGap < 1e-15) }
  }

  @Test("without means or background the explainer refuses")
  func noReference() {
    let m = LinearModel(featureNames: ["a"], coefficients: [[1]], intercepts: [0], transform: .identity)
    #expect(throws: ExplainerError.self) { try LinearSHAP(model: m, background: nil) }
  }

  @Test("the index lists the linear case, with all its files")
  func indexListsTheCases() {
    #expect(FixtureIndex.expectComplete(FixtureIndex.cases(kind: "linear")) == 1)
  }

  @Test("matches shap.LinearExplainer on the Adult logistic model (fixture)")
  func shapFixture() throws {
    let listed = try FixtureIndex.case("linear/adult-logistic")
    #expect(listed.missingFiles.isEmpty, "missing \(listed.missingFiles)")
    let folder = listed.directory
    let model = try #require(try ModelLoader.load(path: folder + "/model.json").model as? LinearModel)
    let expected = try #require(try JSONParser.parseFile(folder + "/expected.json").object)
    let explainer = try LinearSHAP(model: model, background: nil)
    let reader = try CSVReader(path: folder + "/X.csv")
    let encoder = try FeatureEncoder(schema: FeatureSchema(names: model.featureNames), columns: reader.columns, source: "X.csv")
    var rows: [Double] = []
    let block = try #require(try reader.nextBlock(maxRecords: 1000))
    try encoder.encode(block, into: &rows)
    let explanations = try explainer.explain(rows, featureCount: model.featureCount)
    let contribs = try #require(expected["contribs"]?.array)
    let base = try #require(expected["base"]?.array?.first?.number)
    #expect(explanations.count == contribs.count && contribs.count == 50)
    var worst = 0.0
    for (e, c) in zip(explanations, contribs) {
      let values = try #require(c.array?.first?.array).compactMap { $0.number }  // [k=0][F+1], bias last
      try #require(values.count == model.featureCount + 1)
      for j in 0..<model.featureCount { worst = max(worst, abs(e.attributions[j] - values[j])) }
      #expect(close(e.baseValue, base, 1e-12))
      #expect(close(values[model.featureCount], base, 1e-12))
    }
    #expect(worst < 1e-12)
  }
}

/// A tiny deterministic generator for test inputs (independent of the code under test).
struct SeededNumbers {
  var state: UInt64
  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
  mutating func next() -> Double {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Double(state >> 11) * 0x1.0p-53
  }
}
