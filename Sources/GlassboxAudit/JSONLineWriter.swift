import GlassboxData

/// Builds one JSON line straight into bytes, members in the order they are written.
///
/// The audit log hashes the exact bytes of each line, so the writer never reorders
/// anything: the code that calls it fixes the key order. Numbers use the shortest text
/// that reads back to the same `Double` (integral values below 2^53 without a fraction);
/// NaN and infinities are written as `null`. Strings are escaped as RFC 8259 requires
/// (quote, backslash and control characters), other characters stay UTF-8.
///
/// - Complexity: every call is O(length of what it writes).
struct JSONLineWriter {
  private(set) var bytes: [UInt8] = []
  private var needsComma = false

  init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

  /// Continues after bytes written elsewhere (a prefix that ends inside an object).
  init(continuing prefix: [UInt8], needsComma: Bool) {
    bytes = prefix
    self.needsComma = needsComma
  }

  private mutating func separate() {
    if needsComma { bytes.append(UInt8(ascii: ",")) }
  }

  mutating func beginObject() {
    separate()
    bytes.append(UInt8(ascii: "{"))
    needsComma = false
  }

  mutating func endObject() {
    bytes.append(UInt8(ascii: "}"))
    needsComma = true
  }

  mutating func beginArray() {
    separate()
    bytes.append(UInt8(ascii: "["))
    needsComma = false
  }

  mutating func endArray() {
    bytes.append(UInt8(ascii: "]"))
    needsComma = true
  }

  /// A member's key; the next call writes its value.
  mutating func key(_ name: String) {
    separate()
    Self.appendString(name, to: &bytes)
    bytes.append(UInt8(ascii: ":"))
    needsComma = false
  }

  /// A key given as pre-escaped bytes (`"name":`), for names written many times.
  mutating func key(escaped: [UInt8]) {
    separate()
    bytes.append(contentsOf: escaped)
    needsComma = false
  }

  mutating func string(_ s: String) {
    separate()
    Self.appendString(s, to: &bytes)
    needsComma = true
  }

  mutating func optionalString(_ s: String?) {
    if let s { string(s) } else { null() }
  }

  mutating func number(_ x: Double) {
    separate()
    Self.appendNumber(x, to: &bytes)
    needsComma = true
  }

  mutating func int(_ n: Int) {
    separate()
    bytes.append(contentsOf: String(n).utf8)
    needsComma = true
  }

  mutating func bool(_ b: Bool) {
    separate()
    bytes.append(contentsOf: (b ? "true" : "false").utf8)
    needsComma = true
  }

  mutating func null() {
    separate()
    bytes.append(contentsOf: "null".utf8)
    needsComma = true
  }

  /// Bytes that form one complete JSON value (already serialized).
  mutating func raw(_ value: [UInt8]) {
    separate()
    bytes.append(contentsOf: value)
    needsComma = true
  }

  /// Members serialized elsewhere that open with their separating comma (`,"a":1,"b":2`).
  mutating func append(fragment: [UInt8]) {
    bytes.append(contentsOf: fragment)
    needsComma = true
  }

  /// Any parsed JSON value; object members keep their order.
  mutating func value(_ v: JSONValue) {
    switch v {
    case .null: null()
    case .bool(let b): bool(b)
    case .number(let x): number(x)
    case .string(let s): string(s)
    case .array(let items):
      beginArray()
      for item in items { value(item) }
      endArray()
    case .object(let o):
      beginObject()
      for (k, item) in o.members {
        key(k)
        value(item)
      }
      endObject()
    }
  }

  /// `"s"` with JSON escapes.
  static func appendString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Most strings need no escape: copy them whole.
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      out.append(contentsOf: s.utf8)
      out.append(UInt8(ascii: "\""))
      return
    }
    for c in s.utf8 {
      switch c {
      case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
      case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0..<0x20:
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
        out.append(hex[Int(c >> 4)])
        out.append(hex[Int(c & 15)])
      default: out.append(c)
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  /// The shortest round-trip spelling of `x` (`null` when not finite).
  static func appendNumber(_ x: Double, to out: inout [UInt8]) {
    guard x.isFinite else {
      out.append(contentsOf: "null".utf8)
      return
    }
    if x == x.rounded(.towardZero), abs(x) < 9_007_199_254_740_992 {
      if x == 0 {
        out.append(contentsOf: (x.sign == .minus ? "-0" : "0").utf8)
      } else {
        out.append(contentsOf: String(Int64(x)).utf8)
      }
      return
    }
    out.append(contentsOf: x.description.utf8)
  }

  /// The JSON text of `s` (quotes included), as bytes.
  static func encoded(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    appendString(s, to: &out)
    return out
  }
}
