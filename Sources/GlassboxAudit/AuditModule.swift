import Crypto

/// The audit trail's schema version, written into every record.
public enum AuditSchema {
  public static let version = 1

  /// Lower-case hex SHA-256 of `bytes`.
  public static func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
  }
}
