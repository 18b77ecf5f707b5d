import GlassboxData

#if canImport(Glibc)
  import Glibc
#endif

/// Appends records to an audit log so that any number of processes keep one hash chain.
///
/// Protocol, per batch of records:
/// 1. take an exclusive `flock` on the log (other glassbox writers wait);
/// 2. read the last line: its `seq` and SHA-256 continue the chain; a last line without
///    a line end (a torn write) stops the writer with `AuditError.tornTail`;
/// 3. write the records, chain fields first, whole lines only: several lines go out in
///    one `write(2)` of at most about 1 MiB (the file is opened `O_APPEND`), and no line is
///    split between calls unless the disk fills; with a signing key, write a signed
///    checkpoint after every `checkpointEvery` records of this process;
/// 4. `fsync`, then unlock.
///
/// Durability: when `append` returns, its records are on stable storage (group commit:
/// one `fsync` per batch). A crash before that loses at most the batch in flight, and
/// can leave its last line torn; `verify` reports that line and `repair` removes it,
/// keeping a backup. A write error (a full disk) truncates the log back to its last
/// whole record before the error is thrown. `write(2)` on a local file is not split by
/// other writers, but may return short on a full disk: the rest is then written by
/// further calls under the same lock. `flock` is advisory and unreliable on NFS: keep
/// logs on a local file system.
public final class AuditAppender {
  public let path: String
  private let fd: Int32
  private let signingKey: AuditSigningKey?
  private let checkpointEvery: Int
  private var frontier = MerkleFrontier()
  private var scannedOffset = 0
  private var scannedRecords = 0
  private var sinceCheckpoint = 0
  /// Records (not checkpoints) this appender has written.
  public private(set) var recordsWritten = 0
  /// Checkpoints this appender has written.
  public private(set) var checkpointsWritten = 0
  private var closed = false
  /// Lines chained but not yet written, and the file offset they start at.
  private var pending: [UInt8] = []
  private var pendingStart = 0
  private static let flushThreshold = 1 << 20

  /// Opens (or creates, mode 0640) the log at `path` for appending.
  /// - Parameters:
  ///   - signingKey: signs a checkpoint every `checkpointEvery` records and at `close()`.
  ///   - checkpointEvery: records between checkpoints (at least 1).
  /// - Throws: `AuditError.cannotWrite`.
  public init(path: String, signingKey: AuditSigningKey? = nil, checkpointEvery: Int = 1000) throws(AuditError) {
    precondition(checkpointEvery >= 1, "checkpointEvery must be at least 1")
    self.path = path
    self.signingKey = signingKey
    self.checkpointEvery = checkpointEvery
    var info = stat()
    let existed = stat(path, &info) == 0
    fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
    guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    if !existed { Self.syncDirectory(of: path) }
  }

  deinit {
    if !closed { Glibc.close(fd) }
  }

  /// Appends one record per body (from `AuditRecordBuilder.body`), in order.
  /// - Throws: `AuditError.tornTail` when the log ends in a torn line,
  ///   `.malformedLine` when its last line is not a record, `.cannotWrite`.
  /// - Complexity: O(total bytes written), plus, with a signing key, reading what other
  ///   processes appended since this appender last looked (the whole log the first time).
  public func append(_ bodies: [[UInt8]]) throws(AuditError) {
    if bodies.isEmpty { return }
    try locked { tail throws(AuditError) in
      for body in bodies {
        try write(body, tail: &tail)
        recordsWritten += 1
        sinceCheckpoint += 1
        if signingKey != nil, sinceCheckpoint >= checkpointEvery { try writeCheckpoint(tail: &tail) }
      }
    }
  }

  /// Writes the closing checkpoint (with a signing key, when records were written since
  /// the last one) and closes the file.
  public func close() throws(AuditError) {
    guard !closed else { return }
    if signingKey != nil, sinceCheckpoint > 0 {
      try locked { tail throws(AuditError) in try writeCheckpoint(tail: &tail) }
    }
    closed = true
    Glibc.close(fd)
  }

  /// The chain state under the lock: the next seq, the previous line's hash, the file's end.
  struct Tail {
    var seq: Int
    var previous: [UInt8]
    var end: Int
  }

  private func locked(_ body: (inout Tail) throws(AuditError) -> Void) throws(AuditError) {
    while flock(fd, LOCK_EX) != 0 {
      if errno != EINTR { throw .cannotWrite(path: path, reason: "cannot lock: " + String(cString: strerror(errno))) }
    }
    defer { flock(fd, LOCK_UN) }
    var tail = try readTail()
    pending.removeAll(keepingCapacity: true)
    pendingStart = tail.end
    try body(&tail)
    try flush()
    guard fsync(fd) == 0 else { throw .cannotWrite(path: path, reason: "fsync: " + String(cString: strerror(errno))) }
  }

  private func readTail() throws(AuditError) -> Tail {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
    let size = Int(info.st_size)
    if size == 0 { return Tail(seq: 1, previous: [], end: 0) }
    let (lastLine, isComplete) = try LogFile.lastLine(fd: fd, size: size, path: path)
    if !isComplete {
      // The torn line follows the last whole one; name its seq.
      let before = size - lastLine.count
      let previousSeq = before == 0 ? 0 : ((try? LogFile.lastLine(fd: fd, size: before, path: path)).flatMap { LogFile.seq(of: $0.0) } ?? 0)
      throw .tornTail(path: path, seq: previousSeq + 1)
    }
    guard let seq = LogFile.seq(of: lastLine) else {
      throw .malformedLine(path: path, line: 0, problem: "the last line has no seq")
    }
    if signingKey != nil { try catchUp(to: size) }
    return Tail(seq: seq + 1, previous: AuditSchema.sha256(lastLine), end: size)
  }

  /// Adds the lines between `scannedOffset` and `size` (written by anyone) to the frontier.
  private func catchUp(to size: Int) throws(AuditError) {
    guard scannedOffset < size else { return }
    try LogFile.forEachLine(fd: fd, from: scannedOffset, to: size, path: path) { line in
      frontier.append(AuditSchema.sha256(line))
      if !LogFile.isCheckpoint(line) { scannedRecords += 1 }
    }
    scannedOffset = size
  }

  private func write(_ body: [UInt8], tail: inout Tail) throws(AuditError) {
    var line: [UInt8] = []
    line.reserveCapacity(body.count + 128)
    line.append(contentsOf: "{\"schema\":\"\(AuditSchema.name)\",\"seq\":\(tail.seq),\"prev_hash\":\"".utf8)
    if tail.previous.isEmpty {
      line.append(contentsOf: AuditSchema.genesisHash.utf8)
    } else {
      line.append(contentsOf: "sha256:".utf8)
      AuditSchema.appendHex(tail.previous, to: &line)
    }
    line.append(contentsOf: "\",".utf8)
    line.append(contentsOf: body)
    let hash = AuditSchema.sha256(line)
    line.append(UInt8(ascii: "\n"))
    if pending.count + line.count > Self.flushThreshold { try flush() }
    pending.append(contentsOf: line)
    if signingKey != nil, scannedOffset == tail.end {
      frontier.append(hash)
      if !LogFile.isCheckpoint(line) { scannedRecords += 1 }
      scannedOffset += line.count
    }
    tail.seq += 1
    tail.previous = hash
    tail.end += line.count
  }

  private func writeCheckpoint(tail: inout Tail) throws(AuditError) {
    guard let signingKey else { return }
    try flush()
    try catchUp(to: tail.end)
    let checkpoint = Checkpoint.signed(
      treeSize: frontier.count, records: scannedRecords, root: frontier.root,
      milliseconds: AuditClock.nowMilliseconds(), key: signingKey)
    try write(checkpoint.body(), tail: &tail)
    sinceCheckpoint = 0
    checkpointsWritten += 1
  }

  /// Writes the pending lines, one `write(2)` unless it returns short; on failure the
  /// file is cut back to where they start, so the log ends with a whole record.
  private func flush() throws(AuditError) {
    var offset = 0
    while offset < pending.count {
      let n = pending.withUnsafeBytes { p in Glibc.write(fd, p.baseAddress! + offset, p.count - offset) }
      if n < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno))
        _ = ftruncate(fd, off_t(pendingStart))
        pending.removeAll(keepingCapacity: true)
        throw .cannotWrite(path: path, reason: reason)
      }
      offset += n
    }
    pendingStart += pending.count
    pending.removeAll(keepingCapacity: true)
  }

  private static func syncDirectory(of path: String) {
    let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    let dfd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY)
    if dfd >= 0 {
      _ = fsync(dfd)
      Glibc.close(dfd)
    }
  }
}
