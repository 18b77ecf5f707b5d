import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// Deterministic pieces of LIME against lime 0.2.0.1's own values (1e-9).
@Suite("LIME against lime 0.2.0.1")
struct LIMEReferenceTests {
  @Test("discretizer bins, moments and sampling frequencies", arguments: [LIMEDiscretizer.quartile, .decile, .entropy])
  func discretizer(_ kind: LIMEDiscretizer) throws {
    let (background, labels) = try LIMEFixture.training()
    let expected = try #require(try LIMEFixture.load("statistics.json")[kind.rawValue]?.array)
    let stats = try LIMETrainingStatistics(
      background: background, schema: LIMEFixture.schema, discretizer: kind, labels: labels)
    try #require(expected.count == LIMEFixture.schema.names.count, "statistics.json: one entry per feature")
    for (j, value) in expected.enumerated() {
      let e = try #require(value.object)
      let f = stats.features[j]
      #expect(try f.levels == LIMEFixture.numbers(e["values"]), "feature \(j) levels")
      expectClose(f.frequencies, try LIMEFixture.numbers(e["frequencies"]), rel: 1e-12)
      #expect(f.missingFraction == 0)
      guard e["edges"] != nil else {
        #expect(f.isCategorical)
        continue
      }
      expectClose(f.edges, try LIMEFixture.numbers(e["edges"]), rel: 1e-9, "\(kind) edges of \(f.name)")
      expectClose(f.binMeans, try LIMEFixture.numbers(e["means"]), rel: 1e-9, abs: 1e-12)
      expectClose(f.binStandardDeviations, try LIMEFixture.numbers(e["stds"]), rel: 1e-9, abs: 1e-12)
      expectClose(f.binMinimums, try LIMEFixture.numbers(e["mins"]), rel: 1e-9)
      expectClose(f.binMaximums, try LIMEFixture.numbers(e["maxs"]), rel: 1e-9)
      let names = (0...f.edges.count).map { f.condition(level: Double($0)) }
      #expect(try names == LIMEFixture.strings(e["names"]))
    }
  }

  @Test func entropyNeedsLabels() throws {
    let (background, _) = try LIMEFixture.training()
    #expect(throws: ExplainerError.self) {
      _ = try LIMETrainingStatistics(background: background, schema: LIMEFixture.schema, discretizer: .entropy)
    }
  }

  @Test func kernel() throws {
    let o = try LIMEFixture.load("kernel.json")
    let d = try LIMEFixture.numbers(o["distances"])
    let width = limeDefaultKernelWidth(features: 5)
    expectClose(width, o["default_width"]?.number ?? 0, rel: 1e-15)
    expectClose(d.map { limeKernel(distance: $0, width: width) }, try LIMEFixture.numbers(o["default"]), rel: 1e-12)
    expectClose(d.map { limeKernel(distance: $0, width: 1.3) }, try LIMEFixture.numbers(o["custom"]), rel: 1e-12)
  }

  @Test("binary representation and distances of lime's own samples")
  func representation() throws {
    let (background, _) = try LIMEFixture.training()
    let stats = try LIMETrainingStatistics(background: background, schema: LIMEFixture.schema, discretizer: .quartile)
    let o = try LIMEFixture.load("representation.json")
    let instance = try LIMEFixture.numbers(o["instance"])
    let inverse = try LIMEFixture.matrixRows(o["inverse"])
    let data = try LIMEFixture.matrixRows(o["data"])
    let distances = try LIMEFixture.numbers(o["distances"])
    for (i, row) in inverse.enumerated() {
      let bits = stats.interpretable(row, instance: instance)
      #expect(bits == data[i], "sample \(i)")
      let zeros = bits.filter { $0 == 0 }.count
      expectClose(Double(zeros).squareRoot(), distances[i], rel: 1e-9, abs: 1e-12)
    }
  }

  static let surrogateCases: [Int] = Array(0..<9)

  @Test("surrogate.json holds exactly the cases the surrogate test runs")
  func surrogateCaseCount() throws {
    #expect(try LIMEFixture.array(try LIMEFixture.load("surrogate.json")["cases"]).count == Self.surrogateCases.count)
  }

  @Test("explain_instance_with_data: selection and ridge", arguments: surrogateCases)
  func surrogate(_ index: Int) throws {
    let o = try LIMEFixture.load("surrogate.json")
    let data = Matrix(try LIMEFixture.matrixRows(o["data"]))
    let labels = try LIMEFixture.numbers(o["labels"])
    let weights = try LIMEFixture.numbers(o["weights"])
    let cases = try LIMEFixture.array(o["cases"])
    try #require(index < cases.count, "surrogate.json has \(cases.count) cases")
    let c = try #require(cases[index].object)
    let method = try #require(LIMEFeatureSelection(rawValue: c["method"]?.string ?? ""))
    let k = Int(c["features"]?.number ?? 0)
    let fit = try fitLIMESurrogate(data: data, labels: labels, weights: weights, features: k, selection: method)
    #expect(try fit.features == LIMEFixture.ints(c["selected"]), "\(method) K=\(k)")
    expectClose(fit.weights, try LIMEFixture.numbers(c["weights"]), rel: 1e-9, abs: 1e-12)
    expectClose(fit.intercept, c["intercept"]?.number ?? .nan, rel: 1e-9)
    expectClose(fit.score, c["score"]?.number ?? .nan, rel: 1e-9)
    expectClose(fit.localPrediction, c["local_prediction"]?.number ?? .nan, rel: 1e-9)
  }

  @Test func kernelWeightsOfTheSurrogateFixture() throws {
    let o = try LIMEFixture.load("surrogate.json")
    let d = try LIMEFixture.numbers(o["distances"])
    let w = d.map { limeKernel(distance: $0, width: limeDefaultKernelWidth(features: 5)) }
    expectClose(w, try LIMEFixture.numbers(o["weights"]), rel: 1e-12)
  }

  @Test("lasso path knots equal sklearn's lars_path")
  func lasso() throws {
    let o = try LIMEFixture.load("surrogate.json")
    let rows = try LIMEFixture.matrixRows(o["data"])
    let labels = try LIMEFixture.numbers(o["labels"])
    let weights = try LIMEFixture.numbers(o["weights"])
    let n = rows.count, p = rows[0].count
    let total = weights.reduce(0, +)
    var x = Matrix(rows: n, columns: p)
    for j in 0..<p {
      var mean = 0.0
      for i in 0..<n { mean += weights[i] * rows[i][j] }
      mean /= total
      for i in 0..<n { x[i, j] = (rows[i][j] - mean) * weights[i].squareRoot() }
    }
    var yMean = 0.0
    for i in 0..<n { yMean += weights[i] * labels[i] }
    yMean /= total
    let y = (0..<n).map { (labels[$0] - yMean) * weights[$0].squareRoot() }
    let path = lassoPath(x, y)
    let expected = try LIMEFixture.matrixRows(o["lasso_path"])
    #expect(path.count == expected.count)
    for (knot, e) in zip(path, expected) { expectClose(knot, e, rel: 1e-9, abs: 1e-12) }
  }

  @Test("percentiles use numpy's linear interpolation")
  func numpyPercentiles() {
    // numpy.percentile([1, 2, 4, 7, 11], [10, 25, 50, 75, 90]) = [1.4, 2, 4, 7, 9.4]
    expectClose(percentiles([7, 1, 11, 2, 4], [10, 25, 50, 75, 90]), [1.4, 2, 4, 7, 9.4], rel: 1e-15)
  }
}
