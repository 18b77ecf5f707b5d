// `--rows` specifications.
import GlassboxData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRows(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard let selection = try? RowSelection(FuzzInput.text(data, size)) else { return 0 }
  _ = selection.count
  _ = selection.contains(selection.last)
  _ = selection.contains(0)
  for range in selection.ranges { _ = selection.contains(range.lowerBound) }
  return 0
}
