/// Every perfect subtree hash of an RFC 6962 tree, level by level, so that the root of any
/// subtree the RFC's recursion visits is found in O(log n) lookups instead of rehashed.
///
/// Level 0 holds the leaf hashes; level j holds the hashes of the aligned perfect subtrees
/// of 2^j leaves. The RFC splits a range at the largest power of two below its size, so
/// the left part of every split is an aligned perfect subtree (one lookup) and only the
/// right part recurses.
///
/// - Complexity: building is O(n) hashes and O(n) memory (about 2n hashes of 32 bytes).
public struct MerkleLevels: Sendable {
  private var levels: [[[UInt8]]]

  /// The levels over leaves whose data are `leaves` (not yet leaf-hashed).
  public init(leaves: [[UInt8]]) {
    var level = leaves.map(MerkleTree.leafHash)
    levels = [level]
    while level.count > 1 {
      level = stride(from: 0, to: level.count - 1, by: 2).map { MerkleTree.nodeHash(level[$0], level[$0 + 1]) }
      levels.append(level)
    }
  }

  /// The number of leaves.
  public var count: Int { levels[0].count }

  /// The RFC 6962 root over leaves `range` (a range the RFC's recursion visits from
  /// `0..<count`: its start is a multiple of the largest power of two not above its size);
  /// equal to `MerkleTree.root(leaves:)` over the same leaves.
  /// - Complexity: O(log n) hashes.
  public func root(of range: Range<Int>) -> [UInt8] {
    let size = range.count
    if size == 0 { return AuditSchema.sha256([]) }
    if size & (size - 1) == 0 {
      let level = size.trailingZeroBitCount
      if range.lowerBound % size == 0 { return levels[level][range.lowerBound / size] }
    }
    let k = ConsistencyProof.largestPowerOfTwo(below: size)
    let split = range.lowerBound + k
    return MerkleTree.nodeHash(root(of: range.lowerBound..<split), root(of: split..<range.upperBound))
  }
}
