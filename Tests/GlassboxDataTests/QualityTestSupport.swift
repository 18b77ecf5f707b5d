import GlassboxData
import GlassboxTestSupport
import Testing

/// A small model schema for the data-quality tests:
/// age (numeric, card range 17–90, required), hours (numeric), gain (numeric, range
/// 0–99999), sex (Female/Male), city (Boston/Paris/Lima; the background never has Lima).
enum QualityFixture {
  static let card = ModelCard(features: [
    ModelCard.Feature(name: "age", range: 17...90, required: true),
    ModelCard.Feature(name: "hours"),
    ModelCard.Feature(name: "gain", range: 0...99_999),
    ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)])),
    ModelCard.Feature(name: "city", kind: .categorical(labels: [("Boston", 0), ("Paris", 1), ("Lima", 2)])),
  ])
  static let schema = FeatureSchema(names: ["age", "hours", "gain", "sex", "city"], card: card)
  static let header = "id,age,hours,gain,sex,city,y"

  /// Cells of generated row `i` (deterministic, all distinct thanks to the id):
  /// age 20–69, hours 30–49 (whole), gain mostly 0, sex alternating, city Boston/Paris,
  /// label y "yes" one row in three.
  static func cells(_ i: Int, hoursShift: Int = 0) -> [String] {
    let age = 20 + (i * 7) % 50
    let hours = 30 + (i * 3) % 20 + hoursShift
    let gain = i % 10 == 0 ? 1000 * (i % 7) : 0
    return [
      "r\(i)", String(age), String(hours), String(gain), i % 2 == 0 ? "Female" : "Male",
      i % 5 < 3 ? "Boston" : "Paris", i % 3 == 0 ? "yes" : "no",
    ]
  }

  /// A CSV of `n` generated rows, each passed through `edit(row, cells)`.
  static func csv(rows n: Int, hoursShift: Int = 0, edit: (Int, inout [String]) -> Void = { _, _ in }) -> String {
    var lines = [header]
    for i in 0..<n {
      var c = cells(i, hoursShift: hoursShift)
      edit(i, &c)
      lines.append(c.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The background: 1000 generated rows.
  static func background(in dir: TemporaryDirectory) throws -> ReferenceProfile {
    let path = try dir.write("background.csv", csv(rows: 1000))
    return try ReferenceProfile.build(path: path, schema: schema)
  }

  /// Runs a whole dataset check of `text`.
  static func check(
    _ text: String, in dir: TemporaryDirectory, reference: ReferenceProfile?, label: String? = nil,
    configuration: DatasetCheck.Configuration = DatasetCheck.Configuration(), threads: Int = 1,
    blockSize: Int = 64, schema: FeatureSchema = QualityFixture.schema
  ) throws -> CheckReport {
    let path = try dir.write("data.csv", text)
    let reader = try CSVReader(path: path)
    let checker = RowChecker(schema: schema, columns: reader.columns, source: path, reference: reference)
    var check = DatasetCheck(checker: checker, label: label, configuration: configuration)
    try check.run(reader, threads: threads, blockSize: blockSize)
    return check.report()
  }
}

extension CheckReport {
  /// The findings at (row, column) of `kind`.
  func findings(row: Int?, column: String?, kind: Finding.Kind) -> [Finding] {
    findings.filter { $0.row == row && $0.column == column && $0.kind == kind }
  }

  /// The exact count for (kind, column).
  func count(_ kind: Finding.Kind, _ column: String?) -> Int {
    counts.filter { $0.kind == kind && $0.column == column }.reduce(0) { $0 + $1.count }
  }
}
