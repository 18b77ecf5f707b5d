// The UBJSON decoder, and a walk of every value it returns.
import GlassboxData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUBJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  if let value = try? UBJSONParser.parse(FuzzInput.bytes(data, size), path: "fuzz-input") { DocumentWalk.visitAll(value) }
  return 0
}
