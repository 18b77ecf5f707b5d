import Crypto
import GlassboxData

/// The audit trail's schema version, written into every record.
///
/// The log format is documented in `docs/audit-log.md`.
public enum AuditSchema {
  public static let version = 1
  /// The value of every line's `schema` member.
  public static let name = "glassbox-audit/1"
  /// The `prev_hash` of the first line: no line precedes it.
  public static let genesisHash = "sha256:" + String(repeating: "0", count: 64)

  /// Lower-case hex SHA-256 of `bytes`.
  public static func sha256Hex(_ bytes: [UInt8]) -> String {
    hex(sha256(bytes))
  }

  /// The 32-byte SHA-256 digest of `bytes`.
  public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
    bytes.withUnsafeBytes { sha256($0) }
  }

  /// The 32-byte SHA-256 digest of the bytes at `buffer`.
  public static func sha256(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(bufferPointer: buffer)
    return Array(hasher.finalize())
  }

  /// Lower-case hex SHA-256 of the file at `path`, read in 1 MiB chunks.
  /// - Throws: `AuditError.cannotRead` when the file cannot be opened or read.
  /// - Complexity: O(file size), constant memory.
  public static func fileSHA256(path: String) throws(AuditError) -> String {
    if let prefetched = FileHashPrefetch.take(path: path) { return try prefetched.get() }
    return try hashFile(path: path)
  }

  /// Reads and hashes the file at `path` (no prefetch).
  static func hashFile(path: String) throws(AuditError) -> String {
    do {
      let source = try ByteSource(path: path)
      var hasher = SHA256()
      var buffer: [UInt8] = []
      buffer.reserveCapacity(1 << 20)
      while true {
        buffer.removeAll(keepingCapacity: true)
        let n = try source.read(into: &buffer, maximum: 1 << 20)
        if n == 0 { break }
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
      }
      return hex(Array(hasher.finalize()))
    } catch {
      throw .cannotRead(path: path, reason: error.description)
    }
  }

  private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  /// Lower-case hex of `bytes`.
  public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for b in bytes {
      out.append(hexDigits[Int(b >> 4)])
      out.append(hexDigits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends the lower-case hex of `bytes` to `out`.
  static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
    for b in bytes {
      out.append(hexDigits[Int(b >> 4)])
      out.append(hexDigits[Int(b & 15)])
    }
  }

  /// The bytes spelled by an even-length hex string (either case); nil if it is not hex.
  public static func bytes(fromHex text: some StringProtocol) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    func value(_ c: UInt8) -> UInt8? {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
      default: nil
      }
    }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var k = 0
    while k < digits.count {
      guard let hi = value(digits[k]), let lo = value(digits[k + 1]) else { return nil }
      out.append(hi << 4 | lo)
      k += 2
    }
    return out
  }
}
