import Foundation
import Testing

@testable import GlassboxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A batch appended under `PendingAppend` lands whole or not at all when a signal ends the
/// process: the handler's roll-back cuts the file to its size before the batch.
@Suite struct PendingAppendTests {
  private func size(_ fd: Int32) -> Int {
    var info = stat()
    return fstat(fd, &info) == 0 ? Int(info.st_size) : -1
  }

  @Test func aPendingBatchIsCutBackAndACommittedOneIsKept() throws {
    let path = NSTemporaryDirectory() + "/glassbox-pending-\(UUID().uuidString).jsonl"
    defer { unlink(path) }
    let fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0o600)
    try #require(fd >= 0)
    defer { close(fd) }
    let first = Array("{\"seq\":1}\n".utf8)
    #expect(write(fd, first, first.count) == first.count)

    // A batch begins after the first line, writes a line and a half, and is interrupted.
    PendingAppend.begin(fd: fd, at: size(fd))
    let torn = Array("{\"seq\":2}\n{\"seq\":".utf8)
    #expect(write(fd, torn, torn.count) == torn.count)
    #expect(PendingAppend.rollBack())
    #expect(size(fd) == first.count)

    // A finished batch is not touched by a later signal.
    PendingAppend.begin(fd: fd, at: size(fd))
    let whole = Array("{\"seq\":2}\n".utf8)
    #expect(write(fd, whole, whole.count) == whole.count)
    PendingAppend.end()
    #expect(!PendingAppend.rollBack())
    #expect(size(fd) == first.count + whole.count)
  }
}
