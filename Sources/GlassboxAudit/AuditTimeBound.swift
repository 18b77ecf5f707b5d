import GlassboxSystem

/// A `--since`/`--until` bound: an ISO 8601 UTC time or a prefix of one, as records write
/// their times (`2026-09-01`, `2026-09-01T10:15`, `2026-09-01T10:15:30.250Z`).
public enum AuditTimeBound {
  /// The bound as records' times can be compared with it (without a trailing `Z`).
  /// - Throws: `AuditError.invalidFilter` for anything else (`2026-9-1`, `yesterday`,
  ///   a month 13, a day 31 in April), naming the value and the expected form.
  public static func parse(_ text: String, option: String) throws(AuditError) -> String {
    var value = text.hasSuffix("Z") ? String(text.dropLast()) : text
    if value.count == 13 || value.count == 16 || value.count >= 19, value.count > 10 {
      // A space instead of the T is accepted, as people write it.
      value = value.replacingCharacter(at: 10, with: "T")
    }
    guard isValid(value) else {
      throw .invalidFilter(
        problem: "\(option) '\(text)' is not an ISO 8601 UTC time; write it as 2026-09-01, 2026-09-01T10:15 or 2026-09-01T10:15:30Z")
    }
    return value
  }

  /// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then `THH`, `:MM`, `:SS` and `.fff…`, each field in range.
  static func isValid(_ s: String) -> Bool {
    let c = Array(s.utf8)
    func digits(_ range: Range<Int>) -> Int? {
      guard range.upperBound <= c.count else { return nil }
      var n = 0
      for i in range {
        guard c[i] >= 0x30 && c[i] <= 0x39 else { return nil }
        n = n * 10 + Int(c[i] - 0x30)
      }
      return n
    }
    func at(_ i: Int, _ ch: Character) -> Bool { i < c.count && c[i] == ch.asciiValue! }
    guard let year = digits(0..<4), year >= 1 else { return false }
    if c.count == 4 { return true }
    guard at(4, "-"), let month = digits(5..<7), (1...12).contains(month) else { return false }
    if c.count == 7 { return true }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    guard at(7, "-"), let day = digits(8..<10), (1...days).contains(day) else { return false }
    if c.count == 10 { return true }
    guard at(10, "T"), let hour = digits(11..<13), hour < 24 else { return false }
    if c.count == 13 { return true }
    guard at(13, ":"), let minute = digits(14..<16), minute < 60 else { return false }
    if c.count == 16 { return true }
    guard at(16, ":"), let second = digits(17..<19), second < 60 else { return false }
    if c.count == 19 { return true }
    guard at(19, "."), c.count > 20, digits(20..<c.count) != nil else { return false }
    return true
  }
}

extension String {
  /// The string with the character at offset `i` replaced by `ch`.
  fileprivate func replacingCharacter(at i: Int, with ch: Character) -> String {
    var chars = Array(self)
    guard i < chars.count, chars[i] == " " else { return self }
    chars[i] = ch
    return String(chars)
  }
}
