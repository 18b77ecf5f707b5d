import Crypto

/// RFC 6962 (Certificate Transparency) Merkle tree hashes.
///
/// ```
/// MTH({})      = SHA-256()
/// MTH({d0})    = SHA-256(0x00 ‖ d0)                     leaf hash
/// MTH(D[n])    = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))  k = largest power of 2 < n
/// ```
/// In the audit log the leaf data `d_i` is the 32-byte SHA-256 of line `i + 1`'s exact
/// bytes, so a checkpoint's root commits to every line before it.
public enum MerkleTree {
  /// `SHA-256(0x00 ‖ data)`.
  public static func leafHash(_ data: [UInt8]) -> [UInt8] {
    var hasher = SHA256()
    var prefix: UInt8 = 0
    withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
    data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    return Array(hasher.finalize())
  }

  /// `SHA-256(0x01 ‖ left ‖ right)`.
  public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
    var hasher = SHA256()
    var prefix: UInt8 = 1
    withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
    left.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    right.withUnsafeBytes { hasher.update(bufferPointer: $0) }
    return Array(hasher.finalize())
  }

  /// The root over `leaves` (leaf data, not yet leaf-hashed), by the RFC's recursion.
  /// - Complexity: O(n) hashes, O(log n) stack.
  public static func root(leaves: [[UInt8]]) -> [UInt8] {
    if leaves.isEmpty { return AuditSchema.sha256([]) }
    return subtreeRoot(leaves[...])
  }

  private static func subtreeRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
    if leaves.count == 1, let only = leaves.first { return leafHash(only) }
    var k = 1
    while k * 2 < leaves.count { k *= 2 }
    let split = leaves.startIndex + k
    return nodeHash(subtreeRoot(leaves[..<split]), subtreeRoot(leaves[split...]))
  }
}

/// The right edge of a growing RFC 6962 tree: the roots of its perfect subtrees, largest
/// first. Appending a leaf and reading the root need no access to earlier leaves.
///
/// - Complexity: `append` is amortized O(1) hashes (O(log n) worst case); `root` is
///   O(log n) hashes; memory is O(log n).
public struct MerkleFrontier: Sendable, Equatable {
  /// The number of leaves appended.
  public private(set) var count = 0
  private var subtrees: [(size: Int, hash: [UInt8])] = []

  public init() {}

  /// Appends a leaf whose data is `data` (a line's 32-byte hash in the audit log).
  public mutating func append(_ data: [UInt8]) {
    subtrees.append((1, MerkleTree.leafHash(data)))
    count += 1
    while subtrees.count >= 2, subtrees[subtrees.count - 1].size == subtrees[subtrees.count - 2].size {
      let right = subtrees.removeLast()
      let left = subtrees.removeLast()
      subtrees.append((left.size * 2, MerkleTree.nodeHash(left.hash, right.hash)))
    }
  }

  /// The tree's root: equal to `MerkleTree.root(leaves:)` over the same leaves.
  ///
  /// The RFC splits at the largest power of two below n, which is exactly the largest
  /// perfect subtree on the edge; folding the edge from the right reproduces the recursion.
  public var root: [UInt8] {
    guard var accumulated = subtrees.last?.hash else { return AuditSchema.sha256([]) }
    var k = subtrees.count - 2
    while k >= 0 {
      accumulated = MerkleTree.nodeHash(subtrees[k].hash, accumulated)
      k -= 1
    }
    return accumulated
  }

  public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
    a.count == b.count && a.subtrees.elementsEqual(b.subtrees) { $0.size == $1.size && $0.hash == $1.hash }
  }
}
