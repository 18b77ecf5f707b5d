#if canImport(Glibc)
  import Glibc
#endif

/// Removes a torn last line from a log, after saving the whole file.
///
/// Repair touches nothing else: it refuses when the lines before the torn one do not
/// form a valid chain, because that is tampering or corruption that a person must look
/// at. It holds the writers' lock, so it can run while other processes append.
public enum AuditRepair {
  /// What `repair` did.
  public struct Outcome: Sendable, Equatable {
    /// Bytes removed from the end of the log (0 when nothing needed repair).
    public var removedBytes: Int
    /// The seq the torn line would have had.
    public var seq: Int?
    /// The copy of the log as it was before the repair.
    public var backupPath: String?
  }

  /// Repairs the log at `path`.
  /// - Returns: nothing removed when the log ends with a whole line.
  /// - Throws: `AuditError.notRepairable` when the chain before the torn line is broken;
  ///   `.cannotRead`/`.cannotWrite` for I/O failures (the log is then unchanged).
  /// - Complexity: O(log size): the log is verified and copied.
  public static func repair(path: String) throws(AuditError) -> Outcome {
    let fd = open(path, O_RDWR | O_CLOEXEC)
    guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 {
      if errno != EINTR { throw .cannotWrite(path: path, reason: "cannot lock: " + String(cString: strerror(errno))) }
    }
    defer { flock(fd, LOCK_UN) }
    let lines = try LogFile.readLines(path: path)
    guard let last = lines.last, !last.isComplete else { return Outcome(removedBytes: 0, seq: nil, backupPath: nil) }
    let report = AuditVerifier.verify(lines: Array(lines.dropLast()), publicKey: nil, external: nil)
    if let failure = report.failure {
      throw .notRepairable(
        path: path, problem: "the log is damaged before its torn last line (\(failure.message)); repair only removes a torn last line")
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
    let size = Int(info.st_size)
    let backup = path + ".torn-" + AuditClock.compact(milliseconds: AuditClock.nowMilliseconds())
    try copy(fd: fd, size: size, to: backup, mode: info.st_mode & 0o777, source: path)
    guard ftruncate(fd, off_t(last.offset)) == 0, fsync(fd) == 0 else {
      throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    return Outcome(removedBytes: size - last.offset, seq: last.number, backupPath: backup)
  }

  private static func copy(fd: Int32, size: Int, to backup: String, mode: mode_t, source: String) throws(AuditError) {
    let out = open(backup, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard out >= 0 else { throw .cannotWrite(path: backup, reason: String(cString: strerror(errno))) }
    defer { close(out) }
    var offset = 0
    while offset < size {
      let chunk = try LogFile.pread(fd, offset: offset, count: min(1 << 20, size - offset), path: source)
      if chunk.isEmpty { break }
      var written = 0
      while written < chunk.count {
        let n = chunk.withUnsafeBytes { p in write(out, p.baseAddress! + written, p.count - written) }
        if n < 0 {
          if errno == EINTR { continue }
          let reason = String(cString: strerror(errno))
          unlink(backup)
          throw .cannotWrite(path: backup, reason: reason)
        }
        written += n
      }
      offset += chunk.count
    }
    guard fsync(out) == 0 else {
      unlink(backup)
      throw .cannotWrite(path: backup, reason: String(cString: strerror(errno)))
    }
  }
}
