import GlassboxSystem
import GlassboxData
import GlassboxPipeline

#if canImport(Glibc)
  import Glibc
#endif

/// Failures writing output.
struct OutputError: UserFacingError {
  let message: String
  let kind: FailureKind
  var description: String { message }
}

/// Where results go: standard output, or a file written under a temporary name and
/// renamed into place only when everything succeeded, so a failed or interrupted run
/// never leaves a partial file that looks complete.
final class OutputSink {
  private let fd: Int32
  private let finalPath: String?
  private let temporaryPath: String?
  private var pending: [UInt8] = []
  private var finished = false

  /// Standard output (`path` nil or `-`), or a file.
  init(path: String?) throws {
    guard let path, path != "-" else {
      fd = 1
      finalPath = nil
      temporaryPath = nil
      return
    }
    let temporary = path + ".tmp-\(getpid())"
    let opened = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard opened >= 0 else {
      throw OutputError(
        message: "cannot create '\(path)': \(String(cString: strerror(errno))); check that its folder exists and is writable",
        kind: .cannotCreate)
    }
    fd = opened
    finalPath = path
    temporaryPath = temporary
  }

  deinit {
    if !finished, let temporaryPath {
      close(fd)
      unlink(temporaryPath)
    }
  }

  /// Queues `text`; bytes reach the file descriptor in large writes.
  func write(_ text: String) throws {
    pending.append(contentsOf: text.utf8)
    if pending.count >= 1 << 16 { try flush() }
  }

  /// Writes everything queued.
  func flush() throws {
    var offset = 0
    while offset < pending.count {
      let n = pending.withUnsafeBytes { p in Glibc.write(fd, p.baseAddress! + offset, p.count - offset) }
      if n < 0 {
        if errno == EINTR { continue }
        if errno == EPIPE { throw OutputError(message: "output closed early (broken pipe)", kind: .io) }
        throw OutputError(message: "writing output failed: \(String(cString: strerror(errno)))", kind: .io)
      }
      offset += n
    }
    pending.removeAll(keepingCapacity: true)
  }

  /// Flushes, syncs and (for a file) renames the temporary file into place.
  func commit() throws {
    try flush()
    guard let finalPath, let temporaryPath else { return }
    guard fsync(fd) == 0 || errno == EINVAL else {
      throw OutputError(message: "syncing '\(finalPath)' failed: \(String(cString: strerror(errno)))", kind: .io)
    }
    close(fd)
    guard rename(temporaryPath, finalPath) == 0 else {
      unlink(temporaryPath)
      throw OutputError(message: "cannot move the output into '\(finalPath)': \(String(cString: strerror(errno)))", kind: .cannotCreate)
    }
    finished = true
  }
}

extension OutputSink: TextOutput {
  /// Removes the regular file at `path` if there is one (a stale companion file of an
  /// earlier run, such as FILE.rejects.csv); anything else is left alone.
  static func removeStale(_ path: String) {
    var info = stat()
    if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { unlink(path) }
  }
}
