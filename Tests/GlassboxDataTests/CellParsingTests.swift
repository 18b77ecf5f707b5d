import GlassboxData
import Testing

private func isMissing(_ text: String) -> Bool {
  Array(text.utf8).withUnsafeBufferPointer { CellParsing.isMissing($0) }
}

@Suite("Cell parsing")
struct CellParsingTests {
  @Test(arguments: ["", " ", "\t", "NA", "NaN", "nan", "NAN", "?", " NA ", "\tnan ", "  ?"])
  func missingTokens(text: String) {
    #expect(isMissing(text))
  }

  @Test(arguments: ["0", "na", "N/A", "none", "??", "NA1", "-", "nana", "null"])
  func notMissing(text: String) {
    #expect(!isMissing(text))
  }

  @Test(arguments: [
    ("0", 0.0), ("42", 42), ("-7", -7), ("+3", 3), ("007", 7), ("3.25", 3.25), ("-0.5", -0.5),
    (".5", 0.5), ("5.", 5), ("1e3", 1000), ("1.5E-2", 0.015), ("-2.5e+2", -250), (" 12 ", 12),
    ("\t4.5\t", 4.5), ("+1.25e1", 12.5), ("123456789012345", 123_456_789_012_345),
    ("1234567890123456789", 1_234_567_890_123_456_768)  // the nearest double, ("1e308", 1e308),
  ])
  func numbers(text: String, expected: Double) {
    #expect(CellParsing.number(text) == expected)
  }

  @Test func negativeZeroKeepsItsSign() {
    let z = CellParsing.number("-0")
    #expect(z == 0)
    #expect(z?.sign == .minus)
  }

  @Test(arguments: [
    "1,5", "abc", "0x10", "0X1F", "0x1p3", "inf", "-inf", "Infinity", "nan", "1e999", "-1e999",
    "12abc", "", " ", "-", "+", ".", "1e", "--1", "+-1", "1 2", "1.2.3", "e5", "1e5x", "٣",
  ])
  func rejections(text: String) {
    #expect(CellParsing.number(text) == nil, "'\(text)' should not parse")
  }

  @Test func zeroTerminatedVariantReadsOnlyTheField() {
    // Two fields "12" and "3.5" packed as in a CSV block: "12\03.5\0".
    let bytes: [UInt8] = Array("12".utf8) + [0] + Array("3.5".utf8) + [0]
    bytes.withUnsafeBufferPointer { all in
      #expect(CellParsing.number(zeroTerminated: UnsafeBufferPointer(rebasing: all[0..<2])) == 12)
      #expect(CellParsing.number(zeroTerminated: UnsafeBufferPointer(rebasing: all[3..<6])) == 3.5)
    }
  }
}
