import GlassboxAudit

/// RFC 6962's hashes spelled out by hand, independent of `MerkleTree`, for the tree tests:
/// SHA-256, a leaf `SHA-256(0x00 ‖ d)` and a node `SHA-256(0x01 ‖ l ‖ r)`.
protocol HandHashes {}

extension HandHashes {
  func sha(_ bytes: [UInt8]) -> [UInt8] { AuditSchema.sha256(bytes) }
  func leaf(_ d: [UInt8]) -> [UInt8] { sha([0x00] + d) }
  func node(_ l: [UInt8], _ r: [UInt8]) -> [UInt8] { sha([0x01] + l + r) }
  /// Leaf data: the hashes of the texts "line 0", "line 1", ...
  static func lines(_ count: Int) -> [[UInt8]] { (0..<count).map { k in AuditSchema.sha256(Array("line \(k)".utf8)) } }
}
