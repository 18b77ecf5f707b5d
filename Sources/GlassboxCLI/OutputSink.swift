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

/// The reader of standard output went away (`glassbox explain ... | head -1`): the run
/// ends quietly with status 141 (128 + SIGPIPE), as a tool killed by SIGPIPE would, so a
/// shell pipeline reads it as usual and `set -o pipefail` still sees that output was cut.
struct OutputClosed: Error {}

/// Where results go: standard output, or a file written under a temporary name and
/// renamed into place only when everything succeeded, so a failed or interrupted run
/// never leaves a partial file that looks complete (see `AtomicFile`: devices and FIFOs
/// are written in place, symbolic links are followed, permissions are kept).
final class OutputSink {
  private let descriptor: FileDescriptor
  /// The file being written, nil for standard output.
  private let file: AtomicFile?
  private var pending: [UInt8] = []
  private var finished = false

  /// Standard output (`path` nil or `-`), or a file.
  init(path: String?) throws {
    guard let path, path != "-" else {
      descriptor = .standardOutput
      file = nil
      return
    }
    do {
      let opened = try AtomicFile(replacing: path)
      file = opened
      descriptor = opened.descriptor
    } catch {
      throw OutputError(message: Self.cannotCreate(path, error), kind: .cannotCreate)
    }
  }

  deinit {
    if !finished { file?.discard() }
  }

  /// Queues `text`; bytes reach the file descriptor in large writes.
  func write(_ text: String) throws {
    pending.append(contentsOf: text.utf8)
    if pending.count >= 1 << 16 { try flush() }
  }

  /// Writes everything queued.
  func flush() throws {
    do {
      try descriptor.writeAll(pending)
    } catch {
      if error.code == EPIPE && file == nil { throw OutputClosed() }
      throw OutputError(message: "writing \(name) failed: \(error.reason.lowercased())", kind: .io)
    }
    pending.removeAll(keepingCapacity: true)
  }

  /// Flushes, syncs and (for a file) renames the temporary file into place.
  func commit() throws {
    try flush()
    guard let file else { return }
    do {
      try file.commit()
    } catch where error.call == "rename" {
      finished = true  // the temporary file is already closed and removed
      throw OutputError(message: "cannot move the output into '\(TerminalSafe.escaped(file.path))': \(error.reason)", kind: .cannotCreate)
    } catch {
      throw OutputError(message: "writing \(name) failed: \(error.reason.lowercased())", kind: .io)
    }
    finished = true
  }
}

extension OutputSink {
  /// How messages name the output: `'phi.csv'` or standard output.
  private var name: String { file.map { "'\(TerminalSafe.escaped($0.path))'" } ?? "standard output" }

  /// The message for a file that could not be created: its cause, with advice only when
  /// the cause is the folder (missing, not writable, read-only).
  static func cannotCreate(_ path: String, _ error: SystemCallError) -> String {
    let text = "cannot create '\(TerminalSafe.escaped(path))': \(error.reason)"
    switch error.code {
    case ENOENT, ENOTDIR, EACCES, EPERM, EROFS: return text + "; check that its folder exists and is writable"
    default: return text
    }
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
