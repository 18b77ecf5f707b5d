/// Sorting many doubles by their bits: a stable least-significant-digit radix sort, for
/// the reference profile's quantiles (tens of thousands of values per feature, often few
/// distinct ones).
enum SortedValues {
  /// `values` in ascending order: exactly `values.sorted()` (a stable sort), `-0.0` and
  /// `0.0` included, which compare equal and so keep their order of arrival.
  ///
  /// Each value's key is the bit pattern of `x + 0.0` (which makes `-0.0` into `0.0`),
  /// mapped so that unsigned order is numeric order; one counting pass per key byte that
  /// varies (none for a byte that every key shares).
  /// - Precondition: no NaN (the profile samples valid values only).
  /// - Complexity: O(n) time per varying key byte (at most 8), O(n) memory.
  static func ascending(_ values: [Double]) -> [Double] {
    let n = values.count
    if n < 64 { return values.sorted() }
    var keys = [UInt64](repeating: 0, count: n)
    var any: UInt64 = 0
    var all: UInt64 = ~0
    values.withUnsafeBufferPointer { v in
      keys.withUnsafeMutableBufferPointer { k in
        for i in 0..<n {
          let bits = (v[i] + 0.0).bitPattern
          let key = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
          k[i] = key
          any |= key
          all &= key
        }
      }
    }
    let varying = any ^ all
    var vals = values
    var keys2 = keys
    var vals2 = vals
    var counts = [Int](repeating: 0, count: 256)
    for shift in stride(from: UInt64(0), to: 64, by: 8) where (varying >> shift) & 255 != 0 {
      keys.withUnsafeBufferPointer { k in
        vals.withUnsafeBufferPointer { v in
          keys2.withUnsafeMutableBufferPointer { k2 in
            vals2.withUnsafeMutableBufferPointer { v2 in
              counts.withUnsafeMutableBufferPointer { c in
                for d in 0..<256 { c[d] = 0 }
                for i in 0..<n { c[Int(truncatingIfNeeded: (k[i] >> shift) & 255)] += 1 }
                var total = 0
                for d in 0..<256 {
                  let count = c[d]
                  c[d] = total
                  total += count
                }
                for i in 0..<n {
                  let d = Int(truncatingIfNeeded: (k[i] >> shift) & 255)
                  let at = c[d]
                  c[d] = at + 1
                  k2[at] = k[i]
                  v2[at] = v[i]
                }
              }
            }
          }
        }
      }
      swap(&keys, &keys2)
      swap(&vals, &vals2)
    }
    return vals
  }
}
