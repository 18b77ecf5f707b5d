import Foundation
import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxTestSupport
import Testing

/// A small schema: `income` numeric, `sex` categorical and sensitive, `age` numeric and sensitive.
func auditSchema() -> FeatureSchema {
  let card = ModelCard(features: [
    ModelCard.Feature(name: "income"),
    ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)]), sensitive: true),
    ModelCard.Feature(name: "age", sensitive: true),
  ])
  return FeatureSchema(names: ["income", "sex", "age"], card: card)
}

func auditContext(schema: FeatureSchema = auditSchema()) -> AuditContext {
  AuditContext(
    tool: ToolInfo(name: "glassbox", version: "0.0.0-test", build: "test", binarySHA256: nil),
    model: FileReference(path: "models/m.json", sha256: String(repeating: "a", count: 64)), modelFormat: "glassbox-linear",
    objective: "logit", card: nil, data: .file(FileReference(path: "data.csv", sha256: String(repeating: "b", count: 64))),
    idColumn: nil,
    explainer: ExplainerSettings(
      method: "linear", requestedMethod: "auto", exact: true, seed: 42, threads: 1, outputSpace: "raw",
      parameters: ["samples": .number(2048), "kernel": .string("exponential")]),
    schema: schema)
}

/// An additive explanation of row `row` (base + Σφ equals the prediction exactly).
func sampleExplanation(row: Int, age: Double = 39) -> Explanation {
  let phi = [0.25, -0.5, Double(row) * 0.125 - 1]
  let base = -1.0
  return Explanation(
    row: row, output: nil, space: .raw, prediction: phi.reduce(base, +), baseValue: base, attributions: phi,
    inputs: [50_000 + Double(row), Double(row % 2), age])
}

/// Writes `count` records (rows 0..<count) to a fresh log and returns its path.
func writeLog(
  in dir: TemporaryDirectory, name: String = "audit.log", count: Int, redactor: Redactor? = nil,
  signingKey: AuditSigningKey? = nil, checkpointEvery: Int = 1000
) throws -> String {
  let path = dir.file(name)
  let trail = try AuditTrail(
    path: path, context: auditContext(), redactor: redactor, signingKey: signingKey, checkpointEvery: checkpointEvery)
  try trail.record((0..<count).map { sampleExplanation(row: $0) })
  try trail.finish()
  return path
}

/// The log's lines, each without its line end.
func logLines(_ path: String) throws -> [[UInt8]] {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map(Array.init)
}

/// Writes `lines` back, each with a line end.
func writeLines(_ lines: [[UInt8]], to path: String) throws {
  try writeFile(path, lines.flatMap { $0 + [UInt8(ascii: "\n")] })
}

extension Array where Element == UInt8 {
  /// True when `needle` occurs in the bytes.
  func contains(bytes needle: [UInt8]) -> Bool {
    guard needle.count <= count else { return false }
    for start in 0...(count - needle.count) where self[start..<(start + needle.count)].elementsEqual(needle) {
      return true
    }
    return false
  }
}

/// `line` with the first digit of its `time` changed (still valid JSON, still additive).
func changingTime(_ line: [UInt8]) throws -> [UInt8] {
  let text = String(decoding: line, as: UTF8.self)
  let range = try #require(text.range(of: "\"time\":\"2"))
  var changed = text
  changed.replaceSubrange(range, with: "\"time\":\"3")
  return Array(changed.utf8)
}
