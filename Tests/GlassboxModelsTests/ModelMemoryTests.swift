import GlassboxSystem
import GlassboxTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@testable import GlassboxModels

/// A model file too large for the memory left is refused before it is read (issue #18,
/// item 7), with exit 69 and the sizes in the message.
@Suite struct ModelMemoryTests {
  let model = fixturesDirectory + "/trees/xgb-regression/model.json"

  @Test func aFileThatWouldNotFitIsRefusedWithItsSizes() throws {
    let size = try #require(FileBytes.size(model))
    let needed = size * ModelLoader.loadingBytesPerFileByte
    // Just enough memory: loads; one byte less: refused.
    try ModelLoader.checkMemory(path: model, available: needed)
    do {
      try ModelLoader.checkMemory(path: model, available: needed - 1)
      Issue.record("expected tooLarge")
    } catch let error as ModelError {
      #expect(error == .tooLarge(path: model, fileBytes: size, neededBytes: needed, availableBytes: needed - 1))
      #expect(error.kind == .unavailable)
      #expect(error.description.contains("needs about"))
      #expect(error.description.hasSuffix("free memory, or run on a larger machine"))
    }
    // Unknown available memory, or a path that is not a regular file: the loader decides.
    try ModelLoader.checkMemory(path: model, available: nil)
    try ModelLoader.checkMemory(path: "/dev/null", available: 0)
  }

  @Test func megabytesRoundToTheNearest() {
    #expect(ModelError.megabytes(1_499_999) == "1 MB")
    #expect(ModelError.megabytes(1_500_000) == "2 MB")
    #expect(ModelError.megabytes(Int.max).hasSuffix(" MB"))
  }

  @Test func thisMachineReportsItsAvailableMemory() throws {
    let bytes = try #require(AvailableMemory.bytes())
    #expect(bytes > 0)
  }
}

enum FileBytes {
  static func size(_ path: String) -> Int? {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : nil
  }
}
