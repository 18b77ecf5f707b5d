import GlassboxData
import GlassboxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// An audit log kept in a local file, one line per record: the default store.
///
/// Writers (any number of processes) take an exclusive `flock` on the file for each batch;
/// the file is opened `O_APPEND`, and a batch's lines go out in few `write(2)` calls (the
/// appender hands over about 1 MiB at a time) with whole lines only, unless the disk fills.
/// `commitAppend` `fsync`s before unlocking (group commit: one `fsync` per batch). A write
/// error (a full disk) truncates the file back to its last whole line before the error is
/// thrown. A new file (mode 0640) is made durable by syncing its folder too. A crash
/// mid-batch can leave the last line torn; `removeTornTail` cuts it off after saving the
/// whole file as `<path>.torn-<UTC time>`.
///
/// `write(2)` on a local file is not split by other writers, but may return short on a
/// full disk: the rest is then written by further calls under the same lock. `flock` is
/// advisory and unreliable on NFS: keep logs on a local file system.
public final class FileLogStore: LogStore {
  /// The log file's path.
  public let path: String
  public var location: String { path }
  private var descriptor: FileDescriptor?
  /// The file's end during a batch: where the next `write` goes, and where a failed one
  /// is cut back to.
  private var batchEnd = 0
  private static let chunk = 1 << 16
  private static let readBlock = 1 << 20

  /// The file store's kind: any log argument without a registered prefix is a path.
  public static let kind = LogStoreKind(name: "file", prefix: nil) { path throws(AuditError) in FileLogStore(path: path) }

  /// A store for the file at `path`; nothing is opened until it is used.
  public init(path: String) {
    self.path = path
  }

  deinit {
    descriptor?.close()
  }

  // MARK: Appending

  public func openForAppend() throws(AuditError) {
    guard descriptor == nil else { return }
    var info = stat()
    let existed = stat(path, &info) == 0
    do {
      descriptor = try FileDescriptor.open(path, .readWrite, options: [.append, .create], permissions: 0o640)
    } catch {
      throw .cannotWrite(path: path, reason: error.reason)
    }
    if !existed { FileDescriptor.syncFolder(of: path) }
  }

  public func beginAppend() throws(AuditError) -> LogTail {
    let fd = try openDescriptor()
    do {
      try fd.lockExclusively()
    } catch {
      throw .cannotWrite(path: path, reason: "cannot lock: " + error.reason)
    }
    do {
      let size = try fileSize(fd)
      batchEnd = size
      PendingAppend.begin(fd: fd.rawValue, at: size)
      if size == 0 { return LogTail(lastLine: nil, isTorn: false, end: 0) }
      let (last, isComplete) = try lastLine(fd, size: size)
      if isComplete { return LogTail(lastLine: last, isTorn: false, end: size) }
      // The torn line follows the last whole one, if any.
      let before = size - last.count
      let whole = before == 0 ? nil : try? lastLine(fd, size: before).0
      return LogTail(lastLine: whole, isTorn: true, end: size)
    } catch {
      PendingAppend.end()
      fd.unlock()
      throw error
    }
  }

  public func forEachLine(from start: LogPosition?, to end: LogPosition, _ body: ([UInt8]) -> Void) throws(AuditError) {
    let fd = try openDescriptor()
    var position = start ?? 0
    var carry: [UInt8] = []
    while position < end {
      let buffer = try read(fd, count: min(Self.readBlock, end - position), at: position)
      if buffer.isEmpty { break }
      position += buffer.count
      var lineStart = 0
      while let newline = buffer[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
        if carry.isEmpty {
          body(Array(buffer[lineStart..<newline]))
        } else {
          body(carry + buffer[lineStart..<newline])
          carry.removeAll()
        }
        lineStart = newline + 1
      }
      carry.append(contentsOf: buffer[lineStart...])
    }
  }

  public func write(_ lines: [UInt8]) throws(AuditError) -> LogPosition {
    let fd = try openDescriptor()
    do {
      try fd.writeAll(lines)
    } catch {
      try? fd.truncate(to: batchEnd)
      throw .cannotWrite(path: path, reason: error.reason)
    }
    batchEnd += lines.count
    return batchEnd
  }

  public func commitAppend() throws(AuditError) {
    let fd = try openDescriptor()
    defer {
      PendingAppend.end()
      fd.unlock()
    }
    do {
      try fd.sync()
    } catch {
      throw .cannotWrite(path: path, reason: "fsync: " + error.reason)
    }
  }

  public func abandonAppend() {
    PendingAppend.end()
    descriptor?.unlock()
  }

  public func close() {
    descriptor?.close()
    descriptor = nil
  }

  private func openDescriptor() throws(AuditError) -> FileDescriptor {
    guard let descriptor else { throw .cannotWrite(path: path, reason: "the log is not open for appending") }
    return descriptor
  }

  // MARK: Reading

  /// Reads the file front to back in blocks of 1 MiB.
  /// - Complexity: O(file size) time; memory O(longest line + 1 MiB).
  public func forEachStoredLine(_ body: (LogLine) -> Bool) throws(AuditError) {
    let source: ByteSource
    do {
      source = try ByteSource(path: path)
    } catch {
      throw .cannotRead(path: path, reason: error.description)
    }
    var buffer: [UInt8] = []
    var bufferOffset = 0  // file offset of buffer[0]
    var number = 1
    var atEnd = false
    while !atEnd {
      do {
        atEnd = try source.read(into: &buffer, maximum: Self.readBlock) == 0
      } catch {
        throw .cannotRead(path: path, reason: error.description)
      }
      var start = 0
      while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        let line = LogLine(number: number, offset: bufferOffset + start, bytes: Array(buffer[start..<newline]), isComplete: true)
        guard body(line) else { return }
        number += 1
        start = newline + 1
      }
      if atEnd, start < buffer.count {
        _ = body(LogLine(number: number, offset: bufferOffset + start, bytes: Array(buffer[start...]), isComplete: false))
        return
      }
      buffer.removeFirst(start)
      bufferOffset += start
    }
  }

  // MARK: Repair

  /// Cuts off a torn last line after copying the whole file to `<path>.torn-<UTC time>`
  /// (same permissions, synced), holding the writers' lock throughout.
  public func removeTornTail(approve: () throws(AuditError) -> Void) throws(AuditError) -> TornTailRemoval? {
    let fd: FileDescriptor
    do {
      fd = try FileDescriptor.open(path, .readWrite)
    } catch {
      throw .cannotRead(path: path, reason: error.reason)
    }
    defer { fd.close() }
    do {
      try fd.lockExclusively()
    } catch {
      throw .cannotWrite(path: path, reason: "cannot lock: " + error.reason)
    }
    defer { fd.unlock() }
    let status: FileDescriptor.Status
    do {
      status = try fd.status()
    } catch {
      throw .cannotRead(path: path, reason: error.reason)
    }
    guard status.size > 0 else { return nil }
    let (torn, isComplete) = try lastLine(fd, size: status.size)
    if isComplete { return nil }
    try approve()
    let backup = path + ".torn-" + AuditClock.compact(milliseconds: AuditClock.nowMilliseconds())
    try copy(fd, size: status.size, to: backup, permissions: status.permissions)
    let tornStart = status.size - torn.count
    do {
      try fd.truncate(to: tornStart)
      try fd.sync()
    } catch {
      throw .cannotWrite(path: path, reason: error.reason)
    }
    return TornTailRemoval(removedBytes: torn.count, backup: backup)
  }

  private func copy(_ fd: FileDescriptor, size: Int, to backup: String, permissions: mode_t) throws(AuditError) {
    let out: FileDescriptor
    do {
      out = try FileDescriptor.open(backup, .writeOnly, options: [.create, .exclusive], permissions: permissions)
    } catch {
      throw .cannotWrite(path: backup, reason: error.reason)
    }
    defer { out.close() }
    var offset = 0
    while offset < size {
      let block = try read(fd, count: min(Self.readBlock, size - offset), at: offset)
      if block.isEmpty { break }
      do {
        try out.writeAll(block)
      } catch {
        unlink(backup)
        throw .cannotWrite(path: backup, reason: error.reason)
      }
      offset += block.count
    }
    do {
      try out.sync()
    } catch {
      unlink(backup)
      throw .cannotWrite(path: backup, reason: error.reason)
    }
    FileDescriptor.syncFolder(of: backup)
  }

  // MARK: Bytes

  private func fileSize(_ fd: FileDescriptor) throws(AuditError) -> Int {
    do {
      return try fd.status().size
    } catch {
      throw .cannotRead(path: path, reason: error.reason)
    }
  }

  private func read(_ fd: FileDescriptor, count: Int, at offset: Int) throws(AuditError) -> [UInt8] {
    do {
      return try fd.read(count: count, at: offset)
    } catch {
      throw .cannotRead(path: path, reason: error.reason)
    }
  }

  /// The last line of the first `size` bytes, and whether it ends with `\n`.
  /// - Complexity: O(length of the last line).
  private func lastLine(_ fd: FileDescriptor, size: Int) throws(AuditError) -> ([UInt8], Bool) {
    var end = size
    var buffer = try read(fd, count: 1, at: size - 1)
    let complete = buffer.first == UInt8(ascii: "\n")
    if complete { end -= 1 }
    var collected: [UInt8] = []
    var position = end
    while position > 0 {
      let start = max(0, position - Self.chunk)
      buffer = try read(fd, count: position - start, at: start)
      if let newline = buffer.lastIndex(of: UInt8(ascii: "\n")) {
        collected = Array(buffer[(newline + 1)...]) + collected
        return (collected, complete)
      }
      collected = buffer + collected
      position = start
    }
    return (collected, complete)
  }
}
