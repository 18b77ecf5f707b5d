// How glassbox spells numbers and strings in JSON: the one implementation that reports and
// audit records share. The audit log hashes the bytes the reports write, so both must spell
// every value identically; keep any change here byte-compatible with logs already written.

/// JSON spelling of numbers and strings.
///
/// Numbers: the shortest text that reads back to exactly the same `Double` (Swift's
/// `description`, which round-trips); integral values of magnitude below 2^53 print without
/// a fraction or exponent (`39`, `-0`, not `39.0`); NaN and infinities print as `null`.
/// Strings: quoted, with `"`, `\` and the control characters below U+0020 escaped as
/// RFC 8259 requires (`\n`, `\r`, `\t`, otherwise `\u00XX` with lowercase hex); every
/// other character, non-ASCII included, stays as its UTF-8 bytes.
public enum JSONSpelling {
  /// The JSON text of `x` (see the type's description).
  /// - Complexity: O(1).
  @inlinable
  public static func number(_ x: Double) -> String {
    guard x.isFinite else { return "null" }
    if x == x.rounded(.towardZero), abs(x) < 9_007_199_254_740_992 {
      if x == 0 { return x.sign == .minus ? "-0" : "0" }
      return String(Int64(x))
    }
    return x.description
  }

  /// Appends the JSON text of `x` to `bytes`.
  /// - Complexity: O(1).
  @inlinable
  public static func appendNumber(_ x: Double, to bytes: inout [UInt8]) {
    bytes.append(contentsOf: number(x).utf8)
  }

  /// True when `s` holds a byte that a JSON string must escape.
  @inlinable
  static func needsEscaping(_ s: String) -> Bool {
    s.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
  }

  /// Appends `s` as a JSON string literal, quotes included, to `bytes`.
  /// - Complexity: O(length of `s`).
  @inlinable
  public static func appendString(_ s: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    // Most strings need no escape: copy them whole.
    if !needsEscaping(s) {
      bytes.append(contentsOf: s.utf8)
      bytes.append(UInt8(ascii: "\""))
      return
    }
    for c in s.utf8 {
      switch c {
      case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0..<0x20:
        bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
        bytes.append(hexDigit(c >> 4))
        bytes.append(hexDigit(c & 15))
      default: bytes.append(c)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }

  @inlinable
  static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }

  /// `s` as a JSON string literal, quotes included.
  /// - Complexity: O(length of `s`).
  @inlinable
  public static func string(_ s: String) -> String {
    if !needsEscaping(s) { return "\"" + s + "\"" }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(s.utf8.count + 8)
    appendString(s, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `s` as a JSON string literal, as bytes.
  /// - Complexity: O(length of `s`).
  @inlinable
  public static func encoded(_ s: String) -> [UInt8] {
    var bytes: [UInt8] = []
    appendString(s, to: &bytes)
    return bytes
  }
}
