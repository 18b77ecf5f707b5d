// `--instance 'name=value,...'` against the shipped adult card (labels, missing values).
import GlassboxData

let adultSchema = FeatureSchema(names: FuzzInput.adultCard.features.map(\.name), card: FuzzInput.adultCard)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInstance(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let spec = FuzzInput.text(data, size)
  _ = try? FeatureEncoder.instanceBlock(spec, schema: adultSchema)
  _ = try? FeatureEncoder.encode(instance: spec, schema: adultSchema)
  return 0
}
