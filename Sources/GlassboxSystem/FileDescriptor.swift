#if canImport(Glibc)
  import Glibc
#endif

/// A system call that failed: which call, and the `errno` it left.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The call's name (`open`, `write`, `fsync`, `rename`, ...).
  public var call: String
  /// The `errno` value.
  public var code: Int32

  public init(call: String, code: Int32) {
    self.call = call
    self.code = code
  }

  /// The system's text for `code` (`strerror`), e.g. "No space left on device".
  public var reason: String { String(cString: strerror(code)) }

  public var description: String { reason }
}

/// An open file descriptor with the loops every caller needs written once: calls
/// interrupted by a signal (`EINTR`) are retried, and writes continue after a short count.
///
/// A value type around the descriptor number: copies name the same descriptor, and
/// `close()` must be called exactly once by its owner. No call allocates except those
/// that return arrays.
public struct FileDescriptor: Sendable, Hashable {
  /// The descriptor number.
  public let rawValue: Int32

  public init(rawValue: Int32) { self.rawValue = rawValue }

  public static let standardInput = FileDescriptor(rawValue: 0)
  public static let standardOutput = FileDescriptor(rawValue: 1)

  /// How a file is opened.
  public enum Access: Sendable {
    case readOnly, writeOnly, readWrite
  }

  /// Flags for `open`: each is the `O_` flag of the same name.
  public struct Options: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// Create the file when absent.
    public static let create = Options(rawValue: O_CREAT)
    /// With `create`: fail when the file exists.
    public static let exclusive = Options(rawValue: O_EXCL)
    /// Cut the file to length 0.
    public static let truncate = Options(rawValue: O_TRUNC)
    /// Every write goes to the end of the file, atomically with respect to other appenders.
    public static let append = Options(rawValue: O_APPEND)
    /// Fail unless the path is a directory.
    public static let directory = Options(rawValue: O_DIRECTORY)
    /// Fail (`ELOOP`) when the last component of the path is a symbolic link.
    public static let noFollow = Options(rawValue: O_NOFOLLOW)
  }

  /// Opens `path` (always close-on-exec); `permissions` apply when the file is created.
  /// - Throws: `SystemCallError` with call `open`.
  public static func open(
    _ path: String, _ access: Access, options: Options = [], permissions: mode_t = 0o644
  ) throws(SystemCallError) -> FileDescriptor {
    let accessFlag: Int32
    switch access {
    case .readOnly: accessFlag = O_RDONLY
    case .writeOnly: accessFlag = O_WRONLY
    case .readWrite: accessFlag = O_RDWR
    }
    while true {
      let fd = Glibc.open(path, accessFlag | options.rawValue | O_CLOEXEC, permissions)
      if fd >= 0 { return FileDescriptor(rawValue: fd) }
      if errno != EINTR { throw SystemCallError(call: "open", code: errno) }
    }
  }

  /// Closes the descriptor. Not retried on `EINTR`: on Linux the descriptor is released
  /// whatever `close` returns, and a retry could close a descriptor another thread opened.
  public func close() {
    _ = Glibc.close(rawValue)
  }

  // MARK: Writing

  /// Writes every byte of `buffer`, in as few `write(2)` calls as the system allows
  /// (one, unless it returns short, e.g. on a pipe or a full disk).
  /// - Throws: `SystemCallError` with call `write`; some leading bytes may have been written.
  /// - Complexity: O(bytes); no allocation.
  public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(SystemCallError) {
    guard var next = buffer.baseAddress else { return }
    var remaining = buffer.count
    while remaining > 0 {
      let n = Glibc.write(rawValue, next, remaining)
      if n < 0 {
        if errno == EINTR { continue }
        throw SystemCallError(call: "write", code: errno)
      }
      // A regular file or pipe never accepts 0 bytes of a non-empty write; stop rather than spin.
      if n == 0 { throw SystemCallError(call: "write", code: EIO) }
      next += n
      remaining -= n
    }
  }

  /// Writes every byte of `bytes` (see `writeAll(_:)` on a buffer).
  public func writeAll(_ bytes: [UInt8]) throws(SystemCallError) {
    try bytes.withUnsafeBytes { buffer in Result { () throws(SystemCallError) in try writeAll(buffer) } }.get()
  }

  /// Writes every byte of `bytes` (see `writeAll(_:)` on a buffer).
  public func writeAll(_ bytes: ArraySlice<UInt8>) throws(SystemCallError) {
    try bytes.withUnsafeBytes { buffer in Result { () throws(SystemCallError) in try writeAll(buffer) } }.get()
  }

  // MARK: Reading

  /// One `read(2)` into `buffer`: returns the bytes read, 0 at the end of the file.
  /// On a pipe it returns what is available without waiting for a full buffer.
  /// - Throws: `SystemCallError` with call `read`.
  public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    while true {
      let n = Glibc.read(rawValue, base, buffer.count)
      if n >= 0 { return n }
      if errno != EINTR { throw SystemCallError(call: "read", code: errno) }
    }
  }

  /// One `read(2)` of at most `maximum` bytes, appended to `bytes` (no zero-filling of
  /// the new space); returns how many were read, 0 at the end of the file.
  /// - Throws: `SystemCallError` with call `read`; `bytes` is then unchanged.
  public func read(appendingTo bytes: inout [UInt8], maximum: Int) throws(SystemCallError) -> Int {
    var result: Result<Int, SystemCallError> = .success(0)
    let chunk = [UInt8](unsafeUninitializedCapacity: maximum) { buffer, initialized in
      result = Result { () throws(SystemCallError) in try read(into: UnsafeMutableRawBufferPointer(buffer)) }
      initialized = (try? result.get()) ?? 0
    }
    let got = try result.get()
    bytes.append(contentsOf: chunk)
    return got
  }

  /// One `pread(2)` into `buffer` at byte `offset`: returns the bytes read, 0 at the end.
  /// - Throws: `SystemCallError` with call `pread`.
  public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SystemCallError) -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    while true {
      let n = Glibc.pread(rawValue, base, buffer.count, off_t(offset))
      if n >= 0 { return n }
      if errno != EINTR { throw SystemCallError(call: "pread", code: errno) }
    }
  }

  /// `count` bytes from byte `offset` (fewer when the file ends first), by as many
  /// `pread(2)` calls as it takes; the file position is not moved.
  /// - Throws: `SystemCallError` with call `pread`.
  /// - Complexity: O(count); one allocation.
  public func read(count: Int, at offset: Int) throws(SystemCallError) -> [UInt8] {
    var failure: SystemCallError?
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      let raw = UnsafeMutableRawBufferPointer(buffer)
      var got = 0
      while got < count {
        let step = Result { () throws(SystemCallError) in
          try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[got...]), at: offset + got)
        }
        guard case .success(let n) = step else {
          if case .failure(let error) = step { failure = error }
          break
        }
        if n == 0 { break }
        got += n
      }
      initialized = got
    }
    if let failure { throw failure }
    return bytes
  }

  // MARK: Locks, sync, size

  /// Takes an exclusive `flock(2)` on the open file, waiting while another holder has it.
  /// Advisory: it excludes only others that also lock; unreliable on NFS.
  /// - Throws: `SystemCallError` with call `flock`.
  public func lockExclusively() throws(SystemCallError) {
    while flock(rawValue, LOCK_EX) != 0 {
      if errno != EINTR { throw SystemCallError(call: "flock", code: errno) }
    }
  }

  /// Releases a `flock` taken through any copy of this descriptor.
  public func unlock() {
    _ = flock(rawValue, LOCK_UN)
  }

  /// `fsync(2)`: when it returns, the file's data and size are on stable storage.
  /// - Throws: `SystemCallError` with call `fsync` (`EINVAL` for a pipe or terminal).
  public func sync() throws(SystemCallError) {
    while fsync(rawValue) != 0 {
      if errno != EINTR { throw SystemCallError(call: "fsync", code: errno) }
    }
  }

  /// Cuts (or extends with zeros) the file to `size` bytes.
  /// - Throws: `SystemCallError` with call `ftruncate`.
  public func truncate(to size: Int) throws(SystemCallError) {
    while ftruncate(rawValue, off_t(size)) != 0 {
      if errno != EINTR { throw SystemCallError(call: "ftruncate", code: errno) }
    }
  }

  /// What `fstat(2)` says about the open file.
  public struct Status: Sendable, Equatable {
    /// Size in bytes.
    public var size: Int
    /// The permission bits (`st_mode & 0o777`).
    public var permissions: mode_t
    /// True for a regular file (not a pipe, terminal, directory or device).
    public var isRegularFile: Bool
    /// True for a directory.
    public var isDirectory: Bool

    init(_ info: stat) {
      let type = info.st_mode & S_IFMT
      size = Int(info.st_size)
      permissions = info.st_mode & 0o777
      isRegularFile = type == S_IFREG
      isDirectory = type == S_IFDIR
    }
  }

  /// The file's size, permissions and type.
  /// - Throws: `SystemCallError` with call `fstat`.
  public func status() throws(SystemCallError) -> Status {
    var info = stat()
    guard fstat(rawValue, &info) == 0 else { throw SystemCallError(call: "fstat", code: errno) }
    return Status(info)
  }

  /// What `stat(2)` says about the file at `path` (symbolic links followed), or nil when
  /// nothing is there (or it cannot be examined).
  public static func status(of path: String) -> Status? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Status(info)
  }

  /// Sets the file's permission bits (`fchmod(2)`).
  /// - Throws: `SystemCallError` with call `fchmod`.
  public func setPermissions(_ permissions: mode_t) throws(SystemCallError) {
    while fchmod(rawValue, permissions) != 0 {
      if errno != EINTR { throw SystemCallError(call: "fchmod", code: errno) }
    }
  }

  // MARK: Directories

  /// The folder holding `path` (`.` for a bare name, `/` for a file at the root).
  public static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let folder = String(path[..<slash])
    return folder.isEmpty ? "/" : folder
  }

  /// `fsync`s the folder holding `path`, so that a file just created or renamed there
  /// survives a crash under its new name. Best effort: failures are ignored, as some
  /// file systems cannot sync a directory.
  public static func syncFolder(of path: String) {
    guard let folder = try? open(folder(of: path), .readOnly, options: .directory) else { return }
    try? folder.sync()
    folder.close()
  }
}
