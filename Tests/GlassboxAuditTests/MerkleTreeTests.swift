import GlassboxAudit
import Testing

@Suite("RFC 6962 Merkle tree")
struct MerkleTreeTests: HandHashes {

  private let data = Self.lines(5)

  @Test func handComputedRootsForOneToFiveLeaves() {
    let l = data.map(leaf)
    let expected: [[UInt8]] = [
      l[0],
      node(l[0], l[1]),
      node(node(l[0], l[1]), l[2]),
      node(node(l[0], l[1]), node(l[2], l[3])),
      node(node(node(l[0], l[1]), node(l[2], l[3])), l[4]),
    ]
    for n in 1...5 {
      #expect(MerkleTree.root(leaves: Array(data.prefix(n))) == expected[n - 1], "n = \(n)")
      var frontier = MerkleFrontier()
      for d in data.prefix(n) { frontier.append(d) }
      #expect(frontier.root == expected[n - 1], "frontier, n = \(n)")
    }
  }

  @Test func emptyTreeIsTheHashOfNothing() {
    #expect(AuditSchema.hex(MerkleTree.root(leaves: [])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(MerkleFrontier().root == MerkleTree.root(leaves: []))
  }

  /// The reference vectors of the Certificate Transparency implementation's tests.
  @Test func certificateTransparencyReferenceVectors() throws {
    let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
      .map { AuditSchema.bytes(fromHex: $0) ?? [] }
    let roots = [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    for n in 1...8 {
      #expect(AuditSchema.hex(MerkleTree.root(leaves: Array(leaves.prefix(n)))) == roots[n - 1], "n = \(n)")
    }
  }

  @Test func frontierMatchesTheRecursionForEverySizeUpTo70() {
    var frontier = MerkleFrontier()
    var leaves: [[UInt8]] = []
    for k in 0..<70 {
      let d = AuditSchema.sha256([UInt8(k)])
      leaves.append(d)
      frontier.append(d)
      #expect(frontier.root == MerkleTree.root(leaves: leaves), "n = \(k + 1)")
      #expect(frontier.count == k + 1)
    }
  }
}
