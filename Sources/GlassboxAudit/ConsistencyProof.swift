/// RFC 6962 §2.1.2 consistency proofs: evidence that the tree of the first `m` leaves is
/// a prefix of the tree of `n` leaves, checkable with the two roots alone.
///
/// A witness that kept only (m, root_m) can be shown that the log it saw is still the
/// beginning of today's log (n, root_n): nothing of the first m lines was changed,
/// removed or reordered. The proof is O(log n) node hashes.
///
/// Generation follows the RFC's recursion
/// ```
/// PROOF(m, D[n])            = SUBPROOF(m, D[n], true)
/// SUBPROOF(m, D[m], true)   = {}
/// SUBPROOF(m, D[m], false)  = {MTH(D[m])}
/// SUBPROOF(m, D[n], b), m < n, k = largest power of 2 < n:
///   m ≤ k:  SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
///   m > k:  SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])
/// ```
/// Verification rebuilds both roots from the proof, walking the binary expansions of
/// m − 1 and n − 1 from the bottom (the method RFC 9162 §2.1.4.2 spells out).
public enum ConsistencyProof {
  /// The proof that the first `m` of `leaves` (leaf data, not yet leaf-hashed) form a
  /// prefix of the tree of all of them.
  /// - Precondition: 0 < m ≤ leaves.count.
  /// - Complexity: O(n) hashes (the tree's levels are built first).
  public static func make(oldSize m: Int, leaves: [[UInt8]]) -> [[UInt8]] {
    make(oldSize: m, tree: MerkleLevels(leaves: leaves))
  }

  /// The proof that the first `m` leaves of `tree` form a prefix of the whole tree.
  /// - Precondition: 0 < m ≤ tree.count.
  /// - Complexity: O(log² n) lookups and hashes.
  public static func make(oldSize m: Int, tree: MerkleLevels) -> [[UInt8]] {
    precondition(m > 0 && m <= tree.count, "a consistency proof needs 0 < m ≤ n")
    var proof: [[UInt8]] = []
    subproof(m, 0..<tree.count, isWholeOldTree: true, tree: tree, into: &proof)
    return proof
  }

  private static func subproof(
    _ m: Int, _ range: Range<Int>, isWholeOldTree: Bool, tree: MerkleLevels, into proof: inout [[UInt8]]
  ) {
    let n = range.count
    if m == n {
      if !isWholeOldTree { proof.append(tree.root(of: range)) }
      return
    }
    let k = largestPowerOfTwo(below: n)
    let split = range.lowerBound + k
    if m <= k {
      subproof(m, range.lowerBound..<split, isWholeOldTree: isWholeOldTree, tree: tree, into: &proof)
      proof.append(tree.root(of: split..<range.upperBound))
    } else {
      subproof(m - k, split..<range.upperBound, isWholeOldTree: false, tree: tree, into: &proof)
      proof.append(tree.root(of: range.lowerBound..<split))
    }
  }

  /// True when `proof` shows that the tree of `oldSize` leaves with root `oldRoot` is a
  /// prefix of the tree of `newSize` leaves with root `newRoot`.
  ///
  /// An old size of 0 is a prefix of everything (no proof needed); equal sizes need an
  /// empty proof and equal roots; an old size above the new one never holds.
  /// - Complexity: O(log n) hashes.
  public static func verify(
    oldSize m: Int, oldRoot: [UInt8], newSize n: Int, newRoot: [UInt8], proof: [[UInt8]]
  ) -> Bool {
    if m == 0 { return n >= 0 && proof.isEmpty }
    if m > n { return false }
    if m == n { return proof.isEmpty && oldRoot == newRoot }
    if proof.isEmpty { return false }
    var path = proof[...]
    // When the old tree is a perfect subtree on the new tree's left edge, its root is the
    // first node of the walk and the proof leaves it out.
    if m & (m - 1) == 0 { path.insert(oldRoot, at: path.startIndex) }
    guard let first = path.first else { return false }
    var oldIndex = m - 1
    var newIndex = n - 1
    while oldIndex & 1 == 1 {
      oldIndex >>= 1
      newIndex >>= 1
    }
    var oldHash = first
    var newHash = first
    for sibling in path.dropFirst() {
      if newIndex == 0 { return false }
      if oldIndex & 1 == 1 || oldIndex == newIndex {
        oldHash = MerkleTree.nodeHash(sibling, oldHash)
        newHash = MerkleTree.nodeHash(sibling, newHash)
        while oldIndex & 1 == 0 && oldIndex != 0 {
          oldIndex >>= 1
          newIndex >>= 1
        }
      } else {
        newHash = MerkleTree.nodeHash(newHash, sibling)
      }
      oldIndex >>= 1
      newIndex >>= 1
    }
    return newIndex == 0 && oldHash == oldRoot && newHash == newRoot
  }

  /// The largest power of two strictly below `n` (n ≥ 2).
  static func largestPowerOfTwo(below n: Int) -> Int {
    var k = 1
    while k * 2 < n { k *= 2 }
    return k
  }
}
