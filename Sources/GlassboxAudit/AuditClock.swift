#if canImport(Glibc)
  import Glibc
#endif

/// UTC timestamps and time-ordered record identifiers, without Foundation.
public enum AuditClock {
  /// Milliseconds since the Unix epoch, from the real-time clock.
  public static func nowMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// `2026-09-01T10:15:02.113Z` for `milliseconds` since the epoch (proleptic Gregorian,
  /// valid for years 0000–9999). Timestamps of this fixed width sort as text in time order.
  public static func iso8601(milliseconds: Int64) -> String {
    let ms = Int(((milliseconds % 1000) + 1000) % 1000)
    let seconds = (milliseconds - Int64(ms)) / 1000
    var days = seconds / 86_400
    var secondOfDay = seconds % 86_400
    if secondOfDay < 0 {
      secondOfDay += 86_400
      days -= 1
    }
    let (year, month, day) = civilDate(daysSinceEpoch: days)
    let s = Int(secondOfDay)
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(s / 3600, 2) + ":"
      + pad(s / 60 % 60, 2) + ":" + pad(s % 60, 2) + "." + pad(ms, 3) + "Z"
  }

  /// The compact form `20260901T101502Z`, for file names.
  public static func compact(milliseconds: Int64) -> String {
    let text = iso8601(milliseconds: milliseconds)
    return String(text.prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
  }

  /// The calendar date of a day count since 1970-01-01 (the "days from civil" inverse,
  /// computed over 400-year eras of 146 097 days).
  static func civilDate(daysSinceEpoch: Int64) -> (Int, Int, Int) {
    let z = daysSinceEpoch + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (Int(year), Int(month), Int(day))
  }

  private static func pad(_ n: Int, _ width: Int) -> String {
    let digits = String(n)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
  }

  /// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits, so ids
  /// sort by creation time. Randomness comes from the system generator: ids are unique,
  /// not reproducible (explanations stay reproducible; they never use this generator).
  public static func uuidV7(milliseconds: Int64) -> String {
    var generator = SystemRandomNumberGenerator()
    var bytes: [UInt8] = []
    appendUUIDv7(milliseconds: milliseconds, random: (generator.next(), generator.next()), to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the text of a UUIDv7 whose 74 random bits are taken from `random`.
  /// - Complexity: O(1), no allocation beyond `out`'s growth.
  static func appendUUIDv7(milliseconds: Int64, random: (UInt64, UInt64), to out: inout [UInt8]) {
    let hex: StaticString = "0123456789abcdef"
    let ms = UInt64(bitPattern: milliseconds) & 0xFFFF_FFFF_FFFF
    // 128 bits: ms(48) | version 7 (4) | rand_a (12) | variant 10 (2) | rand_b (62).
    let high = ms << 16 | 0x7000 | (random.0 & 0x0FFF)
    let low = 0x8000_0000_0000_0000 | (random.1 & 0x3FFF_FFFF_FFFF_FFFF)
    hex.withUTF8Buffer { digits in
      for k in 0..<32 {
        if k == 8 || k == 12 || k == 16 || k == 20 { out.append(UInt8(ascii: "-")) }
        let word = k < 16 ? high : low
        let shift = UInt64(60 - 4 * (k % 16))
        out.append(digits[Int((word >> shift) & 15)])
      }
    }
  }
}
