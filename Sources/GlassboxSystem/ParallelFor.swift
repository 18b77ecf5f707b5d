import Dispatch

// The one parallel loop of glassbox: every module that spreads work over threads uses these
// functions, so the unsafe sharing of an output buffer between workers is written once, here.

/// Runs `body(i)` for every `i` in `0..<count` on up to `threads` workers.
///
/// Worker `w` of `n = min(threads, count)` takes the indices `w, w + n, w + 2n, …`; with one
/// worker the indices run in order on the calling thread. `body` must make each index's work
/// depend on the index alone; then the outcome does not depend on `threads`.
///
/// Up to as many workers as cores run on Dispatch's shared threads. More workers than cores
/// are asked for when they mostly wait (rows explained through a model server): then every
/// worker gets a thread of its own (`runWorkers`), so all of them run at once.
///
/// When calls throw, the error of the lowest throwing index is rethrown once every worker
/// has finished (with one worker, the loop stops at the first error, which is the same one).
/// - Complexity: `count` calls of `body`, spread over `min(threads, count)` threads.
public func parallelFor<Failure: Error>(
  _ count: Int, threads: Int, _ body: @Sendable (Int) throws(Failure) -> Void
) throws(Failure) {
  let workers = max(1, min(threads, count))
  if workers == 1 {
    for i in 0..<max(0, count) { try body(i) }
    return
  }
  let failures = IndexedSlots<Failure>(count: count)
  @Sendable func worker(_ w: Int) {
    var i = w
    while i < count {
      do throws(Failure) {
        try body(i)
      } catch {
        failures.write(error, at: i)
      }
      i += workers
    }
  }
  if workers > onlineCores {
    runWorkers(workers, worker)
  } else {
    DispatchQueue.concurrentPerform(iterations: workers, execute: worker)
  }
  if let first = failures.firstWritten() { throw first }
}

/// `transform(i)` for every `i` in `0..<count`, in index order, computed on up to `threads`
/// workers as `parallelFor` schedules them; the result does not depend on `threads` when
/// each index's work depends on the index alone.
///
/// When calls throw, the error of the lowest throwing index is rethrown.
/// - Complexity: `count` calls of `transform`, spread over `min(threads, count)` threads;
///   O(count) memory besides the results.
public func parallelMap<Element: Sendable, Failure: Error>(
  _ count: Int, threads: Int, _ transform: @Sendable (Int) throws(Failure) -> Element
) throws(Failure) -> [Element] {
  let workers = max(1, min(threads, count))
  if workers == 1 {
    var out: [Element] = []
    out.reserveCapacity(max(0, count))
    for i in 0..<max(0, count) { out.append(try transform(i)) }
    return out
  }
  let results = IndexedSlots<Element>(count: count)
  try parallelFor(count, threads: workers) { (i: Int) throws(Failure) in
    results.write(try transform(i), at: i)
  }
  return results.all()
}

/// Fills `output` in `chunks` contiguous pieces, one worker per piece.
///
/// Piece `c` covers the items `c · count / chunks ..< (c + 1) · count / chunks` and the
/// elements `items.lowerBound · elementsPerItem ..< items.upperBound · elementsPerItem` of
/// `output`, which `fill` receives as its own buffer; the pieces never overlap, so the
/// result does not depend on how the pieces are scheduled. `chunks` is clamped to
/// `1...max(1, count)`; one piece runs on the calling thread.
/// - Precondition: `output.count >= count · elementsPerItem`.
/// - Complexity: the calls of `fill`, spread over `chunks` threads; no copying.
public func parallelFill<Element: Sendable>(
  _ output: inout [Element], items count: Int, elementsPerItem: Int, chunks: Int,
  _ fill: @Sendable (_ items: Range<Int>, _ output: UnsafeMutableBufferPointer<Element>) -> Void
) {
  precondition(count >= 0 && elementsPerItem >= 0, "parallelFill: negative item count or width")
  precondition(output.count >= count * elementsPerItem, "parallelFill: output holds fewer than count × elementsPerItem elements")
  let pieces = max(1, min(chunks, count))
  output.withUnsafeMutableBufferPointer { buffer in
    if pieces == 1 {
      fill(0..<count, UnsafeMutableBufferPointer(rebasing: buffer[0..<(count * elementsPerItem)]))
      return
    }
    let shared = DisjointPieces(buffer)
    parallelFor(pieces, threads: pieces) { c in
      let items = (c * count / pieces)..<((c + 1) * count / pieces)
      fill(items, shared.piece(items.lowerBound * elementsPerItem..<items.upperBound * elementsPerItem))
    }
  }
}

/// Slots that parallel workers fill by index.
///
/// Invariant (kept by `parallelFor`, `parallelMap` and nothing else): each index is written
/// by exactly one worker, at most once, and the slots are read only after every worker has
/// finished (`concurrentPerform` and `runWorkers` return after all workers), so no two
/// threads ever touch the same slot at the same time. That is what makes the unchecked
/// `Sendable` sound.
private final class IndexedSlots<Element>: @unchecked Sendable {
  private let slots: UnsafeMutableBufferPointer<Element?>

  init(count: Int) {
    slots = .allocate(capacity: max(0, count))
    slots.initialize(repeating: nil)
  }

  deinit {
    _ = slots.deinitialize()
    slots.deallocate()
  }

  func write(_ value: Element, at index: Int) { slots[index] = value }

  /// The value of the lowest written index.
  func firstWritten() -> Element? {
    for value in slots { if let value { return value } }
    return nil
  }

  /// Every slot's value, in index order; every slot must have been written.
  func all() -> [Element] { slots.map { $0! } }
}

/// A buffer handed out to workers in pieces.
///
/// Invariant (kept by `parallelFill`): the pieces handed out during one fill are disjoint
/// ranges, each given to one worker, and the buffer outlives the workers; so no element is
/// touched by two threads, which is what makes the unchecked `Sendable` sound.
private struct DisjointPieces<Element>: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<Element>

  init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }

  func piece(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Element> {
    UnsafeMutableBufferPointer(rebasing: buffer[range])
  }
}
