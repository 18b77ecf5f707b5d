// Model cards: the JSON document and its validation, then a schema built from it.
import GlassboxData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCard(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard let document = try? JSONParser.parse(FuzzInput.bytes(data, size), path: "fuzz-input"),
    let card = try? ModelCard.parse(document, path: "fuzz-input")
  else { return 0 }
  let schema = FeatureSchema(names: card.features.map(\.name), card: card)
  for j in 0..<schema.count {
    _ = schema.displayValue(0, feature: j)
    _ = schema.displayValue(.nan, feature: j)
  }
  return 0
}
