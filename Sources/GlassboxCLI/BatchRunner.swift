import Dispatch
import GlassboxAudit
import GlassboxData
import GlassboxExplainers

/// Streams a CSV through encoder, explainer and renderer on several threads, writing
/// results in input order.
///
/// Blocks of records are read on the calling thread; each round hands up to
/// `2 × threads` blocks to `threads` workers, which encode, explain and render them
/// independently, and the results are written in block order. Memory is bounded by one
/// round of blocks, whatever the input's size; output does not depend on `threads`.
struct BatchRunner {
  let reader: CSVReader
  let encoder: FeatureEncoder
  let explainer: any Explainer
  let selection: RowSelection?
  let idColumn: Int?
  let classFilter: Int?
  let threads: Int
  let blockSize: Int
  let render: @Sendable ([Explanation]) -> String
  /// Receives each block's audit records, in input order, right after its output (the
  /// records are built by the workers, with the block's explanations).
  var audit: AuditTrail? = nil

  /// Runs to the end of input (or past the last selected row).
  /// - Returns: the number of rows explained.
  /// - Throws: the first error in input order (a bad cell names its line and column).
  func run(into sink: OutputSink, progress: ProgressLine) throws -> Int {
    var explained = 0
    let roundSize = max(2, threads * 2)
    let featureCount = encoder.schema.count
    var done = false
    while !done {
      var blocks: [CSVBlock] = []
      while blocks.count < roundSize {
        if let last = selection?.last, let previous = blocks.last, previous.rowIndex(previous.count - 1) >= last {
          done = true  // past the last selected row: stop reading
          break
        }
        guard let block = try reader.nextBlock(maxRecords: blockSize) else {
          done = true
          break
        }
        blocks.append(block)
        // A short block means the reader had no more bytes at hand (a pipe between
        // lines): process now rather than wait, so each line's output flows at once.
        if block.count < blockSize { break }
      }
      if let last = selection?.last, let previous = blocks.last, previous.rowIndex(previous.count - 1) >= last {
        done = true
      }
      if blocks.isEmpty { break }
      let results = UnsafeMutableBufferPointer<Result<(String, Int, [[UInt8]]), Error>?>.allocate(capacity: blocks.count)
      results.initialize(repeating: nil)
      defer {
        _ = results.deinitialize()
        results.deallocate()
      }
      let work = blocks
      let workers = min(threads, work.count)
      let processor = BlockProcessor(
        encoder: encoder, explainer: explainer, selection: selection, idColumn: idColumn,
        classFilter: classFilter, render: render, auditBuilder: audit?.builder)
      nonisolated(unsafe) let slots = results
      DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var encoded: [Double] = []
        var index = worker
        while index < work.count {
          slots[index] = Result { try processor.process(work[index], featureCount: featureCount, encoded: &encoded) }
          index += workers
        }
      }
      for k in 0..<work.count {
        let (text, count, records) = try results[k]!.get()
        try sink.write(text)
        try audit?.append(bodies: records)
        explained += count
      }
      try sink.flush()
      if let last = blocks.last {
        progress.update(rows: last.rowIndex(last.count - 1) + 1, bytes: reader.bytesConsumed, totalBytes: reader.totalBytes)
      }
    }
    return explained
  }

}

/// The per-block work of a batch: select, encode, explain, render. Pure apart from its
/// inputs, so blocks can be processed on any thread in any order.
struct BlockProcessor: Sendable {
  let encoder: FeatureEncoder
  let explainer: any Explainer
  let selection: RowSelection?
  let idColumn: Int?
  let classFilter: Int?
  let render: @Sendable ([Explanation]) -> String
  /// Builds the block's audit records, when auditing.
  let auditBuilder: AuditRecordBuilder?

  func process(_ block: CSVBlock, featureCount: Int, encoded: inout [Double]) throws -> (String, Int, [[UInt8]]) {
    var keep: [Int] = []
    keep.reserveCapacity(block.count)
    for r in 0..<block.count where selection?.contains(block.rowIndex(r)) ?? true { keep.append(r) }
    if keep.isEmpty { return ("", 0, []) }
    encoded.removeAll(keepingCapacity: true)
    if keep.count == block.count {
      try encoder.encode(block, into: &encoded)
    } else {
      encoded = [Double](repeating: 0, count: keep.count * featureCount)
      try encoded.withUnsafeMutableBufferPointer { p in
        for (i, r) in keep.enumerated() {
          try encoder.encode(block, record: r, into: UnsafeMutableBufferPointer(rebasing: p[(i * featureCount)..<((i + 1) * featureCount)]))
        }
      }
    }
    var explanations: [Explanation] = []
    explanations.reserveCapacity(keep.count)
    let rowIndices = keep.map { block.rowIndex($0) }
    let ids = idColumn.map { column in keep.map { block.string($0, column) } }
    try encoded.withUnsafeBufferPointer { p in
      if let stochastic = explainer as? any StochasticExplainer {
        let streams = ids.map { $0.map(RowStream.forID) } ?? rowIndices.map(RowStream.forRow)
        try stochastic.explain(p, count: keep.count, rowIndices: rowIndices[...], streams: streams[...], into: &explanations)
      } else {
        try explainer.explain(p, count: keep.count, rowIndices: rowIndices[...], into: &explanations)
      }
    }
    if let ids {
      var byRow: [Int: String] = [:]
      for (i, r) in rowIndices.enumerated() { byRow[r] = ids[i] }
      for i in explanations.indices { explanations[i].id = byRow[explanations[i].row] }
    }
    if let classFilter { explanations.removeAll { ($0.output ?? 0) != classFilter } }
    return (render(explanations), keep.count, auditBuilder?.bodies(explanations) ?? [])
  }
}
