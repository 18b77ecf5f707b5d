import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// Exact LIME against brute force: an exact enumeration of every neighbourhood point
/// (point-valued features), and many samples of glassbox's own sampler (continuous bins,
/// missing values); determinism and estimator choice.
@Suite("Exact LIME")
struct LIMEExactTests {
  /// xgb-regression (10 features) on a background whose features are all categorical,
  /// each with 2 or 3 values of unequal frequency, so the neighbourhood is finite.
  static func pointValued() throws -> (TreeEnsemble, Background, FeatureSchema, [[Double]]) {
    let fixture = try TreeFixture("xgb-regression")
    let model = try fixture.load("\(fixture.dir)/model.json")
    let m = fixture.featureCount
    let x = fixture.rows
    // Per feature the first 2 distinct values (3 for the first two features); the first one twice.
    var values: [[Double]] = []
    for j in 0..<m {
      var distinct: [Double] = []
      for r in 0..<fixture.rowCount where !distinct.contains(x[r * m + j]) && distinct.count < (j < 2 ? 3 : 2) {
        distinct.append(x[r * m + j])
      }
      values.append(distinct)
    }
    var rows: [Double] = []
    for r in 0..<4 { for j in 0..<m { rows.append(values[j][r == 3 ? 0 : r % values[j].count]) } }
    let card = ModelCard(features: model.featureNames.map { ModelCard.Feature(name: $0, kind: .categorical(labels: [])) })
    return (
      model, Background(rows: rows, featureCount: m, source: "test"),
      FeatureSchema(names: model.featureNames, card: card), values
    )
  }

  /// Every point of the neighbourhood with its expected weight in an `n`-sample run:
  /// `(n − 1) · P(point) · kernel`, after the instance (weight 1).
  static func enumerate(
    _ model: TreeEnsemble, _ background: Background, values: [[Double]], instance: [Double], samples n: Int
  ) -> (data: Matrix, labels: [Double], weights: [Double]) {
    let m = values.count
    let c = limeKernel(distance: 1, width: limeDefaultKernelWidth(features: m))
    var frequencies: [[Double]] = []
    for j in 0..<m {
      var row: [Double] = []
      for v in values[j] {
        var hits = 0
        for r in 0..<background.count where background.rows[r * m + j] == v { hits += 1 }
        row.append(Double(hits) / Double(background.count))
      }
      frequencies.append(row)
    }
    var points: [[Double]] = [instance]
    var weights = [1.0]
    var binary: [[Double]] = [[Double](repeating: 1, count: m)]
    var index = [Int](repeating: 0, count: m)
    while true {
      var p = Double(n - 1)
      var point: [Double] = []
      var z: [Double] = []
      for j in 0..<m {
        let v = values[j][index[j]]
        p *= frequencies[j][index[j]] * (v == instance[j] ? 1 : c)
        point.append(v)
        z.append(v == instance[j] ? 1 : 0)
      }
      points.append(point)
      weights.append(p)
      binary.append(z)
      var j = 0
      while j < m {
        index[j] += 1
        if index[j] < values[j].count { break }
        index[j] = 0
        j += 1
      }
      if j == m { break }
    }
    return (Matrix(binary), model.predictMargins(points.flatMap { $0 }), weights)
  }

  @Test(
    "point-valued features: every selection equals lime's fit on the exactly weighted neighbourhood",
    arguments: [
      (LIMEFeatureSelection.none, 10), (.forwardSelection, 3), (.highestWeights, 4), (.lassoPath, 3), (.auto, 5),
    ])
  func enumeration(_ selection: LIMEFeatureSelection, _ k: Int) throws {
    let (model, background, schema, values) = try Self.pointValued()
    for (samples, instanceRow) in [(5000, 0), (200, 1)] {
      let instance = values.map { $0[instanceRow % $0.count] }
      let lime = try LIME(
        model: model, background: background, schema: schema,
        configuration: LIMEConfiguration(samples: samples, features: k, featureSelection: selection, estimator: .exact))
      let e = try #require(try lime.explain(instance, featureCount: values.count).first)
      let s = try #require(e.surrogate)
      let hood = Self.enumerate(model, background, values: values, instance: instance, samples: samples)
      let fit = try fitLIMESurrogate(
        data: hood.data, labels: hood.labels, weights: hood.weights, features: k, selection: selection)
      #expect(Set(s.features) == Set(fit.features), "\(selection) N=\(samples): \(s.features) vs \(fit.features)")
      let scale = fit.weights.map(abs).max() ?? 1
      for (c, j) in fit.features.enumerated() {
        let ours = s.features.firstIndex(of: j).map { s.weights[$0] } ?? .nan
        // XGBoost sums margins in float32; the exact estimator in double.
        #expect(abs(ours - fit.weights[c]) <= 1e-5 * scale, "\(selection) N=\(samples) feature \(j): \(ours) vs \(fit.weights[c])")
      }
      #expect(abs(s.intercept - fit.intercept) <= 1e-5 * max(1, abs(fit.intercept)), "intercept")
      #expect(abs(s.localPrediction - fit.localPrediction) <= 1e-5 * max(1, abs(fit.localPrediction)), "local prediction")
      // The score's residual part is estimated from fixed draws.
      #expect(abs(s.score - fit.score) < 0.05, "score \(s.score) vs \(fit.score)")
    }
  }

  @Test("the linear model's closed form, score included, equals the enumeration")
  func linearEnumeration() throws {
    let (trees, background, schema, values) = try Self.pointValued()
    let weights = (0..<values.count).map { Double($0 % 4) - 1.5 }
    let linear = LinearModel(
      featureNames: trees.featureNames, coefficients: [weights], intercepts: [0.25], transform: .identity)
    let instance = values.map { $0[1] }
    let lime = try LIME(
      model: linear, background: background, schema: schema,
      configuration: LIMEConfiguration(features: 10, featureSelection: .none, estimator: .exact))
    let s = try #require(try lime.explain(instance, featureCount: values.count).first?.surrogate)
    var hood = Self.enumerate(trees, background, values: values, instance: instance, samples: 5000)
    for i in 0..<hood.data.rows {
      // The same points: their values are recovered from the match bits and the enumeration order.
      var y = 0.25
      var index = i == 0 ? [Int](repeating: 1, count: values.count) : []
      if i > 0 {
        var rest = i - 1
        for j in 0..<values.count {
          index.append(rest % values[j].count)
          rest /= values[j].count
        }
      }
      for j in 0..<values.count { y += weights[j] * values[j][index[j] % values[j].count] }
      hood.labels[i] = y
    }
    let fit = try fitLIMESurrogate(
      data: hood.data, labels: hood.labels, weights: hood.weights, features: 10, selection: .none)
    for (c, j) in fit.features.enumerated() {
      expectClose(s.weights[s.features.firstIndex(of: j) ?? 0], fit.weights[c], rel: 1e-9, abs: 1e-12)
    }
    expectClose(s.intercept, fit.intercept, rel: 1e-9, abs: 1e-12)
    expectClose(s.score, fit.score, rel: 1e-9)
    #expect(s.estimate == .exact(samples: 5000, scoreIsEstimated: false))
  }

  @Test("continuous bins and missing values: within the spread of many-sample runs of the sampler")
  func againstSampler() throws {
    let fixture = try TreeFixture("xgb-binary-nan")
    let model = try fixture.load("\(fixture.dir)/model.json")
    let m = fixture.featureCount
    let (rows, count) = try TreeFixture.readCSV("\(fixture.dir)/background.csv")
    let background = Background(rows: rows, featureCount: m, source: "background.csv")
    try #require(count > 20 && rows.contains(where: \.isNaN), "a background with missing values")
    let instance = Array(fixture.rows[0..<m])
    let samples = 40_000
    func run(_ estimator: LIMEEstimator, seed: UInt64) throws -> [Double] {
      let lime = try LIME(
        model: model, background: background,
        configuration: LIMEConfiguration(
          samples: samples, features: m, featureSelection: .none, space: .raw, seed: seed, estimator: estimator))
      return try #require(try lime.explain(instance, featureCount: m).first).attributions
    }
    let exact = try run(.exact, seed: 1)
    let runs = try (1...4).map { try run(.sampled, seed: UInt64($0)) }
    let scale = exact.map(abs).max() ?? 1
    for j in 0..<m {
      let xs = runs.map { $0[j] }
      let mean = xs.reduce(0, +) / 4
      let sd = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
      #expect(abs(exact[j] - mean) <= 5 * sd / 2 + 0.01 * scale, "feature \(j): exact \(exact[j]), sampled \(mean) ± \(sd / 2)")
    }
  }

  @Test("identical for any seed and thread count; stability says so")
  func deterministic() throws {
    let (model, background, schema, values) = try Self.pointValued()
    let rows = (0..<3).flatMap { r in values.map { $0[r % $0.count] } }
    func run(seed: UInt64, threads: Int, stability: Int = 0) throws -> [Explanation] {
      try LIME(
        model: model, background: background, schema: schema,
        configuration: LIMEConfiguration(features: 4, seed: seed, stabilityRuns: stability, threads: threads))
        .explain(rows, featureCount: values.count)
    }
    let a = try run(seed: 1, threads: 1)
    #expect(a.allSatisfy { $0.surrogate?.estimate?.isExact == true }, "auto picks exact for raw tree margins")
    #expect(try run(seed: 77, threads: 3) == a)
    let stable = try run(seed: 5, threads: 2, stability: 3)
    for (x, y) in zip(stable, a) {
      #expect(x.attributions == y.attributions)
      let st = try #require(x.surrogate?.stability)
      #expect(st.isStable && st.meanJaccard == 1 && st.runs == 3)
    }
  }

  @Test("auto falls back to sampling for probabilities; exact refuses them")
  func estimatorChoice() throws {
    let (background, labels) = try LIMEFixture.training()
    let model = try LIMEFixture.model()
    func make(_ estimator: LIMEEstimator, _ space: OutputSpace?) throws -> LIME {
      try LIME(
        model: model, background: background, schema: LIMEFixture.schema,
        configuration: LIMEConfiguration(features: 3, space: space, trainingLabels: labels, estimator: estimator))
    }
    #expect(try make(.auto, nil).estimator == .sampled)
    #expect(try make(.auto, .raw).estimator == .exact)
    #expect(try make(.sampled, .raw).estimator == .sampled)
    #expect(throws: ExplainerError.self) { try make(.exact, .probability) }
    let sampled = try #require(try make(.auto, nil).explain(Array(background.rows[0..<5]), featureCount: 5).first)
    #expect(sampled.surrogate?.estimate == .sampled(evaluations: 5000))
  }
}
