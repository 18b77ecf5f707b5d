// The catboost-json loader, forced whatever the content looks like.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelCatboost(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: "catboost-json")
  return 0
}
