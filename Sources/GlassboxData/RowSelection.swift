/// A set of zero-based data-row indices from a `--rows` specification such as
/// `0,4,10-20` (ranges inclusive).
public struct RowSelection: Sendable, Equatable {
  /// Disjoint, sorted, inclusive ranges.
  public let ranges: [ClosedRange<Int>]

  /// Parses a specification.
  /// - Throws: `DataError.invalidRowSpec`.
  public init(_ spec: String) throws(DataError) {
    var parsed: [ClosedRange<Int>] = []
    for rawPart in spec.split(separator: ",", omittingEmptySubsequences: false) {
      let part = String(rawPart).trimmingSpaces()
      guard !part.isEmpty else { throw .invalidRowSpec(spec: spec, problem: "an empty item") }
      let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
      guard bounds.count <= 2, let lo = Int(bounds[0]), lo >= 0, lo < Int.max else {
        throw .invalidRowSpec(spec: spec, problem: "'\(part)' is not an index or a range")
      }
      var hi = lo
      if bounds.count == 2 {
        guard let h = Int(bounds[1]), h >= 0, h < Int.max else {
          throw .invalidRowSpec(spec: spec, problem: "'\(part)' is not an index or a range")
        }
        guard h >= lo else { throw .invalidRowSpec(spec: spec, problem: "the range '\(part)' runs backwards") }
        hi = h
      }
      parsed.append(lo...hi)
    }
    parsed.sort { $0.lowerBound < $1.lowerBound }
    var merged: [ClosedRange<Int>] = []
    for r in parsed {
      if let last = merged.last, r.lowerBound <= last.upperBound + 1 {
        merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
      } else {
        merged.append(r)
      }
    }
    ranges = merged
  }

  /// True when row `i` is selected. - Complexity: O(log ranges).
  public func contains(_ i: Int) -> Bool {
    var lo = 0
    var hi = ranges.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if ranges[mid].upperBound < i { lo = mid + 1 } else { hi = mid }
    }
    return lo < ranges.count && ranges[lo].contains(i)
  }

  /// The largest selected index: reading can stop after it.
  public var last: Int { ranges.last?.upperBound ?? -1 }

  /// The number of selected rows.
  public var count: Int { ranges.reduce(0) { $0 + $1.count } }
}
