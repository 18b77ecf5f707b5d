import Foundation
import GlassboxData
@testable import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

/// A background streamed in chunks (`BackgroundStream`, `PatternAccumulator`) gives the
/// explainer a whole load gives, bit for bit: split into many small chunks, on the Adult
/// XGBoost and LightGBM models (categorical splits; LightGBM's with deep-path tables) and on the depth-14
/// XGBoost fixture (deep-path tables next to pattern tables).
@Suite("Background streamed in chunks")
struct BackgroundStreamTests {
  static let root = KernelAdultTests.root
  static let deepDir = TreeSHAPDeepPatternTests.fixtureRoot

  /// Explains `rows` with the whole background and with it streamed in chunks of
  /// `chunkRows`; expects the same bits everywhere and returns both explainers.
  @discardableResult
  static func expectSame(
    _ e: TreeEnsemble, schema: FeatureSchema, background path: String, rows: [Double], chunkRows: Int,
    deepTableLimit: Int? = nil
  ) throws -> (whole: InterventionalTreeSHAP, streamed: InterventionalTreeSHAP) {
    let whole = try InterventionalTreeSHAP(
      ensemble: e, background: Background.read(path: path, schema: schema), deepTableLimit: deepTableLimit)
    let stream = try BackgroundStream(path: path, schema: schema, chunkRows: chunkRows)
    let streamed = try InterventionalTreeSHAP(ensemble: e, stream: stream, deepTableLimit: deepTableLimit)
    #expect(stream.isFinished)
    #expect(streamed.backgroundRowsUsed == whole.backgroundRowsUsed)
    #expect(streamed.baseValues == whole.baseValues)
    #expect(streamed.patternTreeCount == whole.patternTreeCount)
    #expect(streamed.deepPatternTreeCount == whole.deepPatternTreeCount)
    let a = try whole.explain(rows, featureCount: e.featureCount)
    let b = try streamed.explain(rows, featureCount: e.featureCount)
    #expect(a.count == b.count && !a.isEmpty)
    for (x, y) in zip(a, b) {
      #expect(x.attributions == y.attributions && x.prediction == y.prediction, "row \(x.row)")
    }
    return (whole, streamed)
  }

  @Test("Adult XGBoost and LightGBM over all 32,561 rows in uneven chunks equal the whole load", arguments: [
    "adult-xgboost.json", "adult-lightgbm.txt",
  ])
  func adult(_ model: String) throws {
    let loaded = try ModelLoader.load(path: Self.root + "/models/" + model)
    let e = try #require(loaded.model as? TreeEnsemble)
    let test = try Background.read(path: Self.root + "/datasets/adult-test.csv", schema: loaded.schema)
    let (whole, streamed) = try Self.expectSame(
      e, schema: loaded.schema, background: Self.root + "/datasets/adult.csv",
      rows: Array(test.rows[0..<(40 * e.featureCount)]), chunkRows: 4_099)
    #expect(whole.streamedChunks == nil && streamed.streamedChunks == 8)
    #expect(streamed.background.count == 0)
    #expect(whole.algorithmDescription.hasSuffix(", 32561 background rows)"))
    #expect(streamed.algorithmDescription == whole.algorithmDescription.dropLast() + " streamed in 8 chunks)")
    // LightGBM's deeper trees go to the deep-path tables.
    #expect(streamed.deepPatternTreeCount == (model == "adult-lightgbm.txt" ? 18 : 0))
  }

  @Test("deep-path tables next to pattern tables equal the whole load")
  func deep() throws {
    let loaded = try ModelLoader.load(path: Self.deepDir + "/model.json")
    let e = try #require(loaded.model as? TreeEnsemble)
    let (rows, count) = try TreeFixture.readCSV(Self.deepDir + "/X.csv")
    #expect(count == 25)
    let (whole, streamed) = try Self.expectSame(
      e, schema: loaded.schema, background: Self.deepDir + "/background.csv", rows: rows, chunkRows: 7)
    #expect(streamed.deepPatternTreeCount == 1 && streamed.patternTreeCount == 3)
    #expect(streamed.streamedChunks == 29 && streamed.patternTreeCount == e.treeCount)
    #expect(whole.backgroundRowsUsed == 200)
  }

  @Test("trees that run per pair, probability space and tiny backgrounds load whole")
  func wholeLoads() throws {
    let loaded = try ModelLoader.load(path: Self.deepDir + "/model.json")
    let e = try #require(loaded.model as? TreeEnsemble)
    let (rows, _) = try TreeFixture.readCSV(Self.deepDir + "/X.csv")
    // No deep budget: some trees run per pair, so every row is kept.
    let (_, perPair) = try Self.expectSame(
      e, schema: loaded.schema, background: Self.deepDir + "/background.csv", rows: rows, chunkRows: 7, deepTableLimit: 0)
    #expect(perPair.streamedChunks == nil && perPair.background.count == 200)
    #expect(perPair.algorithmDescription.hasSuffix("per pair in the rest, 200 background rows)"))
    // Five rows in chunks of 2: too few for decision patterns.
    let dir = try TemporaryDirectory()
    let lines = try String(contentsOfFile: Self.deepDir + "/background.csv", encoding: .utf8).split(separator: "\n")
    let tiny = try dir.write("tiny.csv", lines[0..<6].joined(separator: "\n") + "\n")
    let (_, small) = try Self.expectSame(e, schema: loaded.schema, background: tiny, rows: rows, chunkRows: 2)
    #expect(small.streamedChunks == nil && small.algorithmDescription == "interventional (per pair, 5 background rows)")
    // Probability attributions need every background row's margin.
    let adult = try ModelLoader.load(path: Self.root + "/models/adult-xgboost.json")
    let stream = try BackgroundStream(path: Self.root + "/datasets/adult.csv", schema: adult.schema, chunkRows: 5_000)
    let probability = try InterventionalTreeSHAP(
      ensemble: try #require(adult.model as? TreeEnsemble), stream: stream, space: .probability)
    #expect(probability.streamedChunks == nil && probability.background.count == 32_561)
  }

  @Test("a bad cell past the first chunks fails with the whole load's message")
  func badCell() throws {
    let loaded = try ModelLoader.load(path: Self.deepDir + "/model.json")
    let e = try #require(loaded.model as? TreeEnsemble)
    var lines = try String(contentsOfFile: Self.deepDir + "/background.csv", encoding: .utf8)
      .split(separator: "\n").map(String.init)
    lines[120] = "0.5,abc" + String(repeating: ",0.5", count: 8)
    let dir = try TemporaryDirectory()
    let path = try dir.write("bad.csv", lines.joined(separator: "\n") + "\n")
    var wholeMessage = ""
    do { _ = try Background.read(path: path, schema: loaded.schema) } catch { wholeMessage = "\(error)" }
    var streamMessage = ""
    do {
      _ = try InterventionalTreeSHAP(
        ensemble: e, stream: BackgroundStream(path: path, schema: loaded.schema, chunkRows: 7))
    } catch { streamMessage = "\(error)" }
    #expect(wholeMessage.contains("bad.csv") && wholeMessage.contains("121"), "\(wholeMessage)")
    #expect(streamMessage == wholeMessage)
    // An empty background keeps its message too.
    let empty = try dir.write("empty.csv", lines[0] + "\n")
    #expect(throws: ExplainerError.self) {
      try InterventionalTreeSHAP(ensemble: e, stream: BackgroundStream(path: empty, schema: loaded.schema, chunkRows: 7))
    }
  }

  @Test("the reference profile built chunk by chunk equals the whole rows' profile")
  func profile() throws {
    let loaded = try ModelLoader.load(path: Self.root + "/models/adult-xgboost.json")
    let path = Self.root + "/datasets/adult.csv"
    let whole = try Background.read(path: path, schema: loaded.schema)
    let expected = ReferenceProfile.build(encodedRows: whole.rows, schema: loaded.schema, source: path)
    let stream = try BackgroundStream(path: path, schema: loaded.schema, chunkRows: 3_001, profiling: true)
    let got = try #require(try stream.finishProfile())
    #expect(got.rows == 32_561 && expected.rows == 32_561)
    #expect(got.features.count == expected.features.count)
    for (a, b) in zip(got.features, expected.features) {
      let (a, b) = (try #require(a), try #require(b))
      #expect(a.cells == b.cells && a.missing == b.missing && a.binEdges == b.binEdges)
      #expect(a.expectedShares == b.expectedShares && a.categories == b.categories)
      #expect(a.lowerQuartile.bitPattern == b.lowerQuartile.bitPattern)
    }
  }

  @Test("a sample drawn in two passes equals the whole load's sample, rows and weights", arguments: [
    (1, 7), (500, 42), (32_560, 3), (32_561, 5),
  ] as [(Int, UInt64)])
  func sample(count: Int, seed: UInt64) throws {
    let loaded = try ModelLoader.load(path: Self.root + "/models/adult-xgboost.json")
    let path = Self.root + "/datasets/adult.csv"
    let expected = BackgroundSummary.sample(
      try Background.read(path: path, schema: loaded.schema), count: count, seed: seed)
    let stream = try BackgroundStream(path: path, schema: loaded.schema, chunkRows: 3_001, profiling: true)
    switch try stream.sample(count: count, seed: seed) {
    case .rows(let got):
      #expect(count < 32_561)
      // Bit patterns: missing values are NaN.
      #expect(got.count == count && got.rows.map(\.bitPattern) == expected.rows.map(\.bitPattern))
      #expect(got.weights == expected.weights)
      #expect(got.source == expected.source)
    case .all(let again):
      #expect(count >= 32_561 && expected.count == 32_561)
      #expect(try again.readAll().rows.map(\.bitPattern) == expected.rows.map(\.bitPattern))
    }
    // The first pass profiled every row.
    #expect(try stream.finishProfile()?.rows == 32_561)
  }
}
