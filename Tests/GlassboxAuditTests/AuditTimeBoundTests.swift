import Testing

@testable import GlassboxAudit

@Suite("Audit filters: --since and --until are ISO 8601 UTC times or prefixes")
struct AuditTimeBoundTests {
  @Test(
    "valid times and prefixes are kept as records write them",
    arguments: [
      ("2026", "2026"), ("2026-09", "2026-09"), ("2026-09-01", "2026-09-01"), ("2026-09-01T10", "2026-09-01T10"),
      ("2026-09-01T10:15", "2026-09-01T10:15"), ("2026-09-01 10:15", "2026-09-01T10:15"),
      ("2026-09-01T10:15:30Z", "2026-09-01T10:15:30"), ("2026-09-01T10:15:30.250Z", "2026-09-01T10:15:30.250"),
      ("2028-02-29", "2028-02-29"),
    ])
  func valid(_ text: String, _ expected: String) throws {
    #expect(try AuditTimeBound.parse(text, option: "--since") == expected)
  }

  @Test(
    "anything else is refused with the value and the expected form",
    arguments: [
      "2026-9-1", "yesterday", "2026-13-01", "2026-04-31", "2027-02-29", "2026-09-01T24:00", "2026-09-01T10:60",
      "2026-09-01T10:15:61", "2026-09-01T10:15:30.", "26-09-01", "", "2026-09-01T", "2026/09/01",
    ])
  func invalid(_ text: String) {
    #expect {
      _ = try AuditTimeBound.parse(text, option: "--since")
    } throws: { error in
      let message = String(describing: error)
      return message.contains("--since '\(text)'") && message.contains("ISO 8601")
    }
  }

  @Test("a --seq range outside the log is an error, not an empty answer")
  func seqOutsideTheLog() {
    let filter = AuditFilter(seqs: 500...500)
    #expect(throws: AuditError.self) { _ = try filter.apply(to: [], log: "a.log") }
  }
}
