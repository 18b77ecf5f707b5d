import Foundation
import GlassboxSystem
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A fresh folder under /tmp, removed at the end of the test.
private final class Scratch {
  let path: String
  init() throws {
    path = NSTemporaryDirectory() + "/glassbox-fd-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
  func file(_ name: String) -> String { path + "/" + name }
}

/// `count` bytes that differ from their neighbours (so a shifted copy is caught).
private func pattern(_ count: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 251) }
}

private func contents(_ path: String) -> [UInt8]? {
  FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

nonisolated(unsafe) private var signalsCaught = 0

@Suite("FileDescriptor: EINTR-safe reads and writes, locks, sync, atomic replacement")
struct FileDescriptorTests {
  @Test func writeAllThenReadBackWholeAndAtOffsets() throws {
    let dir = try Scratch()
    let bytes = pattern(3 << 20 + 17)
    let fd = try FileDescriptor.open(dir.file("data"), .readWrite, options: [.create, .exclusive], permissions: 0o600)
    defer { fd.close() }
    try fd.writeAll(bytes)
    #expect(try fd.status().size == bytes.count)
    #expect(try fd.status().isRegularFile)
    #expect(try fd.read(count: 1000, at: 123_456) == Array(bytes[123_456..<124_456]))
    // Past the end: what there is.
    #expect(try fd.read(count: 100, at: bytes.count - 10) == Array(bytes.suffix(10)))
    #expect(try fd.read(count: 100, at: bytes.count).isEmpty)
    #expect(contents(dir.file("data")) == bytes)

    let reader = try FileDescriptor.open(dir.file("data"), .readOnly)
    defer { reader.close() }
    var back: [UInt8] = []
    var calls = 0
    while try reader.read(appendingTo: &back, maximum: 1 << 20) > 0 { calls += 1 }
    #expect(back == bytes)
    #expect(calls == 4)
  }

  @Test func writeAllCompletesShortWritesOnAPipe() throws {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    let reader = FileDescriptor(rawValue: ends[0])
    let writer = FileDescriptor(rawValue: ends[1])
    // 1 MiB is far more than a pipe holds (64 KiB), so writes return short and block.
    let bytes = pattern(1 << 20)
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: SystemCallError?
    DispatchQueue.global().async {
      do throws(SystemCallError) { try writer.writeAll(bytes) } catch { failure = error }
      writer.close()
      done.signal()
    }
    var back: [UInt8] = []
    while try reader.read(appendingTo: &back, maximum: 1 << 16) > 0 {}
    done.wait()
    reader.close()
    #expect(failure == nil)
    #expect(back == bytes)
  }

  @Test func aReadInterruptedByASignalIsRetried() throws {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    let reader = FileDescriptor(rawValue: ends[0])
    defer {
      reader.close()
      close(ends[1])
    }
    // No SA_RESTART: a blocked read(2) returns EINTR when the signal arrives.
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in signalsCaught += 1 }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    var previous = sigaction()
    #expect(sigaction(SIGUSR2, &action, &previous) == 0)
    signalsCaught = 0
    // The read runs on its own thread with the signal unblocked (pool threads block signals).
    let ready = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var readerThread = pthread_self()
    nonisolated(unsafe) var outcome: Result<[UInt8], SystemCallError> = .success([])
    let thread = Thread {
      var set = sigset_t()
      sigemptyset(&set)
      sigaddset(&set, SIGUSR2)
      pthread_sigmask(SIG_UNBLOCK, &set, nil)
      readerThread = pthread_self()
      ready.signal()
      outcome = Result { () throws(SystemCallError) in
        var bytes: [UInt8] = []
        _ = try reader.read(appendingTo: &bytes, maximum: 16)
        return bytes
      }
      done.signal()
    }
    thread.start()
    ready.wait()
    usleep(200_000)  // the reader is now blocked in read(2)
    pthread_kill(readerThread, SIGUSR2)
    usleep(200_000)
    var byte = UInt8(ascii: "x")
    #expect(write(ends[1], &byte, 1) == 1)
    done.wait()
    #expect(signalsCaught == 1)
    #expect(try outcome.get() == [UInt8(ascii: "x")])
    // Restore the old action only when no signal can still be pending.
    if signalsCaught == 1 { sigaction(SIGUSR2, &previous, nil) } else { signal(SIGUSR2, SIG_IGN) }
  }

  @Test func anExclusiveLockExcludesOtherOpenings() throws {
    let dir = try Scratch()
    let first = try FileDescriptor.open(dir.file("log"), .readWrite, options: .create)
    let second = try FileDescriptor.open(dir.file("log"), .readWrite)
    defer {
      first.close()
      second.close()
    }
    try first.lockExclusively()
    #expect(flock(second.rawValue, LOCK_EX | LOCK_NB) != 0)
    #expect(errno == EWOULDBLOCK)
    first.unlock()
    #expect(flock(second.rawValue, LOCK_EX | LOCK_NB) == 0)
    second.unlock()
  }

  @Test func truncateSyncAndPermissions() throws {
    let dir = try Scratch()
    let fd = try FileDescriptor.open(dir.file("log"), .readWrite, options: [.create, .append], permissions: 0o640)
    defer { fd.close() }
    try fd.writeAll(pattern(100))
    try fd.truncate(to: 40)
    try fd.sync()
    let status = try fd.status()
    #expect(status.size == 40)
    #expect(status.permissions & ~0o640 == 0)  // the umask may remove bits, never add them
    #expect(!status.isDirectory)
    // O_APPEND: the next write goes to the (new) end.
    try fd.writeAll(ArraySlice(pattern(10)))
    #expect(contents(dir.file("log")) == Array(pattern(100).prefix(40)) + pattern(10))
  }

  @Test func failuresNameTheCallAndTheSystemReason() throws {
    let dir = try Scratch()
    #expect(throws: SystemCallError(call: "open", code: ENOENT)) {
      try FileDescriptor.open(dir.file("absent"), .readOnly)
    }
    #expect(SystemCallError(call: "open", code: ENOENT).reason == String(cString: strerror(ENOENT)))
    let fd = try FileDescriptor.open(dir.file("made"), .writeOnly, options: .create)
    fd.close()
    #expect(throws: SystemCallError(call: "open", code: EEXIST)) {
      try FileDescriptor.open(dir.file("made"), .writeOnly, options: [.create, .exclusive])
    }
    let readOnly = try FileDescriptor.open(dir.file("made"), .readOnly)
    defer { readOnly.close() }
    #expect(throws: SystemCallError(call: "write", code: EBADF)) { try readOnly.writeAll([1, 2, 3]) }
    #expect(throws: SystemCallError(call: "open", code: ENOTDIR)) {
      try FileDescriptor.open(dir.file("made"), .readOnly, options: .directory)
    }
  }

  @Test func foldersOfPaths() {
    #expect(FileDescriptor.folder(of: "logs/audit.log") == "logs")
    #expect(FileDescriptor.folder(of: "/var/log/audit.log") == "/var/log")
    #expect(FileDescriptor.folder(of: "audit.log") == ".")
    #expect(FileDescriptor.folder(of: "/audit.log") == "/")
  }

  @Test func anAtomicFileAppearsWholeOnCommitOnly() throws {
    let dir = try Scratch()
    let target = dir.file("out.csv")
    try Data("old\n".utf8).write(to: URL(fileURLWithPath: target))
    let file = try AtomicFile(replacing: target)
    let temporary = try #require(file.temporaryPath)
    try file.descriptor.writeAll(Array("new contents\n".utf8))
    #expect(contents(target) == Array("old\n".utf8))
    #expect(FileManager.default.fileExists(atPath: temporary))
    try file.commit()
    #expect(contents(target) == Array("new contents\n".utf8))
    #expect(!FileManager.default.fileExists(atPath: temporary))

    let abandoned = try AtomicFile(replacing: target)
    let abandonedTemporary = try #require(abandoned.temporaryPath)
    try abandoned.descriptor.writeAll(Array("partial".utf8))
    abandoned.discard()
    #expect(contents(target) == Array("new contents\n".utf8))
    #expect(!FileManager.default.fileExists(atPath: abandonedTemporary))
  }

  @Test func anAtomicFileWhoseRenameFailsLeavesNothingBehind() throws {
    let dir = try Scratch()
    // The target is a non-empty folder: rename(2) cannot replace it.
    let target = dir.file("folder")
    try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
    let file = try AtomicFile(replacing: target)
    let temporary = try #require(file.temporaryPath)
    try file.descriptor.writeAll(Array("x".utf8))
    #expect(throws: SystemCallError.self) { try file.commit() }
    #expect(!FileManager.default.fileExists(atPath: temporary))
  }
}
