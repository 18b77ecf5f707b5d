import Foundation
import GlassboxData
import GlassboxTestSupport
import Testing

/// PSI arithmetic, reference profiles, the per-row API `explain` uses, limits.
@Suite("Data quality: building blocks")
struct QualityUnitTests {
  @Test func psiMatchesAHandComputation() {
    // (0.3 − 0.5)·ln(0.3/0.5) + (0.7 − 0.5)·ln(0.7/0.5)
    let psi = PopulationStability.index(expected: [0.5, 0.5], actual: [30, 70])
    expectClose(psi ?? .nan, -0.2 * log(0.6) + 0.2 * log(1.4), rel: 1e-12)
    #expect(PopulationStability.Band(psi: psi ?? 0) == .moderate)
    #expect(PopulationStability.index(expected: [0.5, 0.5], actual: [50, 50]) == 0)
    #expect(PopulationStability.index(expected: [0.5, 0.5], actual: [0, 0]) == nil)
    #expect(PopulationStability.Band(psi: 0.0999) == .stable)
    #expect(PopulationStability.Band(psi: 0.25) == .significant)
  }

  @Test func psiOfAWholeColumnAgainstDecileBins() throws {
    // Background 1…100: decile edges 10, 20, …, 90, ten bins of 10%. The data puts half
    // its values in the first bin and half in the last; the other eight bins are empty
    // (share floored at 1e-4), as is the missing bin on both sides.
    let dir = try TemporaryDirectory()
    let schema = FeatureSchema(names: ["x"])
    let background = try dir.write("b.csv", "x\n" + (1...100).map(String.init).joined(separator: "\n") + "\n")
    let profile = try ReferenceProfile.build(path: background, schema: schema)
    let feature = try #require(profile.features[0])
    #expect(feature.binEdges == [10, 20, 30, 40, 50, 60, 70, 80, 90])
    expectClose(feature.expectedShares, [Double](repeating: 0.1, count: 10) + [0], abs: 1e-12)
    #expect(feature.lowerQuartile == 25 && feature.upperQuartile == 75)
    #expect(feature.bin(of: 10) == 0 && feature.bin(of: 10.5) == 1 && feature.bin(of: 1000) == 9)
    #expect(feature.bin(of: .nan) == 10)

    let data = "x\n" + (String(repeating: "5\n", count: 50) + String(repeating: "95\n", count: 50))
    let report = try QualityFixture.check(data, in: dir, reference: profile, schema: schema)
    let e = 1e-4
    let hand = 2 * (0.5 - 0.1) * log(0.5 / 0.1) + 8 * (e - 0.1) * log(e / 0.1)
    expectClose(report.columns[0].psi ?? .nan, hand, rel: 1e-12)
    #expect(report.columns[0].stability == .significant)
    #expect(report.findings(row: nil, column: "x", kind: .drift).count == 1)
  }

  @Test func profileMergesTiedDecilesAndRecordsSigns() throws {
    let dir = try TemporaryDirectory()
    let schema = FeatureSchema(names: ["g", "s"])
    // g: 90 zeros and 10 positive values; s: a negative value among fractions.
    var lines = ["g,s"]
    for i in 0..<100 { lines.append("\(i < 90 ? 0 : i),\(i == 0 ? "-1.5" : "0.25")") }
    let path = try dir.write("b.csv", lines.joined(separator: "\n"))
    let profile = try ReferenceProfile.build(path: path, schema: schema)
    let g = try #require(profile.features[0])
    #expect(g.binEdges == [0], "nine equal deciles become one edge")
    expectClose(g.expectedShares, [0.9, 0.1, 0], abs: 1e-12)
    #expect(g.wholeNumbersOnly && g.negatives == 0)
    // IQR 0: the margin is 10% of max − min.
    let fence = try #require(g.fence(multiplier: 1.5, flatFraction: 0.1))
    expectClose([fence.lowerBound, fence.upperBound], [-9.9, 108.9], rel: 1e-12)
    let s = try #require(profile.features[1])
    #expect(!s.wholeNumbersOnly && s.negatives == 1)
  }

  @Test func theExplainAPIEncodesTolerantlyAndNamesRows() throws {
    let dir = try TemporaryDirectory()
    let reference = try QualityFixture.background(in: dir)
    let path = try dir.write("d.csv", QualityFixture.csv(rows: 6) { i, c in if i == 4 { c[1] = "old"; c[4] = "?" } })
    let reader = try CSVReader(path: path)
    let checker = RowChecker(
      schema: QualityFixture.schema, columns: reader.columns, source: path, reference: reference)
    #expect(checker.schemaFindings.isEmpty)
    let block = try #require(try reader.nextBlock(maxRecords: 100))
    var encoded: [Double] = []
    let findings = checker.check(block, into: &encoded)
    #expect(encoded.count == 6 * 5)
    #expect(encoded[4 * 5 + 0].isNaN && encoded[4 * 5 + 3].isNaN)
    #expect(encoded[0 * 5 + 0] == 20 && encoded[1 * 5 + 3] == 1)
    #expect(findings.map(\.row) == [4, 4])
    #expect(findings.map(\.column) == ["age", "sex"])
    #expect(findings.map(\.kind) == [.type, .missing])
    #expect(findings.map(\.line) == [6, 6])
    // The same through the one-record entry point.
    var one = [Double](repeating: 0, count: 5)
    let single = one.withUnsafeMutableBufferPointer { checker.check(block, record: 4, into: $0) }
    #expect(single == findings)
    #expect(one[1] == encoded[4 * 5 + 1])
    // A clean record yields no finding and the FeatureEncoder's values.
    let encoder = try FeatureEncoder(schema: QualityFixture.schema, columns: reader.columns, source: path)
    var strict = [Double](repeating: 0, count: 5)
    try strict.withUnsafeMutableBufferPointer { try encoder.encode(block, record: 2, into: $0) }
    #expect(Array(encoded[10..<15]) == strict)
  }

  @Test func findingsAreCappedPerKindButCountedExactly() throws {
    let dir = try TemporaryDirectory()
    let text = QualityFixture.csv(rows: 300) { _, c in c[2] = "" }
    let report = try QualityFixture.check(
      text, in: dir, reference: nil, configuration: DatasetCheck.Configuration(findingsPerKind: 10))
    #expect(report.count(.missing, "hours") == 300)
    #expect(report.findings.filter { $0.kind == .missing }.count == 10)
    #expect(report.findings.filter { $0.kind == .missing }.map { $0.row ?? -1 } == Array(0..<10))
    #expect(report.counts.first { $0.kind == .missing }?.shown == 10)
    #expect(report.warningCount == 300 && report.errorCount == 0)
  }

  @Test func resultsDoNotDependOnThreadsOrBlocks() throws {
    let dir = try TemporaryDirectory()
    let reference = try QualityFixture.background(in: dir)
    let one = try QualityFixture.check(QualityPlantedTests.planted, in: dir, reference: reference, threads: 1, blockSize: 500)
    let many = try QualityFixture.check(QualityPlantedTests.planted, in: dir, reference: reference, threads: 4, blockSize: 7)
    #expect(one.findings == many.findings)
    #expect(one.counts == many.counts)
    #expect(one.columns.map(\.psi) == many.columns.map(\.psi))
  }

  @Test func duplicateDetectionHonoursItsLimit() throws {
    let dir = try TemporaryDirectory()
    // Rows 0–9 distinct, then rows 0–9 again.
    let text = QualityFixture.csv(rows: 20) { i, c in if i >= 10 { c = QualityFixture.cells(i - 10) } }
    let full = try QualityFixture.check(text, in: dir, reference: nil)
    #expect(full.duplicateRows == 10 && full.duplicatesComplete)
    #expect(full.findings.filter { $0.kind == .duplicate }.map { $0.row ?? -1 } == Array(10..<20))
    let capped = try QualityFixture.check(
      text, in: dir, reference: nil, configuration: DatasetCheck.Configuration(distinctRowLimit: 4))
    #expect(capped.duplicateRows == 4, "only duplicates of the 4 tracked rows are found")
    #expect(!capped.duplicatesComplete)
  }

  @Test func cellsDifferingOnlyAtFieldBoundariesAreNotDuplicates() throws {
    let dir = try TemporaryDirectory()
    let schema = FeatureSchema(names: ["a"])
    let report = try QualityFixture.check("a,b\n1,23\n12,3\n1,23\n", in: dir, reference: nil, schema: schema)
    #expect(report.findings.filter { $0.kind == .duplicate }.map(\.row) == [2])
  }

  @Test func labelsMatchAsTheEncoderMatchesThem() throws {
    let dir = try TemporaryDirectory()
    var labels: [(label: String, code: Double)] = (0..<40).map { ("city-\($0)", Double($0)) }
    labels.append(("Z\u{FC}rich", 40))
    let card = ModelCard(features: [ModelCard.Feature(name: "c", kind: .categorical(labels: labels))])
    let schema = FeatureSchema(names: ["c"], card: card)
    // Spaces around, a code instead of a label, a decomposed ü, an unknown label.
    let cells = [" city-7 ", "city-39", "12", "Zu\u{308}rich", "Z\u{FC}rich", "city-40", "city-"]
    let path = try dir.write("d.csv", "c\n" + cells.joined(separator: "\n") + "\n")
    let reader = try CSVReader(path: path)
    let block = try #require(try reader.nextBlock(maxRecords: 100))
    var encoded: [Double] = []
    let findings = RowChecker(schema: schema, columns: reader.columns, source: path).check(block, into: &encoded)
    #expect(Array(encoded.prefix(5)) == [7, 39, 12, 40, 40])
    #expect(findings.map(\.row) == [5, 6])
    #expect(findings.allSatisfy { $0.kind == .label && $0.severity == .error })
    // FeatureEncoder agrees on the valid cells.
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    for r in 0..<5 {
      var one = [0.0]
      try one.withUnsafeMutableBufferPointer { try encoder.encode(block, record: r, into: $0) }
      #expect(one[0] == encoded[r])
    }
  }

  @Test("a profile of already-encoded rows equals the profile of the same CSV")
  func profileFromEncodedRows() throws {
    let root = fixturesDirectory.split(separator: "/").dropLast(2).joined(separator: "/")
    let path = "/" + root + "/datasets/adult.csv"
    let card = try ModelCard.load(path: "/" + root + "/models/adult-logistic.card.json")
    let schema = FeatureSchema(names: card.features.map(\.name), card: card)
    let reader = try CSVReader(path: path)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    var rows: [Double] = []
    var block: [Double] = []
    while let b = try reader.nextBlock(maxRecords: 4096) {
      try encoder.encode(b, into: &block)
      rows += block
    }
    let fromCSV = try ReferenceProfile.build(path: path, schema: schema)
    let fromRows = ReferenceProfile.build(encodedRows: rows, schema: schema, source: path)
    #expect(fromCSV.rows == fromRows.rows)
    for j in 0..<schema.count {
      let a = try #require(fromCSV.features[j]), b = try #require(fromRows.features[j])
      #expect(a.cells == b.cells && a.missing == b.missing && a.negatives == b.negatives)
      #expect(a.minimum == b.minimum && a.maximum == b.maximum)
      // Categorical features have no quartiles (NaN on both sides).
      #expect(a.lowerQuartile.isNaN ? b.lowerQuartile.isNaN : a.lowerQuartile == b.lowerQuartile)
      #expect(a.upperQuartile.isNaN ? b.upperQuartile.isNaN : a.upperQuartile == b.upperQuartile)
      #expect(a.binEdges == b.binEdges && a.categories == b.categories && a.expectedShares == b.expectedShares)
      #expect(a.wholeNumbersOnly == b.wholeNumbersOnly)
    }
  }
}
