import Crypto
import Foundation
import GlassboxData
import GlassboxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Key files of the audit trail.
///
/// Each key file is one line of text, `<kind>:<lower-case hex>\n`:
/// - `ed25519-private:<64 hex>`: a 32-byte Ed25519 seed (RFC 8032), mode 0600;
/// - `ed25519-public:<64 hex>`: the 32-byte public key;
/// - `hmac-sha256:<64 hex>`: a 32-byte redaction key, mode 0600.
///
/// A redaction key file may also hold any other bytes (at least 16), used as they are.
/// Secret key files that group or others can read are refused, as ssh does.
public enum AuditKeyFile {
  /// Writes a new Ed25519 pair: the private key at `privatePath` (0600, never
  /// overwritten) and the public key at `publicPath`.
  /// - Returns: the key id (see `AuditPublicKey.keyID`).
  public static func generateSigningPair(privatePath: String, publicPath: String) throws(AuditError) -> String {
    let key = Curve25519.Signing.PrivateKey()
    let publicKey = AuditPublicKey(key.publicKey)
    try write(privatePath, "ed25519-private:" + AuditSchema.hex(Array(key.rawRepresentation)) + "\n", mode: 0o600)
    try write(publicPath, "ed25519-public:" + AuditSchema.hex(publicKey.rawBytes) + "\n", mode: 0o644)
    return publicKey.keyID
  }

  /// Writes a new random 32-byte HMAC key at `path` (0600, never overwritten).
  public static func generateRedactionKey(path: String) throws(AuditError) {
    var generator = SystemRandomNumberGenerator()
    var bytes: [UInt8] = []
    for _ in 0..<4 {
      let word = generator.next() as UInt64
      for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(k)))) }
    }
    try write(path, "hmac-sha256:" + AuditSchema.hex(bytes) + "\n", mode: 0o600)
  }

  /// Creates `path` exclusively with `mode` and writes `text` durably.
  static func write(_ path: String, _ text: String, mode: mode_t) throws(AuditError) {
    let fd: FileDescriptor
    do {
      fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .exclusive], permissions: mode)
    } catch {
      throw .cannotWrite(path: path, reason: error.code == EEXIST ? "it already exists (keys are never overwritten)" : error.reason)
    }
    defer { fd.close() }
    do {
      try fd.writeAll(Array(text.utf8))
      try fd.sync()
    } catch {
      throw .cannotWrite(path: path, reason: error.reason)
    }
    FileDescriptor.syncFolder(of: path)
  }

  /// Reads a key file; for secret keys, refuses one that group or others can read.
  static func read(_ path: String, secret: Bool) throws(AuditError) -> [UInt8] {
    var info = stat()
    guard stat(path, &info) == 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
    if secret, info.st_mode & 0o077 != 0 { throw .insecureKeyFile(path: path, mode: UInt32(info.st_mode)) }
    do {
      return try ByteSource.contents(of: path)
    } catch {
      throw .cannotRead(path: path, reason: error.description)
    }
  }

  /// The hex payload of a `<kind>:<hex>` key file, if it has that form.
  static func payload(_ bytes: [UInt8], kind: String) -> [UInt8]? {
    var text = String(decoding: bytes, as: UTF8.self)
    while text.last == "\n" || text.last == "\r" || text.last == " " { text.removeLast() }
    guard text.hasPrefix(kind + ":") else { return nil }
    return AuditSchema.bytes(fromHex: text.dropFirst(kind.count + 1))
  }
}

/// The key that signs checkpoints.
public struct AuditSigningKey: @unchecked Sendable {
  let key: Curve25519.Signing.PrivateKey
  /// The matching public key.
  public let publicKey: AuditPublicKey

  /// Reads an `ed25519-private:` key file (mode 0600).
  public init(path: String) throws(AuditError) {
    let bytes = try AuditKeyFile.read(path, secret: true)
    guard let seed = AuditKeyFile.payload(bytes, kind: "ed25519-private"), seed.count == 32,
      let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    else { throw .invalidKey(path: path, problem: "expected one line 'ed25519-private:' followed by 64 hex digits") }
    self.key = key
    publicKey = AuditPublicKey(key.publicKey)
  }

  /// A fresh random key (tests).
  public init() {
    key = Curve25519.Signing.PrivateKey()
    publicKey = AuditPublicKey(key.publicKey)
  }

  /// The 64-byte Ed25519 signature of `message`.
  public func sign(_ message: [UInt8]) -> [UInt8] {
    // Signing with a valid key only fails if BoringSSL cannot allocate.
    guard let signature = try? key.signature(for: message) else { preconditionFailure("Ed25519 signing failed") }
    return Array(signature)
  }
}

/// The key that verifies checkpoint signatures.
public struct AuditPublicKey: @unchecked Sendable {
  let key: Curve25519.Signing.PublicKey
  /// The 32 raw key bytes.
  public let rawBytes: [UInt8]

  init(_ key: Curve25519.Signing.PublicKey) {
    self.key = key
    rawBytes = Array(key.rawRepresentation)
  }

  /// Reads an `ed25519-public:` key file.
  public init(path: String) throws(AuditError) {
    let bytes = try AuditKeyFile.read(path, secret: false)
    guard let raw = AuditKeyFile.payload(bytes, kind: "ed25519-public"), raw.count == 32,
      let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    else { throw .invalidKey(path: path, problem: "expected one line 'ed25519-public:' followed by 64 hex digits") }
    self.init(key)
  }

  /// The first 16 hex digits of SHA-256 of the raw key: names the key in checkpoints.
  public var keyID: String { String(AuditSchema.sha256Hex(rawBytes).prefix(16)) }

  /// True when `signature` is a valid Ed25519 signature of `message` by this key.
  public func isValid(_ signature: [UInt8], for message: [UInt8]) -> Bool {
    key.isValidSignature(signature, for: message)
  }
}

/// Replaces sensitive input values by keyed hashes.
///
/// `HMAC-SHA256(key, feature ‖ 0x00 ‖ value)` in hex, where `value` is the label of a
/// categorical code or the number's shortest text (`null` when missing). Equal values of
/// one feature get equal hashes, so records can be grouped without the values; without
/// the key, the hash cannot be tested against guesses (unlike a bare SHA-256 of a value
/// with a handful of possibilities).
public struct Redactor: @unchecked Sendable {
  /// HMAC state after absorbing the key; copied per message (a value type, never mutated in place).
  private let keyed: HMAC<SHA256>
  /// Names the key in records without revealing it: the first 16 hex digits of
  /// SHA-256("glassbox-redaction-key-id" ‖ 0x00 ‖ key).
  public let keyID: String

  /// Reads a redaction key file (`hmac-sha256:<hex>`, or at least 16 raw bytes; mode 0600).
  public init(path: String) throws(AuditError) {
    let bytes = try AuditKeyFile.read(path, secret: true)
    if let decoded = AuditKeyFile.payload(bytes, kind: "hmac-sha256") {
      guard decoded.count >= 16 else { throw .invalidKey(path: path, problem: "the key is shorter than 16 bytes") }
      self.init(key: decoded)
    } else {
      guard bytes.count >= 16 else { throw .invalidKey(path: path, problem: "a redaction key needs at least 16 bytes") }
      self.init(key: bytes)
    }
  }

  /// A redactor with the given key bytes.
  public init(key bytes: [UInt8]) {
    keyed = HMAC<SHA256>(key: SymmetricKey(data: bytes))
    keyID = String(AuditSchema.sha256Hex(Array("glassbox-redaction-key-id".utf8) + [0] + bytes).prefix(16))
  }

  /// The keyed hash of `value` of `feature`, in hex.
  public func hash(feature: String, value: String) -> String {
    var mac = keyed
    let message = Array(feature.utf8) + [0] + Array(value.utf8)
    mac.update(data: message)
    return AuditSchema.hex(Array(mac.finalize()))
  }
}
