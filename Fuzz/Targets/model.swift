// Every model format, recognised by content as `glassbox` does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: nil)
  return 0
}
