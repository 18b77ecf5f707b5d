import GlassboxData
import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// `FeatureEncoder.trimmedText` (labels are looked up by their trimmed bytes).
@Suite("Trimmed cell text")
struct TrimmedTextTests {
  private func trimmed(_ text: String) -> String {
    Array(text.utf8).withUnsafeBufferPointer { FeatureEncoder.trimmedText($0) }
  }

  @Test func spacesAndTabsAreTrimmedAtBothEnds() {
    let cases: [(String, String)] = [
      ("", ""), (" ", ""), ("\t \t", ""), ("Male", "Male"), ("  Male", "Male"), ("Male\t", "Male"),
      (" \tNew York, NY \t ", "New York, NY"), ("a b", "a b"), (" a\tb ", "a\tb"), ("\nx\n", "\nx\n"),
      (" Zürich ", "Zürich"), ("\u{00A0}x\u{00A0}", "\u{00A0}x\u{00A0}"),
    ]
    for (input, expected) in cases { #expect(trimmed(input) == expected, "input \(input.debugDescription)") }
  }

  @Test func agreesWithCharacterTrimmingOnRandomASCII() {
    // A reference that trims characters one at a time, on 2,000 random cells of
    // spaces, tabs, letters and commas.
    var rng = SplitMix64(seed: 16)
    let alphabet: [Character] = [" ", "\t", "a", "B", ",", "-", "1"]
    var checked = 0
    for _ in 0..<2_000 {
      let length = Int(rng.next() % 9)
      let text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
      var reference = Substring(text)
      while let f = reference.first, f == " " || f == "\t" { reference.removeFirst() }
      while let l = reference.last, l == " " || l == "\t" { reference.removeLast() }
      #expect(trimmed(text) == String(reference), "input \(text.debugDescription)")
      checked += 1
    }
    #expect(checked == 2_000)
  }

  @Test func invalidUTF8IsRepairedAfterTrimming() {
    let bytes: [UInt8] = [0x20, 0xFF, 0x41, 0x09]
    let text = bytes.withUnsafeBufferPointer { FeatureEncoder.trimmedText($0) }
    #expect(text == "\u{FFFD}A")
  }
}
