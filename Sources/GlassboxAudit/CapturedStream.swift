import Crypto
import GlassboxData

/// An input that can be read only once (standard input, a FIFO, `<(...)`), read whole and
/// hashed while it is read, so that its audit records can carry its SHA-256 from the first
/// record on and the rows are parsed from the same bytes.
///
/// Memory: the whole input is held (a regular file is streamed instead and hashed
/// separately). Without `--audit` nothing is captured: the input streams as before.
public struct CapturedStream: Sendable {
  /// The path as given (`-` for standard input).
  public var path: String
  public var bytes: [UInt8]
  /// Lower-case hex SHA-256 of `bytes`.
  public var sha256: String

  /// Reads `path` to its end once, hashing each chunk as it arrives.
  /// - Throws: `AuditError.cannotRead`.
  /// - Complexity: O(input size) time and memory.
  public static func read(path: String) throws(AuditError) -> CapturedStream {
    do {
      let source = try ByteSource(path: path)
      var hasher = SHA256()
      var bytes: [UInt8] = []
      while true {
        let start = bytes.count
        let got = try source.read(into: &bytes, maximum: 1 << 20)
        if got == 0 { break }
        bytes[start...].withUnsafeBytes { hasher.update(bufferPointer: $0) }
      }
      return CapturedStream(path: path, bytes: bytes, sha256: AuditSchema.hex(Array(hasher.finalize())))
    } catch {
      throw .cannotRead(path: path, reason: error.description)
    }
  }

  /// The bytes as a source for the CSV reader, named as the path would be.
  public func source() -> ByteSource { ByteSource(name: path == "-" ? "<stdin>" : path, bytes: bytes) }

  /// Where the records say the rows came from.
  public var dataSource: DataSource { .stream(path: path, sha256: sha256) }
}
