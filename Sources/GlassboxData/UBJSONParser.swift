/// A Universal Binary JSON (UBJSON, draft 12) decoder producing the same `JSONValue` tree
/// as `JSONParser`, so a document saved in either encoding feeds the same loader.
///
/// Reads what XGBoost's `save_model("m.ubj")` writes, and the rest of the draft:
/// - values `Z` (null), `N` (no-op, skipped), `T`, `F`, `i` `U` `I` `l` `L` (int8, uint8,
///   int16, int32, int64), `d` `D` (float32, float64), `H` (a high-precision number as
///   text), `C` (a char), `S` (a string);
/// - containers `[` … `]` and `{` … `}`, and their optimised forms with a `#` count and an
///   optional `$` element type (no closing marker then);
/// - object keys as a length and UTF-8 bytes (no `S` marker).
///
/// Numbers are big-endian. Integers become `Double` (exact up to 2^53, as `JSONParser`
/// reads large integers); float32 values widen exactly. An array of numbers becomes
/// `.numbers`. Nesting is limited to 512 levels, and a count larger than the bytes left
/// is refused before anything is allocated, so a hostile file can neither exhaust the
/// stack nor the memory.
/// - Complexity: O(bytes).
public struct UBJSONParser {
  private let bytes: [UInt8]
  private let path: String
  private var i: Int
  private var depth = 0
  private static let maxDepth = 512

  /// Parses a whole document starting at byte `start`.
  /// - Throws: `DataError.malformedUBJSON` with the byte offset of the first problem.
  public static func parse(_ bytes: [UInt8], path: String, start: Int = 0) throws(DataError) -> JSONValue {
    var parser = UBJSONParser(bytes: bytes, path: path, i: start)
    let value = try parser.value()
    while parser.i < bytes.count, bytes[parser.i] == UInt8(ascii: "N") { parser.i += 1 }
    if parser.i < bytes.count { throw parser.error("unexpected bytes after the document") }
    return value
  }

  private init(bytes: [UInt8], path: String, i: Int) {
    self.bytes = bytes
    self.path = path
    self.i = i
  }

  private func error(_ problem: String, at position: Int? = nil) -> DataError {
    let p = position ?? i
    let text = p >= bytes.count ? problem + " (the file ends early: is it truncated?)" : problem
    return .malformedUBJSON(path: path, offset: p, problem: text)
  }

  private static func markerText(_ b: UInt8) -> String {
    b >= 0x21 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
  }

  private mutating func byte() throws(DataError) -> UInt8 {
    guard i < bytes.count else { throw error("expected a type marker") }
    defer { i += 1 }
    return bytes[i]
  }

  /// `n` big-endian bytes as an unsigned integer.
  private mutating func bigEndian(_ n: Int) throws(DataError) -> UInt64 {
    guard bytes.count - i >= n else { throw error("a \(n)-byte number is cut off") }
    var v: UInt64 = 0
    for k in 0..<n { v = v << 8 | UInt64(bytes[i + k]) }
    i += n
    return v
  }

  /// Payload size of a fixed-size value type, nil for the variable-size ones.
  private static func payloadSize(_ marker: UInt8) -> Int? {
    switch marker {
    case UInt8(ascii: "Z"), UInt8(ascii: "T"), UInt8(ascii: "F"): 0
    case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "C"): 1
    case UInt8(ascii: "I"): 2
    case UInt8(ascii: "l"), UInt8(ascii: "d"): 4
    case UInt8(ascii: "L"), UInt8(ascii: "D"): 8
    default: nil
    }
  }

  /// An integer value of type `marker`, or nil when `marker` is not an integer type.
  private mutating func integer(_ marker: UInt8) throws(DataError) -> Int64? {
    switch marker {
    case UInt8(ascii: "i"): Int64(Int8(truncatingIfNeeded: try bigEndian(1)))
    case UInt8(ascii: "U"): Int64(try bigEndian(1))
    case UInt8(ascii: "I"): Int64(Int16(truncatingIfNeeded: try bigEndian(2)))
    case UInt8(ascii: "l"): Int64(Int32(truncatingIfNeeded: try bigEndian(4)))
    case UInt8(ascii: "L"): Int64(bitPattern: try bigEndian(8))
    default: nil
    }
  }

  /// A length or count: an integer value with its own marker, not negative, and at most
  /// `limit`.
  private mutating func length(of what: String, limit: Int) throws(DataError) -> Int {
    let start = i
    let marker = try byte()
    guard let n = try integer(marker) else {
      throw error("the \(what) must be an integer, found \(Self.markerText(marker))", at: start)
    }
    guard n >= 0 else { throw error("negative \(what) \(n)", at: start) }
    guard n <= Int64(limit) else { throw error("the \(what) \(n) exceeds the \(limit) bytes left", at: start) }
    return Int(n)
  }

  private mutating func text(of what: String) throws(DataError) -> String {
    let n = try length(of: "\(what) length", limit: bytes.count - i)
    let start = i
    guard bytes.count - i >= n else { throw error("the \(what) is cut off", at: start) }
    i += n
    guard let s = String(validating: bytes[start..<i], as: UTF8.self) else {
      throw error("the \(what) is not valid UTF-8", at: start)
    }
    return s
  }

  private mutating func value() throws(DataError) -> JSONValue {
    var marker = try byte()
    while marker == UInt8(ascii: "N") { marker = try byte() }
    return try value(ofType: marker, at: i - 1)
  }

  private mutating func value(ofType marker: UInt8, at start: Int) throws(DataError) -> JSONValue {
    if let n = try integer(marker) { return .number(Double(n)) }
    switch marker {
    case UInt8(ascii: "Z"): return .null
    case UInt8(ascii: "T"): return .bool(true)
    case UInt8(ascii: "F"): return .bool(false)
    case UInt8(ascii: "d"): return .number(Double(Float(bitPattern: UInt32(try bigEndian(4)))))
    case UInt8(ascii: "D"): return .number(Double(bitPattern: try bigEndian(8)))
    case UInt8(ascii: "C"):
      let c = try bigEndian(1)
      guard c < 0x80 else { throw error("the char \(c) is not ASCII", at: start) }
      return .string(String(Character(Unicode.Scalar(UInt8(c)))))
    case UInt8(ascii: "S"): return .string(try text(of: "string"))
    case UInt8(ascii: "H"):
      let s = try text(of: "high-precision number")
      guard let d = Double(s), d.isFinite else { throw error("cannot read the high-precision number '\(s)'", at: start) }
      return .number(d)
    case UInt8(ascii: "["): return try container(object: false, at: start)
    case UInt8(ascii: "{"): return try container(object: true, at: start)
    default: throw error("unknown type marker \(Self.markerText(marker))", at: start)
    }
  }

  /// An array or object after its opening marker, in any of the three forms.
  private mutating func container(object: Bool, at start: Int) throws(DataError) -> JSONValue {
    depth += 1
    guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels", at: start) }
    defer { depth -= 1 }
    var elementType: UInt8? = nil
    var count: Int? = nil
    if i < bytes.count, bytes[i] == UInt8(ascii: "$") {
      i += 1
      let typeAt = i
      let t = try byte()
      guard t != UInt8(ascii: "N"), t != UInt8(ascii: "]"), t != UInt8(ascii: "}") else {
        throw error("\(Self.markerText(t)) cannot be a container's element type", at: typeAt)
      }
      elementType = t
      guard i < bytes.count, bytes[i] == UInt8(ascii: "#") else { throw error("a typed container needs a '#' count") }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "#") {
      i += 1
      // Every element takes at least one byte unless its type has no payload; a key
      // takes at least one byte (its length) in any case.
      let left = bytes.count - i
      let unit = object ? 1 : max(1, elementType.flatMap(Self.payloadSize) ?? 1)
      count = try length(of: "count", limit: elementType.flatMap(Self.payloadSize) == 0 && !object ? left : left / unit)
    }
    return object
      ? .object(try members(count: count, type: elementType))
      : try elements(count: count, type: elementType)
  }

  /// True when a container holding `k` elements so far is complete: at its count, or, in
  /// the uncounted form, at its closing marker (consumed; no-ops before it skipped).
  private mutating func finished(_ k: Int, count: Int?, closing: UInt8, what: String) throws(DataError) -> Bool {
    if let count { return k == count }
    while i < bytes.count, bytes[i] == UInt8(ascii: "N") { i += 1 }
    guard i < bytes.count else { throw error("unterminated \(what)") }
    guard bytes[i] == closing else { return false }
    i += 1
    return true
  }

  /// One element: a marker and value, or only the value in a typed container.
  private mutating func element(type: UInt8?) throws(DataError) -> JSONValue {
    if let type { return try value(ofType: type, at: i) }
    return try value()
  }

  private mutating func elements(count: Int?, type: UInt8?) throws(DataError) -> JSONValue {
    var builder = JSONArrayBuilder()
    if let count { builder.reserve(count) }
    var k = 0
    while try !finished(k, count: count, closing: UInt8(ascii: "]"), what: "array") {
      builder.append(try element(type: type))
      k += 1
    }
    return builder.value
  }

  private mutating func members(count: Int?, type: UInt8?) throws(DataError) -> JSONObject {
    var result = JSONObject()
    var k = 0
    while try !finished(k, count: count, closing: UInt8(ascii: "}"), what: "object") {
      let key = try text(of: "key")  // a repeated key keeps its last value, as in JSONParser
      result.set(key, try element(type: type))
      k += 1
    }
    return result
  }
}
