import GlassboxData
import GlassboxTestSupport
import Testing

/// Each kind of problem, planted in a generated CSV, is found at its row and column.
@Suite("Data quality: planted problems")
struct QualityPlantedTests {
  /// 500 clean rows with one problem planted per listed row.
  static let planted: String = QualityFixture.csv(rows: 500) { i, c in
    switch i {
    case 10: c[1] = "abc"  // age: not a number
    case 20: c[4] = "Mle"  // sex: unknown label
    case 30: c[2] = ""  // hours: missing (warning)
    case 40: c[1] = "NA"  // age: missing, required (error)
    case 50: c[1] = "150"  // age: outside the card's range
    case 60: c[2] = "500"  // hours: far outside the background
    case 70: c[2] = "-5"  // hours: negative, the background has none
    case 80: c[2] = "35.5"  // hours: fractional, the background is whole
    case 90: c[5] = "Lima"  // city: a label the background never holds
    case 100: c = QualityFixture.cells(99)  // a duplicate of row 99
    default: break
    }
  }

  @Test func everyPlantedProblemIsFoundByRowAndColumn() throws {
    let dir = try TemporaryDirectory()
    let report = try QualityFixture.check(Self.planted, in: dir, reference: try QualityFixture.background(in: dir))
    let expected: [(Int, String?, Finding.Kind, Finding.Severity)] = [
      (10, "age", .type, .error),
      (20, "sex", .label, .error),
      (30, "hours", .missing, .warning),
      (40, "age", .missing, .error),
      (50, "age", .range, .error),
      (60, "hours", .outOfDistribution, .warning),
      (70, "hours", .impossible, .warning),
      (80, "hours", .impossible, .warning),
      (90, "city", .outOfDistribution, .warning),
      (100, nil, .duplicate, .warning),
    ]
    for (row, column, kind, severity) in expected {
      let found = report.findings(row: row, column: column, kind: kind)
      #expect(found.count == 1, "row \(row) \(column ?? "-") \(kind): \(report.findings)")
      #expect(found.first?.severity == severity)
      #expect(found.first?.line == row + 2, "the header is line 1")
    }
    // Nothing else: every row-level finding is one of the planted ones.
    let rowFindings = report.findings.filter { $0.row != nil }
    #expect(rowFindings.count == expected.count, "\(rowFindings)")
    #expect(report.rows == 500)
    #expect(report.errorCount == 4)
    #expect(report.hasErrors)
    #expect(report.duplicateRows == 1)
    let found = report.findings(row: 10, column: "age", kind: .type).first
    #expect(found?.value == "abc")
    #expect(found?.detail.contains("not a number") == true)
    #expect(report.findings(row: 20, column: "sex", kind: .label).first?.detail.contains("Female, Male") == true)
    #expect(report.findings(row: 60, column: "hours", kind: .outOfDistribution).first?.detail.contains("[15, 64]") == true)
  }

  @Test func columnSummariesCountTheProblems() throws {
    let dir = try TemporaryDirectory()
    let report = try QualityFixture.check(Self.planted, in: dir, reference: try QualityFixture.background(in: dir))
    let byName = Dictionary(uniqueKeysWithValues: report.columns.map { ($0.name, $0) })
    #expect(byName["age"]?.invalid == 1)
    #expect(byName["age"]?.missing == 1)
    #expect(byName["age"]?.outOfRange == 1)
    #expect(byName["hours"]?.missing == 1)
    #expect(byName["hours"]?.outOfDistribution == 1)
    #expect(byName["hours"]?.impossible == 2)
    #expect(byName["city"]?.outOfDistribution == 1)
    #expect(byName["sex"]?.invalid == 1)
    #expect(byName["hours"]?.minimum == -5)
    #expect(byName["hours"]?.maximum == 500)
    // One planted value in 500 barely moves a distribution.
    for c in report.columns { #expect((c.psi ?? 1) < 0.1, "\(c.name) psi \(c.psi ?? .nan)") }
  }

  @Test func cleanDataHasNoErrorFinding() throws {
    let dir = try TemporaryDirectory()
    let report = try QualityFixture.check(
      QualityFixture.csv(rows: 500), in: dir, reference: try QualityFixture.background(in: dir), label: "y")
    #expect(!report.hasErrors, "\(report.findings)")
    #expect(report.findings.isEmpty, "\(report.findings)")
    #expect(report.duplicateRows == 0)
    #expect(report.columns.allSatisfy { $0.stability == .stable })
  }

  @Test func aMissingFeatureColumnIsAnErrorAndTheRestIsStillChecked() throws {
    let dir = try TemporaryDirectory()
    let text = QualityFixture.csv(rows: 50) { i, c in
      if i == 7 { c[1] = "x" }
      c.remove(at: 2)  // no hours column
    }.replacingFirstLine(with: "id,age,gain,sex,city,y")
    let report = try QualityFixture.check(text, in: dir, reference: try QualityFixture.background(in: dir))
    let schema = report.findings(row: nil, column: "hours", kind: .schema)
    #expect(schema.count == 1)
    #expect(schema.first?.severity == .error)
    #expect(schema.first?.detail.contains("no column 'hours'") == true)
    #expect(report.findings(row: 7, column: "age", kind: .type).count == 1)
    #expect(report.columns.first { $0.name == "hours" }?.present == false)
    #expect(report.columns.first { $0.name == "hours" }?.psi == nil)
    #expect(report.errorCount == 2)
  }

  @Test func driftIsFoundPerColumn() throws {
    let dir = try TemporaryDirectory()
    let report = try QualityFixture.check(
      QualityFixture.csv(rows: 500, hoursShift: 12), in: dir, reference: try QualityFixture.background(in: dir))
    let drift = report.findings(row: nil, column: "hours", kind: .drift)
    #expect(drift.count == 1)
    #expect(drift.first?.severity == .warning)
    #expect(report.columns.first { $0.name == "hours" }?.stability == .significant)
    #expect(report.findings.filter { $0.kind == .drift }.count == 1, "only hours moved")
    #expect(!report.hasErrors)
  }

  @Test func labelBalanceWarnsWhenOneClassIsRare() throws {
    let dir = try TemporaryDirectory()
    let text = QualityFixture.csv(rows: 200) { i, c in c[6] = i % 40 == 0 ? "yes" : (i == 3 ? "NA" : "no") }
    let report = try QualityFixture.check(text, in: dir, reference: nil, label: "y")
    #expect(report.label?.classes.map(\.value) == ["no", "yes"])
    #expect(report.label?.classes.map(\.count) == [194, 5])
    #expect(report.label?.missing == 1)
    let warning = report.findings(row: nil, column: "y", kind: .labelBalance)
    #expect(warning.count == 1)
    #expect(warning.first?.detail.contains("'yes' has 5 of 199") == true)
    // The generated labels (one in three "yes") are balanced enough.
    let balanced = try QualityFixture.check(QualityFixture.csv(rows: 200), in: dir, reference: nil, label: "y")
    #expect(balanced.findings.isEmpty)
    // An absent label column is reported, not fatal.
    let absent = try QualityFixture.check(QualityFixture.csv(rows: 5), in: dir, reference: nil, label: "income")
    #expect(absent.findings(row: nil, column: "income", kind: .schema).first?.severity == .error)
  }

  @Test func withoutABackgroundOnlyCardRulesApply() throws {
    let dir = try TemporaryDirectory()
    let report = try QualityFixture.check(Self.planted, in: dir, reference: nil)
    let kinds = Set(report.findings.map(\.kind))
    #expect(kinds == [.type, .label, .missing, .range, .duplicate])
    #expect(report.columns.allSatisfy { $0.psi == nil })
  }
}

extension String {
  func replacingFirstLine(with header: String) -> String {
    guard let newline = firstIndex(of: "\n") else { return header }
    return header + self[newline...]
  }
}
