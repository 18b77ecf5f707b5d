import GlassboxSystem
import Testing

@Suite struct TerminalSafeTests {
  @Test func controlCharactersAreEscaped() {
    #expect(TerminalSafe.escaped("a\u{1B}[31mb") == "a\\e[31mb")
    #expect(TerminalSafe.escaped("x\ry\0z") == "x\\ry\\0z")
    #expect(TerminalSafe.escaped("\t\n\u{7F}\u{01}") == "\\t\\n\\x7f\\x01")
    #expect(TerminalSafe.escaped("csi\u{9B}2J") == "csi\\u{9b}2J")
    #expect(TerminalSafe.escaped("bidi\u{202E}txt") == "bidi\\u{202e}txt")
  }

  @Test func plainTextIsUnchanged() {
    for text in ["", "age", "Married-civ-spouse", "café ✓ 東京", "a\\b 'quoted'"] {
      #expect(TerminalSafe.escaped(text) == text)
      #expect(TerminalSafe.quote(text) == text)
    }
  }

  @Test func longValuesAreCutWithTheirSize() {
    let value = String(repeating: "a", count: 1 << 20)
    let shown = TerminalSafe.quote(value)
    #expect(shown == String(repeating: "a", count: TerminalSafe.shownCharacters) + "... (1048576 bytes)")
    let exact = String(repeating: "b", count: TerminalSafe.shownCharacters)
    #expect(TerminalSafe.quote(exact) == exact)
    // The size counts UTF-8 bytes, the cut counts characters.
    let wide = String(repeating: "é", count: 100)
    #expect(TerminalSafe.quote(wide, limit: 3) == "ééé... (200 bytes)")
  }

  @Test func aLineEscapesAndCutsOnlyLongQuotedSpans() {
    let big = String(repeating: "z", count: 5000)
    let line = TerminalSafe.line("f.csv: column 'age': not a number: '\(big)'; fix it\u{1B}[2J\n")
    #expect(line == "f.csv: column 'age': not a number: '" + String(repeating: "z", count: 60) + "... (5000 bytes)'; fix it\\e[2J\n")
    #expect(TerminalSafe.line("short 'one' \u{7}") == "short 'one' \\x07")
  }
}
