#if canImport(Glibc)
  import Glibc
#endif

/// A file written under a temporary name and renamed into place by `commit()`, so that
/// readers see either the old file or the complete new one, never a partial one.
///
/// `commit()` syncs the data, renames, then syncs the folder (so the rename itself
/// survives a crash). Without `commit()`, `discard()` removes the temporary file.
///
/// What is at the path decides how it is written:
/// - nothing, or a regular file: a temporary file beside it, created exclusively
///   (`O_CREAT|O_EXCL|O_NOFOLLOW`, so a planted file or link is never followed or reused)
///   and renamed over it; an existing file's permission bits are kept;
/// - a symbolic link: the file it points to is replaced (the link stays a link);
/// - a device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe): written in place, with no
///   temporary file and no rename, as a plain redirection would.
///
/// While the temporary file exists its path is registered with `TemporaryFiles`, so a
/// termination signal removes it (see `TerminationSignals`).
public struct AtomicFile: Sendable {
  /// Where the file ends up: the given path with symbolic links followed.
  public let path: String
  /// Where it is written until `commit()` (`<path>.tmp-<process id>`, with `-<n>` added
  /// when that name is taken), or nil when the file is written in place.
  public let temporaryPath: String?
  /// The file being written.
  public let descriptor: FileDescriptor
  /// The temporary file's slot in the signal-cleanup table, if it got one.
  private let slot: Int?

  /// How many `-<n>` suffixes are tried when the temporary name is taken.
  static let nameAttempts = 100

  /// Opens the file to write: a fresh temporary file next to `path` (see the type's notes),
  /// or `path` itself when it is a device or FIFO. `permissions` apply to a new file (less
  /// the umask); an existing file's permission bits are kept.
  /// - Throws: `SystemCallError` with call `open` (or `fchmod`).
  public init(replacing path: String, permissions: mode_t = 0o644) throws(SystemCallError) {
    let target = Self.followingLinks(path)
    self.path = target
    if let existing = FileDescriptor.status(of: target), !existing.isRegularFile, !existing.isDirectory {
      descriptor = try FileDescriptor.open(target, .writeOnly)
      temporaryPath = nil
      slot = nil
      return
    }
    let base = target + ".tmp-\(getpid())"
    var attempt = 0
    var opened: (FileDescriptor, String, Int?)?
    while opened == nil {
      let candidate = attempt == 0 ? base : base + "-\(attempt)"
      // Registered before it exists, so that no signal can come between its creation and
      // its registration and leave it behind.
      let candidateSlot = TemporaryFiles.register(candidate, target: path)
      do {
        opened = (
          try FileDescriptor.open(
            candidate, .writeOnly, options: [.create, .exclusive, .noFollow], permissions: permissions),
          candidate, candidateSlot
        )
      } catch {
        TemporaryFiles.unregister(candidateSlot)
        guard error.code == EEXIST && attempt + 1 < Self.nameAttempts else { throw error }
        attempt += 1
      }
    }
    let (created, temporary, createdSlot) = opened!
    if let existing = FileDescriptor.status(of: target), existing.isRegularFile {
      do {
        try created.setPermissions(existing.permissions)
      } catch {
        created.close()
        unlink(temporary)
        TemporaryFiles.unregister(createdSlot)
        throw error
      }
    }
    descriptor = created
    temporaryPath = temporary
    slot = createdSlot
  }

  /// Syncs, closes and renames the temporary file to `path`, then syncs the folder. A file
  /// system that cannot sync (`EINVAL`) does not stop the rename. A device or FIFO written
  /// in place is just closed.
  /// - Throws: `SystemCallError` with call `fsync` (the temporary file is kept for
  ///   `discard()`) or `rename` (the temporary file is closed and removed).
  public func commit() throws(SystemCallError) {
    guard let temporaryPath else {
      descriptor.close()  // a device or FIFO: nothing to sync
      return
    }
    do {
      try descriptor.sync()
    } catch {
      if error.code != EINVAL { throw error }
    }
    descriptor.close()
    guard rename(temporaryPath, path) == 0 else {
      let failure = SystemCallError(call: "rename", code: errno)
      unlink(temporaryPath)
      TemporaryFiles.unregister(slot)
      throw failure
    }
    TemporaryFiles.unregister(slot)
    FileDescriptor.syncFolder(of: path)
  }

  /// Closes and removes the temporary file (for a write that failed before `commit()`).
  public func discard() {
    descriptor.close()
    guard let temporaryPath else { return }
    unlink(temporaryPath)
    TemporaryFiles.unregister(slot)
  }

  /// `path` with symbolic links in its last component followed (up to 40 links, as the
  /// kernel does); a dangling link gives the path it points to, which is then created.
  /// - Complexity: one `readlink(2)` per link.
  static func followingLinks(_ path: String) -> String {
    var current = path
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    for _ in 0..<40 {
      let n = readlink(current, &buffer, buffer.count - 1)
      guard n > 0 else { return current }
      let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      current = link.hasPrefix("/") ? link : FileDescriptor.folder(of: current) + "/" + link
    }
    return current
  }
}
