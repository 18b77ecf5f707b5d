import GlassboxSystem
import Testing

@Suite("JSON spelling of numbers and strings")
struct JSONSpellingTests {
  @Test("Integral values below 2^53 print as integers, sign kept")
  func integers() {
    for n: Int64 in [0, 1, -1, 39, -250, 1 << 40, (1 << 53) - 1, -((1 << 53) - 1)] {
      #expect(JSONSpelling.number(Double(n)) == String(n))
    }
    #expect(JSONSpelling.number(-0.0) == "-0")
    #expect(JSONSpelling.number(0.0) == "0")
  }

  @Test("Integral values from 2^53 on use the shortest round-trip form")
  func largeIntegrals() {
    for x in [9_007_199_254_740_992.0, 1e21, -1e21, 1.7976931348623157e308] {
      let text = JSONSpelling.number(x)
      #expect(Double(text) == x)
      #expect(text == x.description)
    }
    #expect(JSONSpelling.number(1e21) == "1e+21")
  }

  @Test("Non-finite values print as null")
  func nonFinite() {
    for x in [Double.nan, .infinity, -.infinity, -Double.nan] { #expect(JSONSpelling.number(x) == "null") }
  }

  @Test("Short decimals print as written; tiny and subnormal values round-trip")
  func shortest() throws {
    let written = ["0.1", "0.3", "-2.5", "123.456", "1e-07", "3.14159", "2.2250738585072014e-308", "5e-324"]
    for text in written {
      let x = try #require(Double(text))
      #expect(JSONSpelling.number(x) == text)
    }
    let subnormal = Double.leastNonzeroMagnitude * 12_345
    #expect(subnormal.isSubnormal)
    #expect(Double(JSONSpelling.number(subnormal)) == subnormal)
    #expect(Double(JSONSpelling.number(-subnormal))?.bitPattern == (-subnormal).bitPattern)
  }

  @Test("Random doubles round-trip bit for bit, in at most 17 significant digits")
  func roundTrip() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<20_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let x = Double(bitPattern: state)
      guard x.isFinite else { continue }
      let text = JSONSpelling.number(x)
      #expect(Double(text)?.bitPattern == x.bitPattern, "\(text)")
      let mantissa = text.split(separator: "e").first ?? ""
      #expect(mantissa.filter(\.isNumber).drop(while: { $0 == "0" }).count <= 17, "\(text)")
    }
  }

  @Test("appendNumber appends the same bytes as number")
  func appendNumber() {
    var bytes = Array("x".utf8)
    JSONSpelling.appendNumber(0.25, to: &bytes)
    #expect(bytes == Array(("x" + JSONSpelling.number(0.25)).utf8))
  }

  /// The escape RFC 8259 gives a control character: `\uXXXX`, four hex digits.
  static func unicodeEscape(_ value: UInt32) -> String {
    let hex = String(value, radix: 16)
    return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
  }

  @Test("Control characters are escaped; the common ones by their short forms")
  func controlCharacters() throws {
    let short: [UInt32: String] = [0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"]
    for value in UInt32(0)..<0x20 {
      let s = String(Character(try #require(Unicode.Scalar(value))))
      let escape = short[value] ?? Self.unicodeEscape(value)
      #expect(JSONSpelling.string(s) == "\"" + escape + "\"")
      #expect(JSONSpelling.string("a" + s + "b") == "\"a" + escape + "b\"")
    }
    #expect(JSONSpelling.string("\u{7F}") == "\"\u{7F}\"")
  }

  @Test("Quotes and backslashes are escaped; non-ASCII text stays as it is")
  func quotesAndUnicode() {
    #expect(JSONSpelling.string(#"say "hi""#) == #""say \"hi\"""#)
    #expect(JSONSpelling.string(#"C:\dir"#) == #""C:\\dir""#)
    for text in ["Müller", "年龄", "🙂 ok", "e\u{301}"] {
      #expect(JSONSpelling.string(text) == "\"" + text + "\"")
      #expect(JSONSpelling.encoded(text) == Array("\"\(text)\"".utf8))
    }
  }

  @Test("The string and byte forms agree")
  func stringAndBytes() {
    for text in ["", "plain", "tab\there", "\u{1}\"\\é"] {
      #expect(Array(JSONSpelling.string(text).utf8) == JSONSpelling.encoded(text))
      var bytes: [UInt8] = [0x20]
      JSONSpelling.appendString(text, to: &bytes)
      #expect(bytes == [0x20] + JSONSpelling.encoded(text))
    }
  }

  @Test("The writer separates members and values with commas, in the order written")
  func writer() {
    var w = JSONWriter()
    w.beginObject()
    w.key("a")
    w.number(1.5)
    w.key("b")
    w.beginArray()
    w.int(2)
    w.null()
    w.bool(true)
    w.optionalString(nil)
    w.string("x\n")
    w.endArray()
    w.key("c")
    w.raw(Array("{}".utf8))
    w.endObject()
    #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"a":1.5,"b":[2,null,true,null,"x\n"],"c":{}}"#)
  }
}
