import GlassboxNumerics

extension BackgroundStream {
  /// What `sample(count:seed:)` found.
  public enum Sampled {
    /// The file has at most the rows asked for: all of them, in a stream opened again.
    case all(BackgroundStream)
    /// The rows drawn, with their weights.
    case rows(Background)
  }

  /// `BackgroundSummary.sample(whole, count:seed:)` of this (unread) background, without
  /// holding the whole file: a first pass counts (and checks, and profiles) the rows, the
  /// seeded draws pick row numbers with the same random numbers (a partial Fisher–Yates
  /// shuffle kept sparse, O(count) memory), and a second pass keeps the rows picked. The rows
  /// and weights are those of the whole-load sample, bit for bit. Standard input and pipes,
  /// which cannot be read twice, are loaded whole and sampled.
  /// - Throws: `DataError` for a bad row; `ExplainerError.invalidBackground` when the file is
  ///   empty or changed between the passes.
  /// - Complexity: two reads of the file; memory O(count · features + chunk).
  public func sample(count: Int, seed: UInt64) throws -> Sampled {
    precondition(count > 0 && rowsRead == 0, "a sample of at least one row from an unread stream")
    guard canReopen else { return .rows(BackgroundSummary.sample(try readAll(), count: count, seed: seed)) }
    while try next() != nil {}
    let n = rowsRead
    if n <= count { return .all(try reopened()) }
    var rng = Xoshiro256StarStar(seed: seed, stream: BackgroundSummary.sampleStream)
    // order[i] of the whole-load shuffle, for the positions it moved.
    var moved: [Int: Int] = [:]
    for i in 0..<count {
      let j = i + Int(rng.next() % UInt64(n - i))
      let (a, b) = (moved[i] ?? i, moved[j] ?? j)
      moved[i] = b
      moved[j] = a
    }
    let picks = (0..<count).map { moved[$0] ?? $0 }.sorted()
    let m = featureCount
    var rows: [Double] = []
    rows.reserveCapacity(count * m)
    var next = 0
    var start = 0
    let again = try reopened()
    while let chunk = try again.next() {
      let here = chunk.count / m
      while next < count, picks[next] < start + here {
        let r = picks[next] - start
        rows.append(contentsOf: chunk[(r * m)..<((r + 1) * m)])
        next += 1
      }
      start += here
    }
    guard start == n, next == count else {
      throw ExplainerError.invalidBackground(path: source, problem: "it changed while it was read (\(n) rows, then \(start))")
    }
    // The whole load's total weight: n rows of weight 1.
    let share = Double(n) / Double(count)
    return .rows(
      Background(
        rows: rows, featureCount: m, weights: [Double](repeating: share, count: count), source: source))
  }
}
