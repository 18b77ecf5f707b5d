// The lightgbm-dump-json loader, forced whatever the content looks like.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelLightgbmDump(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: "lightgbm-dump-json")
  return 0
}
