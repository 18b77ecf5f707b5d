import GlassboxData
import GlassboxTestSupport
import Testing

private func parse(_ text: String, path: String = "doc.json") throws(DataError) -> JSONValue {
  try JSONParser.parse(Array(text.utf8), path: path)
}

private func object(_ members: [(String, JSONValue)]) -> JSONValue {
  var o = JSONObject()
  for (k, v) in members { o.set(k, v) }
  return .object(o)
}

/// Parses `text` expecting failure; returns (line, column, problem).
private func failure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (line: Int, column: Int, problem: String)? {
  do {
    let value = try parse(text)
    Issue.record("expected malformedJSON, parsed \(value)", sourceLocation: sourceLocation)
  } catch {
    if case .malformedJSON(let path, let line, let column, let problem) = error {
      #expect(path == "doc.json", sourceLocation: sourceLocation)
      #expect(error.kind == .data, sourceLocation: sourceLocation)
      return (line, column, problem)
    }
    Issue.record("expected malformedJSON, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

@Suite("JSON parser")
struct JSONParserTests {
  @Test func representativeDocument() throws {
    let text = """
      {
        "name": "glassbox",
        "version": 1,
        "ratio": -1.25e-3,
        "big": 6.02E23,
        "zero": 0,
        "flags": [true, false, null],
        "nested": [[1, 2], [], [[3.5]]],
        "text": "tab\\tquote\\" backslash\\\\ slash\\/ caf\\u00e9 smile \\ud83d\\ude00 nl\\n",
        "raw": "déjà vu",
        "empty": {},
        "zeta": {"b": 1, "a": 2}
      }
      """
    let value = try parse(text)
    let expected = object([
      ("name", .string("glassbox")),
      ("version", .number(1)),
      ("ratio", .number(-0.00125)),
      ("big", .number(6.02e23)),
      ("zero", .number(0)),
      ("flags", .array([.bool(true), .bool(false), .null])),
      ("nested", .array([.array([.number(1), .number(2)]), .array([]), .array([.array([.number(3.5)])])])),
      ("text", .string("tab\tquote\" backslash\\ slash/ café smile 😀 nl\n")),
      ("raw", .string("déjà vu")),
      ("empty", .object(JSONObject())),
      ("zeta", object([("b", .number(1)), ("a", .number(2))])),
    ])
    #expect(value == expected)
    let root = try #require(value.object)
    #expect(root.keys == ["name", "version", "ratio", "big", "zero", "flags", "nested", "text", "raw", "empty", "zeta"])
    #expect(root["zeta"]?.object?.keys == ["b", "a"])
    #expect(root["text"]?.string?.unicodeScalars.contains("\u{1F600}") == true)
    #expect(root["missing"] == nil)
    // Key order is part of equality.
    #expect(object([("a", .number(2)), ("b", .number(1))]) != root["zeta"])
  }

  @Test func accessorsAndTypeNames() throws {
    let v = try parse(#"[null, true, 2, "s", [], {}]"#)
    let items = try #require(v.array)
    #expect(items.map(\.typeName) == ["null", "a boolean", "a number", "a string", "an array", "an object"])
    #expect(items[0].isNull && !items[1].isNull)
    #expect(items[1].bool == true && items[2].bool == nil)
    #expect(items[2].number == 2 && items[3].number == nil)
    #expect(items[3].string == "s")
  }

  @Test("an array of numbers only is kept packed, and equals the same array element by element")
  func numberArraysArePacked() throws {
    let packed = try parse("[1, -2.5, 3e2]")
    guard case .numbers(let d) = packed else {
      Issue.record("expected .numbers, got \(packed)")
      return
    }
    #expect(d == [1, -2.5, 300])
    #expect(packed == .array([.number(1), .number(-2.5), .number(300)]))
    #expect(JSONValue.array([.number(1), .number(-2.5), .number(300)]) == packed)
    #expect(packed != .array([.number(1), .number(-2.5)]))
    #expect(packed.array == [.number(1), .number(-2.5), .number(300)])
    #expect(packed.typeName == "an array")
    // A number array that turns general keeps its numbers in order.
    let mixed = try parse(#"[1, 2, "x", 3]"#)
    #expect(mixed == .array([.number(1), .number(2), .string("x"), .number(3)]))
    #expect(mixed.numberArray == nil)
    #expect(try parse("[]").array == [])
    #expect(try parse("[[1], [2, 3]]").array?.compactMap(\.numberArray) == [[1], [2, 3]])
  }

  @Test func scalarsAtTopLevelAndWhitespace() throws {
    #expect(try parse(" \t\r\n 42 \n") == .number(42))
    #expect(try parse("\"x\"") == .string("x"))
    #expect(try parse("null") == .null)
    #expect(try parse("-0.5e1") == .number(-5))
    #expect(try parse("1E+2") == .number(100))
    #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8), path: "bom.json") == .array([.number(1)]))
  }

  @Test func repeatedKeyKeepsTheLastValueInFirstPosition() throws {
    let o = try #require(try parse(#"{"a": 1, "b": 2, "a": 3}"#).object)
    #expect(o.keys == ["a", "b"])
    #expect(o["a"] == .number(3))
  }

  @Test func missingCommaIsLocated() throws {
    let text = "{\n  \"a\": 1\n  \"b\": 2\n}"
    let f = try #require(failure(text))
    // The parser stops at the quote of "b": line 3, column 3.
    #expect(f.line == 3 && f.column == 3)
    #expect(f.problem.contains("expected ',' or '}'"))
  }

  @Test func missingCommaInArrayIsLocated() throws {
    let f = try #require(failure("[\n 1,\n 2 3\n]"))
    #expect(f.line == 3 && f.column == 4)
    #expect(f.problem.contains("expected ',' or ']'"))
  }

  @Test func truncatedDocumentPointsAtTheEnd() throws {
    // Line 3 is "    2" (5 characters): the end is column 6.
    let f = try #require(failure("{\n  \"a\": [1,\n    2"))
    #expect(f.line == 3 && f.column == 6)
    #expect(f.problem.contains("truncated"))
    let g = try #require(failure("{\"a\": "))
    #expect(g.line == 1 && g.column == 7)
    #expect(g.problem.contains("truncated"))
  }

  @Test func trailingTextIsLocated() throws {
    let f = try #require(failure("{\"a\": 1}\n\n  x"))
    #expect(f.line == 3 && f.column == 3)
    #expect(f.problem.contains("after the document"))
  }

  @Test func badLiteralIsLocatedAtItsStart() throws {
    let f = try #require(failure("[\n  tru,\n  1\n]"))
    #expect(f.line == 2 && f.column == 3)
    #expect(f.problem.contains("true"))
    let g = try #require(failure("[1, nul"))
    #expect(g.line == 1 && g.column == 5)
    let h = try #require(failure("[True]"))
    #expect(h.line == 1 && h.column == 2)
  }

  @Test func unterminatedStringIsLocatedAtItsOpeningQuote() throws {
    // Line 2 is `  "k": "abc`: the value's quote is column 8.
    let f = try #require(failure("{\n  \"k\": \"abc"))
    #expect(f.line == 2 && f.column == 8)
    #expect(f.problem.contains("unterminated string"))
  }

  @Test func controlCharacterInAString() throws {
    let f = try #require(failure("[\"a\nb\"]"))
    #expect(f.line == 1 && f.column == 4)
    #expect(f.problem.contains("control character"))
  }

  @Test func columnsCountCharactersNotBytes() throws {
    // `{"é": x}`: é is two bytes but one column, so x is column 7.
    let f = try #require(failure("{\"é\": x}"))
    #expect(f.line == 1 && f.column == 7)
  }

  @Test(arguments: [
    "", "   ", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "[1 2]", "01x", "-", "1.", ".5", "1e",
    "+1", "\"\\x\"", "\"\\u12G4\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "'a'", "[", "{",
    "NaN", "Infinity",
  ])
  func malformedDocumentsAreRejected(text: String) {
    _ = failure(text)
  }

  @Test func deepNestingIsAnErrorNotACrash() throws {
    let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
    let f = try #require(failure(deep))
    #expect(f.problem.contains("nesting"))
    #expect(f.line == 1)
    let objects = String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)
    #expect(failure(objects)?.problem.contains("nesting") == true)
    // 512 levels are allowed.
    let allowed = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    var v = try parse(allowed)
    var depth = 0
    while let a = v.array {
      depth += 1
      v = a.first ?? .null
    }
    #expect(depth == 512)
  }

  @Test func parseFileReportsItsPath() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("m.json", "{\"a\": [1, 2]}")
    #expect(try JSONParser.parseFile(path) == object([("a", .array([.number(1), .number(2)]))]))
    let bad = try dir.write("bad.json", "{\n\"a\": }")
    #expect(throws: DataError.self) { try JSONParser.parseFile(bad) }
    do {
      _ = try JSONParser.parseFile(bad)
    } catch {
      guard case .malformedJSON(let p, let line, let column, _) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(p == bad && line == 2 && column == 6)
      #expect(error.description.hasPrefix("\(bad):2:6: malformed JSON"))
    }
    #expect(throws: DataError.self) { try JSONParser.parseFile(dir.file("absent.json")) }
  }
}

@Suite("JSON parser strictness")
struct JSONStrictnessTests {
  /// RFC 8259 §6: `int = zero / ( digit1-9 *DIGIT )`, so a leading zero is not allowed.
  @Test(arguments: ["01", "-01", "[00]", "{\"a\": 007}", "01.5"])
  func leadingZerosAreRejected(text: String) {
    _ = failure(text)
  }

  @Test(arguments: [("0", 0.0), ("-0.5", -0.5), ("0e3", 0), ("10", 10), ("0.01", 0.01)])
  func zeroStartedNumbersThatAreValid(text: String, value: Double) throws {
    #expect(try parse(text) == .number(value))
  }
}

@Suite("JSON numbers")
struct JSONNumberTests {
  /// The bits of the number `text` parses to (one element of an array).
  private func parsedBits(_ text: String) throws -> UInt64? {
    guard case .numbers(let values) = try parse("[" + text + "]"), values.count == 1 else { return nil }
    return values[0].bitPattern
  }

  /// Every spelling reads as the correctly rounded double (Swift's own reader, `Double(_:)`),
  /// bit for bit: inside the fast path (≤ 19 digits, M ≤ 2^53, |E| ≤ 22) and outside it.
  @Test func numbersAreCorrectlyRounded() throws {
    var state: UInt64 = 2026
    func next() -> UInt64 {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return state
    }
    var texts = [
      "0", "-0", "-0.0", "1", "9007199254740992", "9007199254740993", "18014398509481985", "1e22", "1e23",
      "9007199254740992e22", "9007199254740993e-22", "1.7976931348623157e308", "4.9e-324",
      "-1.2994502E-8", "1.1514289E0", "3.8795187E+0", "123456789012345678901234567890", "0.1", "0.30000000000000004",
      "1234567890123456789", "12345678901234567890", "1.0000000000000000000001",
    ]  // 22 fixed spellings
    for _ in 0..<3_000 {
      // xgboost's spelling of a float32: 8 digits, an exponent.
      let digits = String(next() % 100_000_000)
      let exponent = Int(next() % 61) - 30
      let sign = next() & 1 == 0 ? "-" : ""
      let head = String(digits.prefix(1)) + (digits.count > 1 ? "." + digits.dropFirst() : "")
      texts.append(sign + head + "E" + String(exponent))
      // Shortest spellings of doubles of every magnitude.
      let x = Double(bitPattern: next() >> 1)
      if x.isFinite { texts.append(x.description) }
      // Integers and fractions around the fast path's bounds.
      texts.append(String(next() >> (next() % 64)) + "e-" + String(next() % 25))
    }
    var checked = 0
    for text in texts {
      let expected = try #require(Double(text), "Swift reads \(text)")
      #expect(try parsedBits(text) == expected.bitPattern, "\(text)")
      checked += 1
    }
    #expect(checked > 8_990)
  }
}
