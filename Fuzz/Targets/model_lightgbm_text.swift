// The lightgbm-text loader, forced whatever the content looks like.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelLightgbmText(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: "lightgbm-text")
  return 0
}
