/// The fast walk's leaf terms, precomputed from the `(W, G)` pairs of `FastTreeTables`.
///
/// For a leaf with d distinct path features and satisfied set A, the walk adds to the k-th
/// path feature `(1 − z_k) · W(A) · G(A∖k)` when k ∈ A and `−(W(A) · G(A))` otherwise.
/// Storing these d terms for each of the 2^d sets A (computed with the same operations in
/// the same order, so the values are bit for bit those the walk would compute) leaves one
/// load and one add per path feature at a leaf, instead of two multiplications, a
/// gathered load and a select.
///
/// - Complexity: O(Σ_leaves 2^d · d) time and memory (doubles), up to the limit; the
///   leaves from the first one that would pass it on keep computing their terms from the
///   pairs.
enum LeafTerms {
  /// Per leaf record the start of its terms in the returned array (−1 once `limit`
  /// doubles would be passed, in record order), and the terms laid out `[A][k]` per leaf.
  /// Both arrays have at least one element.
  static func expand(
    tableStart: [Int], featureStart: [Int32], oneMinusZero: [Double], table: [Double], limit: Int
  ) -> (starts: [Int], terms: [Double]) {
    let records = max(0, featureStart.count - 1)
    var starts = [Int](repeating: -1, count: records + 1)
    var terms: [Double] = []
    for r in 0..<records {
      let fs = Int(featureStart[r])
      let d = Int(featureStart[r + 1]) - fs
      if terms.count + (1 << d) * d > limit { break }
      let t = tableStart[r]
      starts[r] = terms.count
      for a in 0..<(1 << d) {
        let w = table[t + a * 2]
        let off = -(w * table[t + a * 2 + 1])
        for k in 0..<d {
          terms.append((a >> k) & 1 == 1 ? oneMinusZero[fs + k] * w * table[t + (a & ~(1 << k)) * 2 + 1] : off)
        }
      }
    }
    terms.append(0)
    return (starts, terms)
  }
}
