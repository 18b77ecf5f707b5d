import GlassboxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A file or standard input read in large chunks through `read(2)`.
///
/// `read` returns what is available, so on a pipe each chunk arrives as soon as the
/// writer has written it: nothing waits for a full buffer.
public final class ByteSource {
  /// The name used in messages: the path, or `<stdin>`.
  public let name: String
  private let descriptor: FileDescriptor
  private let ownsDescriptor: Bool
  /// Bytes read so far.
  public private(set) var bytesRead = 0
  /// The file's size in bytes, when it is a regular file (nil for pipes and terminals).
  public private(set) var size: Int?
  /// Bytes already read elsewhere (`init(name:bytes:)`), served instead of the descriptor.
  private let memory: [UInt8]?

  /// Serves `bytes`, read once elsewhere (a pipe captured and hashed before parsing),
  /// under the name `name`.
  public init(name: String, bytes: [UInt8]) {
    self.name = name
    descriptor = .standardInput
    ownsDescriptor = false
    memory = bytes
    size = bytes.count
  }

  /// Opens `path` for reading; `-` means standard input.
  /// - Throws: `DataError.cannotOpen` naming the path and the system's reason.
  public init(path: String) throws(DataError) {
    memory = nil
    if path == "-" {
      name = "<stdin>"
      descriptor = .standardInput
      ownsDescriptor = false
      return
    }
    var info = stat()
    if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
      throw .cannotOpen(path: path, reason: "it is a directory")
    }
    do {
      descriptor = try FileDescriptor.open(path, .readOnly)
    } catch {
      throw .cannotOpen(path: path, reason: error.reason)
    }
    name = path
    ownsDescriptor = true
    if let status = try? descriptor.status(), status.isRegularFile { size = status.size }
  }

  deinit {
    if ownsDescriptor { descriptor.close() }
  }

  /// Appends up to `maximum` bytes to `buffer`; returns how many were read (0 at end).
  /// - Throws: `DataError.readFailed`.
  public func read(into buffer: inout [UInt8], maximum: Int) throws(DataError) -> Int {
    if let memory {
      let got = min(maximum, memory.count - bytesRead)
      buffer.append(contentsOf: memory[bytesRead..<(bytesRead + got)])
      bytesRead += got
      return got
    }
    do {
      let got = try descriptor.read(appendingTo: &buffer, maximum: maximum)
      bytesRead += got
      return got
    } catch {
      throw .readFailed(path: name, reason: error.reason)
    }
  }

  /// Reads everything that remains (for small documents such as JSON models).
  public func readAll() throws(DataError) -> [UInt8] {
    var buffer: [UInt8] = []
    while try read(into: &buffer, maximum: 1 << 20) > 0 {}
    return buffer
  }

  /// True when `path` can be read only once: standard input (`-`), a pipe, a FIFO, a
  /// `<(...)` process substitution, a terminal; false for a regular file (or a missing one).
  public static func isStream(_ path: String) -> Bool {
    if path == "-" { return true }
    guard let status = FileDescriptor.status(of: path) else { return false }
    return !status.isRegularFile && !status.isDirectory
  }

  /// Reads the whole file at `path` (`-` for standard input).
  public static func contents(of path: String) throws(DataError) -> [UInt8] {
    try ByteSource(path: path).readAll()
  }
}
