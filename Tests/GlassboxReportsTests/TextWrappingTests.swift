import Testing

@testable import GlassboxReports

@Suite("Word wrapping of terminal text")
struct TextWrappingTests {
  @Test("lines fit, words keep their order, continuation lines are indented")
  func wraps() {
    let words = (1...40).map { "word\($0)" }
    let text = words.joined(separator: " ")
    for width in [20, 33, 80] {
      let lines = TextWrapping.wrap(text, firstWidth: width - 6, width: width, indent: 4)
      #expect(lines[0].count <= width - 6)
      for line in lines.dropFirst() {
        #expect(line.count <= width && line.hasPrefix("    ") && !line.hasPrefix("     "))
      }
      let rejoined = lines.flatMap { $0.split(separator: " ").map(String.init) }
      #expect(rejoined == words)
    }
  }

  @Test("a word longer than the room is split, runs of spaces at a break vanish")
  func longWordsAndSpaces() {
    let lines = TextWrapping.wrap(String(repeating: "x", count: 25), firstWidth: 10, width: 12, indent: 2)
    #expect(lines == ["xxxxxxxxxx", "  xxxxxxxxxx", "  xxxxx"])
    let spaced = TextWrapping.wrap("aaaa bbbb  cccc", firstWidth: 9, width: 9, indent: 0)
    #expect(spaced == ["aaaa bbbb", "cccc"])
  }

  @Test("dimmed wrapped text closes its colour on every line")
  func colourPerLine() {
    let style = TerminalStyle(width: 30, color: true)
    let text = style.dimWrapped("  note: ", "a long note that certainly needs more than one line to be shown, and then some more words")
    let lines = text.split(separator: "\n")
    #expect(lines.count >= 3)
    for line in lines {
      #expect(line.hasPrefix("\u{1B}[2m") && line.hasSuffix("\u{1B}[0m"))
    }
  }
}
