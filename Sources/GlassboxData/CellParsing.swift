#if canImport(Glibc)
  import Glibc
#endif

/// How cell text becomes a number or a missing value.
///
/// Missing: an empty cell, `NA`, `NaN`, `nan`, `?` (spaces around are ignored).
/// Numbers: decimal notation with an optional exponent (`-1.5e3`); hexadecimal,
/// `inf` and other text are rejected.
public enum CellParsing {
  /// True when `bytes` (already unescaped) spell a missing value.
  @inlinable
  public static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var lo = 0
    var hi = bytes.count
    while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
    while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
    switch hi - lo {
    case 0: return true
    case 1: return bytes[lo] == UInt8(ascii: "?")
    case 2: return bytes[lo] == UInt8(ascii: "N") && bytes[lo + 1] == UInt8(ascii: "A")
    case 3:
      let a = bytes[lo] | 0x20, b = bytes[lo + 1] | 0x20, c = bytes[lo + 2] | 0x20
      return a == UInt8(ascii: "n") && b == UInt8(ascii: "a") && c == UInt8(ascii: "n")
    default: return false
    }
  }

  /// The finite number spelled by `bytes`, or nil.
  ///
  /// - Precondition: a 0 byte follows the buffer in memory (as in `CSVBlock`), so the C
  ///   parser stops there.
  @inlinable
  public static func number(zeroTerminated bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    guard let base = bytes.baseAddress else { return nil }
    var lo = 0
    var hi = bytes.count
    while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
    while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
    guard lo < hi else { return nil }
    // Fast path: plain integers of up to 15 digits.
    var i = lo
    var negative = false
    if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
      negative = bytes[i] == UInt8(ascii: "-")
      i += 1
    }
    guard i < hi else { return nil }
    let first = bytes[i]
    guard (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: ".") else { return nil }
    if hi - i <= 15 {
      var value: Int64 = 0
      var j = i
      while j < hi, bytes[j] >= 0x30, bytes[j] <= 0x39 {
        value = value * 10 + Int64(bytes[j] - 0x30)
        j += 1
      }
      if j == hi {
        let d = Double(value)
        return negative ? -d : d
      }
    }
    // strtod also reads hexadecimal ("0x1p3"); only decimal notation is accepted.
    for k in lo..<hi where bytes[k] | 0x20 == UInt8(ascii: "x") { return nil }
    var endPointer: UnsafeMutablePointer<CChar>? = nil
    let start = UnsafeRawPointer(base + lo).assumingMemoryBound(to: CChar.self)
    let value = strtod(start, &endPointer)
    guard let endPointer else { return nil }
    let consumed = UnsafeRawPointer(endPointer) - UnsafeRawPointer(base + lo)
    guard consumed == hi - lo, value.isFinite else { return nil }
    return value
  }

  /// Parses a number from Swift text (used for `--instance` values and JSON-free paths).
  public static func number(_ text: String) -> Double? {
    var bytes = Array(text.utf8)
    bytes.append(0)
    return bytes.withUnsafeBufferPointer { p in
      number(zeroTerminated: UnsafeBufferPointer(rebasing: p[0..<(p.count - 1)]))
    }
  }
}
