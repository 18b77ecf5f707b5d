import Dispatch

/// Runs `explainRow` for rows `0..<count` on up to `threads` threads and appends the
/// results to `out` in row order.
///
/// Each row's work must depend only on the row (its random stream included), so the output
/// is the same for any thread count. The first error in row order is rethrown.
/// - Complexity: the rows' own cost, spread over `threads`.
func explainRowsInParallel(
  count: Int, threads: Int, into out: inout [Explanation],
  _ explainRow: @Sendable (Int) throws -> [Explanation]
) throws {
  let workers = max(1, min(threads, count))
  if workers == 1 {
    for r in 0..<count { out += try explainRow(r) }
    return
  }
  let results = UnsafeMutableBufferPointer<Result<[Explanation], Error>?>.allocate(capacity: count)
  results.initialize(repeating: nil)
  defer {
    _ = results.deinitialize()
    results.deallocate()
  }
  nonisolated(unsafe) let slots = results
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    var r = worker
    while r < count {
      slots[r] = Result { try explainRow(r) }
      r += workers
    }
  }
  for r in 0..<count { out += try results[r]!.get() }
}
