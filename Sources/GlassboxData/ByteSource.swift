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
  private let fd: Int32
  private let ownsDescriptor: Bool
  /// Bytes read so far.
  public private(set) var bytesRead = 0
  /// The file's size in bytes, when it is a regular file (nil for pipes and terminals).
  public private(set) var size: Int?

  /// Opens `path` for reading; `-` means standard input.
  /// - Throws: `DataError.cannotOpen` naming the path and the system's reason.
  public init(path: String) throws(DataError) {
    if path == "-" {
      name = "<stdin>"
      fd = 0
      ownsDescriptor = false
      return
    }
    var info = stat()
    if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
      throw .cannotOpen(path: path, reason: "it is a directory")
    }
    let opened = open(path, O_RDONLY)
    guard opened >= 0 else {
      throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
    }
    name = path
    fd = opened
    ownsDescriptor = true
    if fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { size = Int(info.st_size) }
  }

  deinit {
    if ownsDescriptor { close(fd) }
  }

  /// Appends up to `maximum` bytes to `buffer`; returns how many were read (0 at end).
  /// - Throws: `DataError.readFailed`.
  public func read(into buffer: inout [UInt8], maximum: Int) throws(DataError) -> Int {
    let start = buffer.count
    var got = 0
    var failure: Int32 = 0
    // Read straight into the array's spare capacity: no zero-filling of the chunk.
    buffer.reserveCapacity(start + maximum)
    let descriptor = fd
    let oldCount = buffer.count
    let extra = [UInt8](unsafeUninitializedCapacity: maximum) { p, initialized in
      while true {
        let n = Glibc.read(descriptor, p.baseAddress!, maximum)
        if n < 0 && errno == EINTR { continue }
        if n < 0 { failure = errno } else { got = n }
        break
      }
      initialized = got
    }
    buffer.append(contentsOf: extra)
    assert(buffer.count == oldCount + got)
    bytesRead += got
    if failure != 0 {
      throw .readFailed(path: name, reason: String(cString: strerror(failure)))
    }
    return got
  }

  /// Reads everything that remains (for small documents such as JSON models).
  public func readAll() throws(DataError) -> [UInt8] {
    var buffer: [UInt8] = []
    while try read(into: &buffer, maximum: 1 << 20) > 0 {}
    return buffer
  }

  /// Reads the whole file at `path` (`-` for standard input).
  public static func contents(of path: String) throws(DataError) -> [UInt8] {
    try ByteSource(path: path).readAll()
  }
}
