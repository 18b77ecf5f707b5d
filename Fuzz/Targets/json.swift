// The JSON parser, and a walk of every value it returns.
import GlassboxData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  if let value = try? JSONParser.parse(FuzzInput.bytes(data, size), path: "fuzz-input") { DocumentWalk.visitAll(value) }
  return 0
}
