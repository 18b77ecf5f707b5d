// CSV reader: headers, quoting, line ends, read-chunk boundaries, then every cell
// encoded as a number with the columns as a numeric schema.
import GlassboxData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  // The first byte picks the read size (1-64 bytes) so records straddle reads.
  let chunk = Int(data[0] % 64) + 1
  return FuzzInput.withFile(data + 1, size - 1) { path in
    guard let source = try? ByteSource(path: path),
      let reader = try? CSVReader(source: source, chunkSize: chunk)
    else { return 0 }
    let schema = FeatureSchema(names: reader.columns)
    let encoder = try? FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    var encoded: [Double] = []
    while let block = try? reader.nextBlock(maxRecords: 7) {
      for r in 0..<block.count {
        for c in 0..<block.columnCount { _ = block.string(r, c) }
        _ = block.rowIndex(r)
      }
      encoded.removeAll(keepingCapacity: true)
      try? encoder?.encode(block, into: &encoded)
      _ = reader.bytesConsumed
    }
    return 0
  }
}
