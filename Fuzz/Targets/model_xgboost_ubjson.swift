// The xgboost-ubjson loader (UBJSON decoder, then the XGBoost loader), forced whatever the
// content looks like.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelXgboostUBJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: "xgboost-ubjson")
  return 0
}
