// The onnx-trees loader (swift-protobuf decoding, then the graph and tree checks), forced
// whatever the content looks like.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelOnnx(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  ModelFuzzing.run(FuzzInput.bytes(data, size), formatName: "onnx-trees")
  return 0
}
