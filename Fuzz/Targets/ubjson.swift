// The UBJSON decoder, and a walk of every value it returns.
import GlassboxData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUBJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard let value = try? UBJSONParser.parse(FuzzInput.bytes(data, size), path: "fuzz-input") else { return 0 }
  var pending = [value]
  while let next = pending.popLast() {
    _ = next.typeName
    if let array = next.array { pending += array }
    if let object = next.object { pending += object.members.map(\.value) }
  }
  return 0
}
