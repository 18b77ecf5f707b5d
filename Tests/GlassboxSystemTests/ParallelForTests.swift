import GlassboxSystem
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

private struct IndexError: Error, Equatable {
  let index: Int
}

@Suite("parallelFor, parallelMap and parallelFill")
struct ParallelForTests {
  static let threadCounts = [1, 2, 3, 4, 8, 64]

  /// A value that depends only on `i`, with enough arithmetic that workers interleave.
  static func work(_ i: Int) -> Double {
    var x = Double(i) + 0.5
    for _ in 0..<200 { x = (x * 1.000_001).squareRoot() + 1 }
    return x
  }

  @Test("parallelMap returns the serial map for any thread count", arguments: [0, 1, 2, 7, 100, 1000])
  func mapMatchesSerial(count: Int) {
    let serial = (0..<count).map(Self.work)
    for threads in Self.threadCounts {
      let parallel = parallelMap(count, threads: threads) { Self.work($0) }
      #expect(parallel == serial, "threads \(threads)")
    }
  }

  @Test("parallelFor runs every index exactly once", arguments: [0, 1, 5, 333])
  func everyIndexOnce(count: Int) {
    for threads in Self.threadCounts {
      let visits = Mutex([Int](repeating: 0, count: count))
      parallelFor(count, threads: threads) { i in
        visits.withLock { $0[i] += 1 }
      }
      let counts = visits.withLock { $0 }
      #expect(counts == [Int](repeating: 1, count: count), "threads \(threads)")
    }
  }

  @Test("Work is spread over several threads when asked")
  func usesSeveralWorkers() {
    // Each index waits until the other has started, which only two workers allow; the wait
    // is bounded (generously, for a loaded machine) so a serial run cannot hang the test.
    let started = Atomic<Int>(0)
    let overlapped = Atomic<Int>(0)
    parallelFor(2, threads: 2) { _ in
      started.add(1, ordering: .sequentiallyConsistent)
      let deadline = ContinuousClock.now + .seconds(30)
      while started.load(ordering: .sequentiallyConsistent) < 2 && ContinuousClock.now < deadline {}
      if started.load(ordering: .sequentiallyConsistent) == 2 { overlapped.add(1, ordering: .sequentiallyConsistent) }
    }
    #expect(overlapped.load(ordering: .sequentiallyConsistent) == 2)
  }

  @Test("More workers than cores all run at once (workers that wait, as for a model server)")
  func moreWorkersThanCores() {
    // Each index waits (sleeping, bounded for a loaded machine) until every worker has
    // started: only as many threads as workers allow that, never the cores alone.
    let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    let workers = 2 * cores + 3
    let started = Atomic<Int>(0)
    let overlapped = Atomic<Int>(0)
    let threads = Mutex(Set<UInt>())
    parallelFor(workers, threads: workers) { _ in
      threads.withLock { _ = $0.insert(UInt(pthread_self())) }
      started.add(1, ordering: .sequentiallyConsistent)
      let deadline = ContinuousClock.now + .seconds(20)
      while started.load(ordering: .sequentiallyConsistent) < workers && ContinuousClock.now < deadline { usleep(1000) }
      if started.load(ordering: .sequentiallyConsistent) == workers { overlapped.add(1, ordering: .sequentiallyConsistent) }
    }
    #expect(overlapped.load(ordering: .sequentiallyConsistent) == workers)
    #expect(threads.withLock { $0.count } == workers)
  }

  @Test("The error of the lowest throwing index is rethrown, whatever the thread count")
  func firstErrorInIndexOrder() throws {
    let throwing: Set = [41, 7, 90, 8]
    let lowest = try #require(throwing.min())
    for threads in Self.threadCounts {
      #expect(throws: IndexError(index: lowest)) {
        try parallelFor(100, threads: threads) { (i: Int) throws(IndexError) in
          if throwing.contains(i) { throw IndexError(index: i) }
        }
      }
      #expect(throws: IndexError(index: lowest)) {
        _ = try parallelMap(100, threads: threads) { (i: Int) throws(IndexError) -> Int in
          if throwing.contains(i) { throw IndexError(index: i) }
          return i
        }
      }
    }
  }

  @Test("Every index still runs when another throws (no index is skipped silently)")
  func allIndicesRunDespiteErrors() {
    let visits = Mutex(Set<Int>())
    #expect(throws: IndexError(index: 0)) {
      try parallelFor(50, threads: 4) { (i: Int) throws(IndexError) in
        visits.withLock { _ = $0.insert(i) }
        if i % 10 == 0 { throw IndexError(index: i) }
      }
    }
    #expect(visits.withLock { $0 } == Set(0..<50))
  }

  @Test("parallelFill gives each piece its items and fills the whole output", arguments: [0, 1, 3, 128, 1000])
  func fillMatchesSerial(count: Int) {
    let width = 3
    var expected = [Double](repeating: 0, count: count * width)
    for i in 0..<count { for c in 0..<width { expected[i * width + c] = Self.work(i) + Double(c) } }
    for chunks in [1, 2, 5, 16, 2000] {
      var out = [Double](repeating: -1, count: count * width)
      parallelFill(&out, items: count, elementsPerItem: width, chunks: chunks) { items, piece in
        precondition(piece.count == items.count * width)
        for (local, i) in items.enumerated() {
          for c in 0..<width { piece[local * width + c] = Self.work(i) + Double(c) }
        }
      }
      #expect(out == expected, "chunks \(chunks)")
    }
  }

  @Test("parallelFill's pieces are contiguous, in order, and cover the items once")
  func fillPieces() {
    let pieces = Mutex([Range<Int>]())
    var out = [Int](repeating: 0, count: 10)
    parallelFill(&out, items: 10, elementsPerItem: 1, chunks: 4) { items, _ in
      pieces.withLock { $0.append(items) }
    }
    let sorted = pieces.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
    #expect(sorted.count == 4)
    #expect(sorted.first?.lowerBound == 0 && sorted.last?.upperBound == 10)
    for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
  }

  @Test("parallelFill stops a caller whose output is too small")
  func fillTrapsOnShortOutput() async {
    await #expect(processExitsWith: .failure) {
      var out = [Double](repeating: 0, count: 5)
      parallelFill(&out, items: 3, elementsPerItem: 2, chunks: 2) { _, _ in }
    }
  }
}
