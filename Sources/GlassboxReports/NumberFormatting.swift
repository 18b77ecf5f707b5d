import GlassboxSystem

/// Number spelling shared by all renderers (no Foundation, no locale).
public enum NumberFormatting {
  /// The shortest text that reads back to exactly `x` (JSON/CSV), as `JSONSpelling` spells
  /// it for reports and audit records alike: integral values below 2^53 print without a
  /// fraction (`39`, not `39.0`); NaN and infinities print as `null` (JSON) — use `csv` for
  /// CSV cells.
  @inlinable
  public static func json(_ x: Double) -> String { JSONSpelling.number(x) }

  /// As `json`, but an empty cell for NaN.
  @inlinable
  public static func csv(_ x: Double) -> String {
    x.isFinite ? json(x) : (x.isNaN ? "" : (x > 0 ? "inf" : "-inf"))
  }

  /// Appends `csv(x)` to `out`, the same text, written in place: Swift's shortest spelling
  /// goes straight into `out` (`TextOutputStreamable`) instead of through a string of its
  /// own, which a long number would allocate.
  /// - Complexity: O(1).
  @inlinable
  public static func appendCSV(_ x: Double, to out: inout String) {
    if x.isFinite, x != x.rounded(.towardZero) || abs(x) >= 9_007_199_254_740_992 {
      x.write(to: &out)
    } else {
      out += csv(x)
    }
  }

  /// Appends `csv(x)` to `out` as UTF-8 bytes, the same text: Swift's shortest spelling is
  /// written by the standard library straight into the bytes (`ByteText`).
  /// - Complexity: O(1).
  @inlinable
  public static func appendCSV(_ x: Double, to out: inout ByteText) {
    if x.isFinite, x != x.rounded(.towardZero) || abs(x) >= 9_007_199_254_740_992 {
      x.write(to: &out)
    } else {
      out.bytes.append(contentsOf: csv(x).utf8)
    }
  }

  /// Fixed-point text with `places` decimals (half away from zero), for people.
  public static func fixed(_ x: Double, places: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "∞" : "-∞") }
    if abs(x) >= 1e15 { return x.description }
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
    let integral = Int64(scaled / scale)
    var fraction = Int64(scaled - Double(integral) * scale)
    if fraction < 0 { fraction = 0 }
    let negative = x < 0 && scaled != 0
    var text = (negative ? "-" : "") + String(integral)
    if places > 0 {
      var digits = String(fraction)
      while digits.count < places { digits = "0" + digits }
      text += "." + digits
    }
    return text
  }

  /// Fixed-point with an explicit sign (`+0.412`, `-1.020`).
  public static func signed(_ x: Double, places: Int) -> String {
    let text = fixed(x, places: places)
    return text.hasPrefix("-") ? text : "+" + text
  }

  /// A readable number with about `significant` significant digits: `0.000123`, `12.35`, `38.58`.
  public static func readable(_ x: Double, significant: Int = 4) -> String {
    guard x.isFinite, x != 0 else { return x == 0 ? "0" : fixed(x, places: 0) }
    if x == x.rounded(), abs(x) < 1e12 { return String(Int64(x)) }
    var magnitude = 0
    var a = abs(x)
    while a >= 10 { a /= 10; magnitude += 1 }
    while a < 1 { a *= 10; magnitude -= 1 }
    let places = max(0, min(12, significant - 1 - magnitude))
    var text = fixed(x, places: places)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text
  }
}

/// Escaping for JSON strings and CSV cells.
public enum TextEscaping {
  /// `s` as a JSON string literal, quotes included (`JSONSpelling.string`).
  @inlinable
  public static func jsonString(_ s: String) -> String { JSONSpelling.string(s) }

  /// `s` as an RFC 4180 cell: quoted when it holds a comma, quote or line break.
  public static func csvCell(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
      var out = "\""
      for ch in s { out += ch == "\"" ? "\"\"" : String(ch) }
      return out + "\""
    }
    return s
  }
}

/// Text built as UTF-8 bytes, for renderers that write many short pieces: appending to
/// bytes costs less than appending to a `String`, and the standard library writes numbers
/// (`TextOutputStreamable`) into it without making a string of each.
public struct ByteText: TextOutputStream {
  /// The text so far.
  public var bytes: [UInt8] = []

  public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

  public mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }

  /// Called by the standard library for ASCII text it has in a buffer (number spellings).
  public mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }

  /// Appends one ASCII character.
  @inlinable
  public mutating func append(_ c: Unicode.Scalar) { bytes.append(UInt8(truncatingIfNeeded: c.value)) }

  /// Appends the decimal digits of `n`, as `String(n)` spells them.
  @inlinable
  public mutating func append(_ n: Int) {
    if n < 0 {
      bytes.append(contentsOf: String(n).utf8)
      return
    }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var v = n
    withUnsafeMutableBytes(of: &digits) { d in
      repeat {
        d[19 - count] = UInt8(truncatingIfNeeded: v % 10) + 0x30
        v /= 10
        count += 1
      } while v > 0
      bytes.append(contentsOf: d[(20 - count)...])
    }
  }

  /// The text as a string (invalid UTF-8 repaired, which ASCII and whole strings never need).
  public var text: String { String(decoding: bytes, as: UTF8.self) }
}
