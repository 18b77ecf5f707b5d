import GlassboxAudit
import Testing

@Suite("RFC 6962 consistency proofs")
struct ConsistencyProofTests: HandHashes {
  private let data = Self.lines(40)

  /// The worked example of RFC 6962 §2.1.3, built by hand from leaf and node hashes.
  @Test func theRFCsSevenLeafExample() {
    let d = Array(data.prefix(7))
    let (a, b, c, dd, e, f) = (leaf(d[0]), leaf(d[1]), leaf(d[2]), leaf(d[3]), leaf(d[4]), leaf(d[5]))
    let g = node(a, b), h = node(c, dd), i = node(e, f), j = leaf(d[6])
    let k = node(g, h), l = node(i, j)
    #expect(ConsistencyProof.make(oldSize: 3, leaves: d) == [c, dd, g, l])
    #expect(ConsistencyProof.make(oldSize: 4, leaves: d) == [l])
    #expect(ConsistencyProof.make(oldSize: 6, leaves: d) == [i, j, k])
    #expect(ConsistencyProof.make(oldSize: 7, leaves: d) == [])
    let root7 = node(k, l)
    #expect(ConsistencyProof.verify(oldSize: 3, oldRoot: node(g, c), newSize: 7, newRoot: root7, proof: [c, dd, g, l]))
    #expect(ConsistencyProof.verify(oldSize: 4, oldRoot: k, newSize: 7, newRoot: root7, proof: [l]))
    #expect(ConsistencyProof.verify(oldSize: 6, oldRoot: node(k, i), newSize: 7, newRoot: root7, proof: [i, j, k]))
  }

  /// Every pair m ≤ n ≤ 40 against roots computed directly from the leaves.
  @Test func everyPairUpToFortyLeavesVerifiesAgainstDirectRoots() {
    for n in 1...data.count {
      let leaves = Array(data.prefix(n))
      let newRoot = MerkleTree.root(leaves: leaves)
      for m in 1...n {
        let proof = ConsistencyProof.make(oldSize: m, leaves: leaves)
        let oldRoot = MerkleTree.root(leaves: Array(leaves.prefix(m)))
        #expect(ConsistencyProof.verify(oldSize: m, oldRoot: oldRoot, newSize: n, newRoot: newRoot, proof: proof), "m \(m), n \(n)")
        // O(log n): at most ⌈log2 n⌉ + 1 hashes.
        #expect(proof.count <= (n == 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount) + 1, "m \(m), n \(n)")
      }
    }
  }

  /// Any change to the old tree, the new tree or the proof is refused.
  @Test func changedTreesOrProofsAreRefused() {
    for n in 2...24 {
      let leaves = Array(data.prefix(n))
      let newRoot = MerkleTree.root(leaves: leaves)
      for m in 1..<n {
        let proof = ConsistencyProof.make(oldSize: m, leaves: leaves)
        let oldRoot = MerkleTree.root(leaves: Array(leaves.prefix(m)))
        for changed in 0..<n {
          var other = leaves
          other[changed] = sha(other[changed])
          if changed < m {
            // A rewritten prefix: its root is not consistent with today's tree.
            let forgedOld = MerkleTree.root(leaves: Array(other.prefix(m)))
            #expect(!ConsistencyProof.verify(oldSize: m, oldRoot: forgedOld, newSize: n, newRoot: newRoot, proof: proof))
          }
          // Today's tree differs from the one the proof was made for.
          let otherRoot = MerkleTree.root(leaves: other)
          #expect(!ConsistencyProof.verify(oldSize: m, oldRoot: oldRoot, newSize: n, newRoot: otherRoot, proof: proof))
        }
        // (The sizes are bound by whoever states them with the roots: a verifier cannot tell
        // a leaf hash from a node hash, so the same hashes can fit a neighbouring size.)
        #expect(!ConsistencyProof.verify(oldSize: m, oldRoot: oldRoot, newSize: m, newRoot: newRoot, proof: proof))
        #expect(!ConsistencyProof.verify(oldSize: m, oldRoot: oldRoot, newSize: n, newRoot: newRoot, proof: Array(proof.dropLast())))
        #expect(!ConsistencyProof.verify(oldSize: m, oldRoot: oldRoot, newSize: n, newRoot: newRoot, proof: proof + [oldRoot]))
      }
    }
  }

  /// The stored levels give the same roots as the RFC's recursion over the leaves, for the
  /// whole tree and for the right-hand subtrees a proof asks for.
  @Test func levelsGiveTheRecursionsRoots() {
    for n in 1...data.count {
      let tree = MerkleLevels(leaves: Array(data.prefix(n)))
      #expect(tree.root(of: 0..<n) == MerkleTree.root(leaves: Array(data.prefix(n))), "n \(n)")
      var start = 0
      while n - start > 1 {
        var k = 1
        while k * 2 < n - start { k *= 2 }
        start += k
        #expect(tree.root(of: start..<n) == MerkleTree.root(leaves: Array(data[start..<n])), "n \(n), from \(start)")
      }
    }
  }

  @Test func edgeSizes() {
    let root = MerkleTree.root(leaves: Array(data.prefix(5)))
    #expect(ConsistencyProof.verify(oldSize: 0, oldRoot: MerkleTree.root(leaves: []), newSize: 5, newRoot: root, proof: []))
    #expect(ConsistencyProof.verify(oldSize: 5, oldRoot: root, newSize: 5, newRoot: root, proof: []))
    #expect(!ConsistencyProof.verify(oldSize: 5, oldRoot: root, newSize: 5, newRoot: leaf(data[0]), proof: []))
    #expect(!ConsistencyProof.verify(oldSize: 6, oldRoot: root, newSize: 5, newRoot: root, proof: []))
  }
}
