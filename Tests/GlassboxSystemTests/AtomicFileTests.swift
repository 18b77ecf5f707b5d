import Foundation
import GlassboxSystem
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A fresh folder under /tmp, removed at the end of the test.
private final class Folder {
  let path: String
  init() throws {
    path = NSTemporaryDirectory() + "/glassbox-atomic-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
  func file(_ name: String) -> String { path + "/" + name }
  func text(_ name: String) -> String? {
    FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) }
  }
  func write(_ name: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
  }
}

/// `lstat`'s file type bits for `path`.
private func fileType(_ path: String) -> mode_t? {
  var info = stat()
  return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
}

@Suite struct AtomicFileTests {
  @Test func aSymbolicLinkIsFollowedAndKept() throws {
    let folder = try Folder()
    try folder.write("real.csv", "old\n")
    try FileManager.default.createSymbolicLink(atPath: folder.file("link.csv"), withDestinationPath: "real.csv")
    let file = try AtomicFile(replacing: folder.file("link.csv"))
    #expect(file.path == folder.file("real.csv"))
    try file.descriptor.writeAll(Array("new\n".utf8))
    try file.commit()
    #expect(fileType(folder.file("link.csv")) == S_IFLNK)
    #expect(folder.text("real.csv") == "new\n")
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["real.csv", "link.csv"])
  }

  @Test func aDanglingLinkCreatesItsTarget() throws {
    let folder = try Folder()
    try FileManager.default.createSymbolicLink(atPath: folder.file("link.csv"), withDestinationPath: "made.csv")
    let file = try AtomicFile(replacing: folder.file("link.csv"))
    try file.descriptor.writeAll(Array("x".utf8))
    try file.commit()
    #expect(fileType(folder.file("link.csv")) == S_IFLNK)
    #expect(folder.text("made.csv") == "x")
  }

  @Test func anExistingFileKeepsItsPermissions() throws {
    let folder = try Folder()
    try folder.write("secret.csv", "old\n")
    #expect(chmod(folder.file("secret.csv"), 0o600) == 0)
    let file = try AtomicFile(replacing: folder.file("secret.csv"))
    try file.descriptor.writeAll(Array("new\n".utf8))
    try file.commit()
    let after = try #require(FileDescriptor.status(of: folder.file("secret.csv")))
    #expect(after.permissions == 0o600)
    #expect(folder.text("secret.csv") == "new\n")
  }

  @Test func aFIFOIsWrittenInPlace() throws {
    let folder = try Folder()
    let fifo = folder.file("pipe")
    #expect(mkfifo(fifo, 0o600) == 0)
    // Opening a FIFO for writing waits for a reader: read it on another thread.
    nonisolated(unsafe) var received = Data()
    let reader = Thread {
      guard let input = try? FileDescriptor.open(fifo, .readOnly) else { return }
      var bytes: [UInt8] = []
      while let n = try? input.read(appendingTo: &bytes, maximum: 4096), n > 0 {}
      input.close()
      received = Data(bytes)
    }
    reader.start()
    let file = try AtomicFile(replacing: fifo)
    #expect(file.temporaryPath == nil)
    try file.descriptor.writeAll(Array("through the pipe\n".utf8))
    try file.commit()
    while !reader.isFinished { usleep(1000) }
    #expect(String(decoding: received, as: UTF8.self) == "through the pipe\n")
    #expect(fileType(fifo) == S_IFIFO)
  }

  @Test func aDeviceIsWrittenInPlace() throws {
    let file = try AtomicFile(replacing: "/dev/null")
    #expect(file.temporaryPath == nil)
    try file.descriptor.writeAll(Array("discarded".utf8))
    try file.commit()
    #expect(fileType("/dev/null") == S_IFCHR)
  }

  @Test func aPlantedLinkAtTheTemporaryNameIsNotFollowed() throws {
    let folder = try Folder()
    try folder.write("victim", "untouched\n")
    // The first temporary name this process would use, planted as a link to the victim.
    let planted = folder.file("out.csv.tmp-\(getpid())")
    try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: folder.file("victim"))
    let file = try AtomicFile(replacing: folder.file("out.csv"))
    #expect(file.temporaryPath == planted + "-1")
    try file.descriptor.writeAll(Array("output\n".utf8))
    try file.commit()
    #expect(folder.text("victim") == "untouched\n")
    #expect(folder.text("out.csv") == "output\n")
    #expect(fileType(planted) == S_IFLNK)
  }

  @Test func aFileAtTheTemporaryNameIsNotReused() throws {
    let folder = try Folder()
    let planted = folder.file("out.csv.tmp-\(getpid())")
    try folder.write("out.csv.tmp-\(getpid())", "someone else's\n")
    let file = try AtomicFile(replacing: folder.file("out.csv"))
    try file.descriptor.writeAll(Array("mine\n".utf8))
    file.discard()
    #expect(folder.text("out.csv.tmp-\(getpid())") == "someone else's\n")
    #expect(FileManager.default.fileExists(atPath: planted))
    #expect(folder.text("out.csv") == nil)
  }
}
