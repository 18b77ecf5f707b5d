import GlassboxData
import GlassboxTestSupport
import Testing

/// UBJSON bytes written by hand: markers as ASCII, numbers big-endian.
private struct UBJ {
  var bytes: [UInt8] = []
  mutating func m(_ s: String) { bytes += Array(s.utf8) }
  mutating func int64(_ v: Int64) { bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
  mutating func int32(_ v: Int32) { bytes += (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
  mutating func float32(_ v: Float) { int32(Int32(bitPattern: v.bitPattern)) }
  mutating func float64(_ v: Double) { int64(Int64(bitPattern: v.bitPattern)) }
  /// A key or string body: `L` length, then the bytes (XGBoost writes int64 lengths).
  mutating func text(_ s: String) {
    m("L")
    int64(Int64(s.utf8.count))
    m(s)
  }
}

private func parse(_ bytes: [UInt8]) throws(DataError) -> JSONValue { try UBJSONParser.parse(bytes, path: "m.ubj") }

/// Parses expecting failure; returns the offset and problem.
private func failure(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> (offset: Int, problem: String)? {
  do {
    let value = try parse(bytes)
    Issue.record("expected malformedUBJSON, parsed \(value)", sourceLocation: sourceLocation)
  } catch {
    if case .malformedUBJSON(let path, let offset, let problem) = error {
      #expect(path == "m.ubj", sourceLocation: sourceLocation)
      #expect(error.kind == .data, sourceLocation: sourceLocation)
      #expect(error.description.contains("byte \(offset)"), sourceLocation: sourceLocation)
      return (offset, problem)
    }
    Issue.record("expected malformedUBJSON, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

@Suite("UBJSON decoder")
struct UBJSONParserTests {
  /// Every value type and all three container forms decode to the JSON parser's tree of
  /// the same document.
  @Test func representativeDocumentEqualsItsJSON() throws {
    var u = UBJ()
    u.m("{")
    u.text("i8"); u.m("i"); u.bytes.append(0xFE)  // -2
    u.text("u8"); u.m("U"); u.bytes.append(0xC8)  // 200
    u.text("i16"); u.m("I"); u.bytes += [0x80, 0x00]  // -32768
    u.text("i32"); u.m("l"); u.int32(2_147_483_647)
    u.text("i64"); u.m("L"); u.int64(-9_007_199_254_740_992)
    u.text("f32"); u.m("d"); u.float32(0.5)
    u.text("f64"); u.m("D"); u.float64(-1.25e-3)
    u.text("hp"); u.m("H"); u.text("6.02E23")
    u.text("ch"); u.m("C"); u.m("x")
    u.text("s"); u.m("S"); u.text("grün")
    u.text("flags"); u.m("[TFZN]")  // N is a no-op
    u.text("typed"); u.m("[$d#U"); u.bytes.append(3); u.float32(1); u.float32(-2); u.float32(0.25)
    u.text("counted"); u.m("[#i"); u.bytes.append(2); u.m("U"); u.bytes.append(7); u.m("S"); u.text("q")
    u.text("typedObject"); u.m("{$U#i"); u.bytes.append(2); u.m("i"); u.bytes.append(1); u.m("a"); u.bytes.append(5)
    u.m("i"); u.bytes.append(1); u.m("b"); u.bytes.append(6)
    u.text("empty"); u.m("{}")
    u.m("}")
    let json = """
      {"i8":-2,"u8":200,"i16":-32768,"i32":2147483647,"i64":-9007199254740992,"f32":0.5,"f64":-1.25e-3,
       "hp":6.02E23,"ch":"x","s":"grün","flags":[true,false,null],"typed":[1,-2,0.25],"counted":[7,"q"],
       "typedObject":{"a":5,"b":6},"empty":{}}
      """
    let expected = try JSONParser.parse(Array(json.utf8), path: "m.json")
    let decoded = try parse(u.bytes)
    #expect(decoded == expected)
    // Typed numeric arrays keep the compact form.
    if case .numbers(let d)? = decoded.object?["typed"] { #expect(d == [1, -2, 0.25]) } else { Issue.record("typed array not .numbers") }
  }

  @Test func float32WidensExactly() throws {
    var u = UBJ()
    u.m("[$d#i"); u.bytes.append(1); u.float32(0.1)
    #expect(try parse(u.bytes).numberArray == [Double(Float(0.1))])
  }

  @Test func truncatedDocumentsGiveTheOffset() throws {
    var u = UBJ()
    u.m("{"); u.text("values"); u.m("[$d#i"); u.bytes.append(3); u.float32(1); u.float32(2); u.float32(3); u.m("}")
    #expect(try parse(u.bytes).object?["values"]?.numberArray == [1, 2, 3])
    for cut in 1..<u.bytes.count {
      let f = try #require(failure(Array(u.bytes.prefix(cut))), "prefix \(cut)")
      #expect(f.offset <= cut, "prefix \(cut): offset \(f.offset)")
    }
  }

  @Test func malformedInputsNameTheProblemAndItsByte() throws {
    #expect(failure(Array("{i\u{01}aX}".utf8))?.offset == 4)  // unknown marker X at byte 4
    #expect(failure(Array("{i\u{01}a".utf8))?.problem.contains("truncated") == true)
    var negative = UBJ()
    negative.m("[#i"); negative.bytes.append(0xFF)
    #expect(failure(negative.bytes)?.problem.contains("negative count") == true)
    var huge = UBJ()
    huge.m("[$d#L"); huge.int64(1 << 40)
    let f = try #require(failure(huge.bytes))
    #expect(f.offset == 4 && f.problem.contains("exceeds"))
    var keyType = UBJ()
    keyType.m("{S")
    #expect(failure(keyType.bytes)?.problem.contains("key length must be an integer") == true)
    #expect(failure(Array("[$N#i\u{01}".utf8))?.offset == 2)
    #expect(failure(Array("[$i".utf8))?.problem.contains("'#' count") == true)
    var badText = UBJ()
    badText.m("Si"); badText.bytes += [2, 0xC3, 0x28]
    #expect(failure(badText.bytes)?.problem.contains("UTF-8") == true)
    #expect(failure(Array("ZZ".utf8))?.problem.contains("after the document") == true)
    #expect(failure(Array("Hi\u{03}abc".utf8))?.problem.contains("high-precision") == true)
  }

  @Test func nestingIsBounded() throws {
    let deep = Array(String(repeating: "[", count: 600).utf8)
    #expect(failure(deep)?.problem.contains("nesting deeper than 512") == true)
    let fine = Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8)
    #expect(try parse(fine).array?.count == 1)
  }
}
