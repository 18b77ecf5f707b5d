/// Untrusted text (cells of an input file, names from a command line) made safe to show
/// on a terminal: control characters cannot move the cursor, change colours or hide text,
/// and a huge value cannot make a huge message.
///
/// Machine-read outputs (JSON, CSV, Markdown) keep values as given; messages on standard
/// error and the terminal tables of `check` pass untrusted text through here.
public enum TerminalSafe {
  /// Characters of a value shown before it is cut.
  public static let shownCharacters = 60

  /// `value` with control characters escaped (see `escaped(_:)`) and, when it is longer
  /// than `limit` characters, cut to its first `limit` with its full size stated:
  /// `aaaa... (1048576 bytes)`.
  /// - Complexity: O(`limit`) characters examined, plus O(1) for the UTF-8 size.
  public static func quote(_ value: String, limit: Int = shownCharacters) -> String {
    var shown = Substring(value)
    var cut = false
    if let end = value.index(value.startIndex, offsetBy: limit, limitedBy: value.endIndex), end < value.endIndex {
      shown = value[..<end]
      cut = true
    }
    let text = escaped(shown)
    return cut ? text + "... (\(value.utf8.count) bytes)" : text
  }

  /// `text` with every control character replaced by a visible escape: `\0`, `\t`, `\n`,
  /// `\r`, `\e` (ESC) and `\\x01`-style for the other C0 controls and DEL, `\u{9b}`-style
  /// for C1 controls and the Unicode bidirectional overrides. Backslashes are kept as they
  /// are. Other characters are unchanged.
  /// - Complexity: O(n).
  public static func escaped<S: StringProtocol>(_ text: S) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else { return String(text) }
    var out = ""
    out.reserveCapacity(text.utf8.count + 8)
    for scalar in text.unicodeScalars {
      guard needsEscape(scalar) else {
        out.unicodeScalars.append(scalar)
        continue
      }
      switch scalar.value {
      case 0: out += "\\0"
      case 0x09: out += "\\t"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x1B: out += "\\e"
      case 0..<0x20, 0x7F: out += "\\x" + hex(scalar.value, digits: 2)
      default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
      }
    }
    return out
  }

  /// A whole message line made safe: control characters escaped (a trailing newline is
  /// kept), and any single-quoted span longer than `spanLimit` characters cut as
  /// `quote(_:)` cuts values. A last line of defence for messages that embed values.
  /// - Complexity: O(n).
  public static func line(_ text: String, spanLimit: Int = 4 * shownCharacters) -> String {
    let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
    let newline = body.count < text.count ? "\n" : ""
    guard body.utf8.count > spanLimit else { return escaped(body) + newline }
    var out = ""
    var rest = Substring(body)
    while let open = rest.firstIndex(of: "'") {
      let afterOpen = rest.index(after: open)
      guard let close = rest[afterOpen...].firstIndex(of: "'") else { break }
      out += escaped(rest[...open])
      let span = rest[afterOpen..<close]
      out += span.count > spanLimit ? quote(String(span), limit: shownCharacters) : escaped(span)
      out += "'"
      rest = rest[rest.index(after: close)...]
    }
    return out + escaped(rest) + newline
  }

  static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    let v = scalar.value
    return v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v)
      || (0x2066...0x2069).contains(v)
  }

  static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }
}
