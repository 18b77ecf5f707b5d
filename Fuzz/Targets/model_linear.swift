// The glassbox-linear loader, forced whatever the content looks like.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelLinear(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: "glassbox-linear")
  return 0
}
