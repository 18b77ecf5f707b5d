// The xgboost-json loader, forced whatever the content looks like.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelXgboost(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: "xgboost-json")
  return 0
}
