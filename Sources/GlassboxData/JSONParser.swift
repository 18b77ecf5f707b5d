#if canImport(Glibc)
  import Glibc
#endif

/// A strict RFC 8259 JSON parser whose errors give the line and column.
///
/// Written for model files of tens of megabytes: numbers are parsed in place with
/// `strtod`, and nesting is limited (512 levels) so a hostile file cannot exhaust the stack.
/// - Complexity: O(bytes).
public struct JSONParser {
  /// The document and a trailing 0 (a sentinel), alive for the whole parse.
  private let bytes: UnsafeBufferPointer<UInt8>
  private let path: String
  private var i = 0
  private var depth = 0
  private static let maxDepth = 512

  /// Parses a whole document.
  /// - Parameters:
  ///   - bytes: the UTF-8 text.
  ///   - path: the file name used in messages.
  /// - Throws: `DataError.malformedJSON` with line and column of the first problem.
  public static func parse(_ bytes: [UInt8], path: String) throws(DataError) -> JSONValue {
    // The parser reads through an unsafe buffer (no bounds check per byte): every read is
    // guarded by the sentinel or by `end`.
    try (bytes + [0]).withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt8>) throws(DataError) -> JSONValue in
      var parser = JSONParser(bytes: all, path: path)
      if parser.bytes.count >= 4, parser.bytes[0] == 0xEF, parser.bytes[1] == 0xBB, parser.bytes[2] == 0xBF {
        parser.i = 3
      }
      parser.skipSpace()
      let value = try parser.value()
      parser.skipSpace()
      if parser.i < parser.bytes.count - 1 {
        throw parser.error("unexpected text after the document")
      }
      return value
    }
  }

  /// Reads and parses the JSON file at `path`.
  public static func parseFile(_ path: String) throws(DataError) -> JSONValue {
    try parse(ByteSource.contents(of: path), path: path)
  }

  private init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
    self.bytes = bytes
    self.path = path
  }

  private var end: Int { bytes.count - 1 }  // the trailing 0 is a sentinel

  private func error(_ problem: String, at position: Int? = nil) -> DataError {
    let p = min(position ?? i, end)
    var line = 1
    var column = 1
    var k = 0
    while k < p {
      if bytes[k] == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if bytes[k] & 0xC0 != 0x80 {
        column += 1
      }
      k += 1
    }
    let problemText = p >= end ? problem + " (the file ends early: is it truncated?)" : problem
    return .malformedJSON(path: path, line: line, column: column, problem: problemText)
  }

  private mutating func skipSpace() {
    while i < end {
      let c = bytes[i]
      if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
    }
  }

  private mutating func value() throws(DataError) -> JSONValue {
    guard i < end else { throw error("expected a value") }
    switch bytes[i] {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
    default:
      let c = bytes[i]
      let shown = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte \(c)"
      throw error("unexpected \(shown) where a value should start")
    }
  }

  private mutating func literal(_ word: StaticString) throws(DataError) {
    let n = word.utf8CodeUnitCount
    let start = i
    var k = 0
    while k < n {
      guard i + k < end, bytes[i + k] == word.utf8Start[k] else {
        throw error("invalid literal (expected \(word))", at: start)
      }
      k += 1
    }
    i += n
  }

  /// Exact powers of ten, 10^0 ... 10^22 (every one is a double).
  private static let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  ]

  /// A number, correctly rounded. Numbers of at most 19 digits whose digits form an integer
  /// M ≤ 2^53 and whose decimal exponent E has |E| ≤ 22 (a model file's float32 weights
  /// written as `-9.5490557E-1`, counts, indices) are M · 10^E or M / 10^−E: one correctly
  /// rounded operation on two exact doubles (Clinger's fast path), so the same double as
  /// `strtod`, which reads every other number.
  private mutating func number() throws(DataError) -> Double {
    let start = i
    let negative = bytes[i] == UInt8(ascii: "-")
    if negative { i += 1 }
    if bytes[i] == 0x30, bytes[i + 1] >= 0x30, bytes[i + 1] <= 0x39 { throw error("invalid number: leading zero", at: start) }
    var mantissa: UInt64 = 0
    var digitCount = 0
    func digits(_ i: inout Int, _ bytes: UnsafeBufferPointer<UInt8>, _ mantissa: inout UInt64, _ digitCount: inout Int) -> Int {
      let s = i
      while bytes[i] >= 0x30 && bytes[i] <= 0x39 {
        if digitCount < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 0x30) }
        digitCount += 1
        i += 1
      }
      return i - s
    }
    guard digits(&i, bytes, &mantissa, &digitCount) > 0 else { throw error("invalid number", at: start) }
    var exponent = 0
    if bytes[i] == UInt8(ascii: ".") {
      i += 1
      let fraction = digits(&i, bytes, &mantissa, &digitCount)
      guard fraction > 0 else { throw error("invalid number: digits must follow '.'", at: start) }
      exponent -= fraction
    }
    if bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      var sign = 1
      if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
        if bytes[i] == UInt8(ascii: "-") { sign = -1 }
        i += 1
      }
      let s = i
      var written = 0
      while bytes[i] >= 0x30 && bytes[i] <= 0x39 {
        if written < 100_000 { written = written * 10 + Int(bytes[i] &- 0x30) }
        i += 1
      }
      guard i > s else { throw error("invalid number exponent", at: start) }
      exponent += sign * written
    }
    if digitCount <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
      let m = Double(mantissa)
      let value = exponent >= 0 ? m * Self.powersOfTen[exponent] : m / Self.powersOfTen[-exponent]
      return negative ? -value : value
    }
    guard let base = bytes.baseAddress else { return .nan }
    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { c in strtod(c + start, nil) }
  }

  private mutating func string() throws(DataError) -> String {
    let start = i
    i += 1
    var out: [UInt8] = []
    var plainStart = i
    while true {
      guard i < end else { throw error("unterminated string", at: start) }
      let c = bytes[i]
      if c == UInt8(ascii: "\"") {
        if out.isEmpty {
          let s = String(decoding: bytes[plainStart..<i], as: UTF8.self)
          i += 1
          return s
        }
        out.append(contentsOf: bytes[plainStart..<i])
        i += 1
        return String(decoding: out, as: UTF8.self)
      }
      if c < 0x20 { throw error("control character in a string (escape it)") }
      if c == UInt8(ascii: "\\") {
        out.append(contentsOf: bytes[plainStart..<i])
        i += 1
        guard i < end else { throw error("unterminated string", at: start) }
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if scalar >= 0xD800 && scalar < 0xDC00 {
            guard bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
              throw error("unpaired surrogate in \\u escape")
            }
            i += 2
            let low = try hex4()
            guard low >= 0xDC00 && low < 0xE000 else { throw error("invalid surrogate pair") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default:
          throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: i - 2)
        }
        plainStart = i
        continue
      }
      i += 1
    }
  }

  private mutating func hex4() throws(DataError) -> UInt32 {
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard i < end else { throw error("truncated \\u escape") }
      let c = bytes[i]
      let d: UInt32
      switch c {
      case 0x30...0x39: d = UInt32(c - 0x30)
      case 0x41...0x46: d = UInt32(c - 0x41 + 10)
      case 0x61...0x66: d = UInt32(c - 0x61 + 10)
      default: throw error("invalid hex digit in \\u escape")
      }
      v = v * 16 + d
      i += 1
    }
    return v
  }

  private mutating func array() throws(DataError) -> JSONValue {
    depth += 1
    guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
    defer { depth -= 1 }
    i += 1
    skipSpace()
    if bytes[i] == UInt8(ascii: "]") {
      i += 1
      return .array([])
    }
    var builder = JSONArrayBuilder()
    while true {
      skipSpace()
      builder.append(try value())
      skipSpace()
      guard i < end else { throw error("unterminated array") }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      if bytes[i] == UInt8(ascii: "]") {
        i += 1
        return builder.value
      }
      throw error("expected ',' or ']' in an array")
    }
  }

  private mutating func object() throws(DataError) -> JSONValue {
    depth += 1
    guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
    defer { depth -= 1 }
    i += 1
    var result = JSONObject()
    skipSpace()
    if bytes[i] == UInt8(ascii: "}") {
      i += 1
      return .object(result)
    }
    while true {
      skipSpace()
      guard i < end, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a quoted key in an object") }
      let key = try string()
      skipSpace()
      guard i < end, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
      i += 1
      skipSpace()
      result.set(key, try value())
      skipSpace()
      guard i < end else { throw error("unterminated object") }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      if bytes[i] == UInt8(ascii: "}") {
        i += 1
        return .object(result)
      }
      throw error("expected ',' or '}' in an object")
    }
  }
}
