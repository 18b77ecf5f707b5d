import GlassboxData
@testable import GlassboxExplainers
import GlassboxModels
import Testing

/// A small seeded generator (SplitMix64) for reproducible random trees.
struct SeededRandom {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Random glassbox-trees documents: `splitFeatures` features are used by splits, the
/// remaining ones never are (dummies).
func randomEnsemble(seed: UInt64, features: Int, splitFeatures: Int, trees: Int, depth: Int, outputs: Int = 1)
  throws -> TreeEnsemble
{
  var rng = SeededRandom(state: seed)
  var treeTexts: [String] = []
  for t in 0..<trees {
    var left: [Int] = [], right: [Int] = [], feature: [Int] = [], threshold: [Double] = []
    var missingLeft: [Int] = [], value: [Double] = [], cover: [Double] = []
    func grow(_ d: Int) -> Int {
      let i = left.count
      left.append(-1); right.append(-1); feature.append(-2); threshold.append(-2)
      missingLeft.append(0); value.append(0); cover.append(0)
      if d == depth || (d > 0 && rng.uniform() < 0.25) {
        value[i] = (rng.uniform() * 4 - 2).rounded(toPlaces: 3)
        cover[i] = Double(1 + rng.below(20))
        return i
      }
      feature[i] = rng.below(splitFeatures)
      threshold[i] = rng.uniform().rounded(toPlaces: 3)
      missingLeft[i] = rng.below(2)
      let l = grow(d + 1)
      let r = grow(d + 1)
      left[i] = l
      right[i] = r
      cover[i] = cover[l] + cover[r]
      return i
    }
    _ = grow(0)
    func list(_ a: [some Any]) -> String { "[" + a.map { "\($0)" }.joined(separator: ",") + "]" }
    treeTexts.append(
      """
      {"output":\(t % outputs),"weight":\(t % 3 == 0 ? 0.5 : 1),"left":\(list(left)),"right":\(list(right)),
      "feature":\(list(feature)),"threshold":\(list(threshold)),"missing_left":\(list(missingLeft)),
      "value":\(list(value)),"cover":\(list(cover))}
      """)
  }
  let names = (0..<features).map { "\"x\($0)\"" }.joined(separator: ",")
  let base = (0..<outputs).map { "\(0.25 * Double($0 + 1))" }.joined(separator: ",")
  let text = """
    {"format":"glassbox-trees","version":1,"features":[\(names)],"num_outputs":\(outputs),"base_margin":[\(base)],
    "link":"\(outputs > 1 ? "softmax" : "identity")","aggregation":"sum","trees":[\(treeTexts.joined(separator: ","))]}
    """
  return try TreeEnsemble.read(Array(text.utf8), path: "random.json")
}

extension Double {
  func rounded(toPlaces p: Int) -> Double {
    var scale = 1.0
    for _ in 0..<p { scale *= 10 }
    return (self * scale).rounded() / scale
  }
}

/// Brute-force Shapley values from a value function over subsets (bit masks).
func shapleyOracle(features m: Int, value: (UInt32) -> Double) -> [Double] {
  var factorial = [1.0]
  for i in 1...max(1, m) { factorial.append(factorial[i - 1] * Double(i)) }
  var phi = [Double](repeating: 0, count: m)
  for s in 0..<(UInt32(1) << UInt32(m)) {
    let size = s.nonzeroBitCount
    let vs = value(s)
    for j in 0..<m where s & (1 << UInt32(j)) == 0 {
      let w = factorial[size] * factorial[m - size - 1] / factorial[m]
      phi[j] += w * (value(s | (1 << UInt32(j))) - vs)
    }
  }
  return phi
}

/// E[f(x) | x_S] by cover-weighted recursion (the path-dependent value function).
func conditionalExpectation(_ e: TreeEnsemble, x: [Double], subset: UInt32, output: Int) -> Double {
  let prepared = x.map { e.prepared($0) }
  var total = e.baseMargins[output]
  e.categoryWords.withUnsafeBufferPointer { words in
    func visit(_ n: Int) -> Double {
      let node = e.nodes[n]
      if node.isLeaf { return e.values[n] }
      let f = Int(node.feature)
      if subset & (1 << UInt32(f)) != 0 { return visit(Int(node.child(prepared[f], words))) }
      let l = Int(node.left)
      let r = Int(node.right)
      return (e.covers[l] * visit(l) + e.covers[r] * visit(r)) / e.covers[n]
    }
    for t in 0..<e.treeCount where e.treeOutputs[t] == output {
      total += e.treeWeights[t] * visit(e.treeStart[t])
    }
  }
  return total
}

func randomRows(_ rng: inout SeededRandom, count: Int, features: Int) -> [Double] {
  (0..<(count * features)).map { _ in rng.uniform() < 0.1 ? .nan : rng.uniform() }
}

@Suite("TreeSHAP properties")
struct TreeSHAPPropertyTests {
  @Test("path-dependent values equal a brute-force Shapley oracle", arguments: [1, 2, 3, 4, 5] as [UInt64])
  func oracle(seed: UInt64) throws {
    let m = 6
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 5, trees: 4, depth: 4, outputs: seed % 2 == 0 ? 2 : 1)
    var rng = SeededRandom(state: seed * 7919)
    let rows = randomRows(&rng, count: 8, features: m)
    // Fast tables everywhere, classic everywhere, and a mix (only small trees get tables).
    let explainers = [
      TreeSHAP(ensemble: e), TreeSHAP(ensemble: e, algorithm: .classic),
      TreeSHAP(ensemble: e, algorithm: .fast, limits: .init(treeEntries: 12)),
    ]
    for explainer in explainers {
      try checkOracle(explainer, e, rows, m)
    }
  }

  func checkOracle(_ explainer: TreeSHAP, _ e: TreeEnsemble, _ rows: [Double], _ m: Int) throws {
    let explanations = try explainer.explain(rows, featureCount: m)
    for ex in explanations {
      let x = Array(rows[(ex.row * m)..<((ex.row + 1) * m)])
      let k = ex.output ?? 0
      let expected = shapleyOracle(features: m) { conditionalExpectation(e, x: x, subset: $0, output: k) }
      for j in 0..<m {
        #expect(abs(ex.attributions[j] - expected[j]) <= 1e-12, "\(explainer.algorithm) row \(ex.row) feature \(j)")
      }
      // Efficiency and dummy.
      #expect(abs(ex.baseValue - conditionalExpectation(e, x: x, subset: 0, output: k)) <= 1e-12)
      #expect(ex.additivityGap <= 1e-12)
      #expect(ex.attributions[5] == 0)
    }
  }

  @Test("fast equals classic on deep trees with repeated features and many rows", arguments: [21, 22] as [UInt64])
  func fastDeep(seed: UInt64) throws {
    let m = 9
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 8, trees: 6, depth: 10, outputs: 2)
    var rng = SeededRandom(state: seed * 31)
    let count = 300  // more than one 256-row chunk
    let rows = randomRows(&rng, count: count, features: m)
    // Default limits, a path limit that sends some trees to the classic kernel, and classic.
    let fast = TreeSHAP(ensemble: e)
    let mixed = TreeSHAP(ensemble: e, algorithm: .fast, limits: .init(maxPathFeatures: 6))
    let reference = TreeSHAP(ensemble: e, algorithm: .fast, limits: .init(treeEntries: 0))
    var a = [Double](repeating: 0, count: count * 2 * m)
    var b = a
    var c = a
    rows.withUnsafeBufferPointer { r in
      a.withUnsafeMutableBufferPointer { fast.contributions(r, count: count, into: $0) }
      b.withUnsafeMutableBufferPointer { mixed.contributions(r, count: count, into: $0) }
      c.withUnsafeMutableBufferPointer { reference.contributions(r, count: count, into: $0) }
    }
    for i in 0..<(count * 2) {
      let scale = max(1e-300, c[(i * m)..<((i + 1) * m)].map(abs).max() ?? 0)
      for j in 0..<m {
        #expect(abs(a[i * m + j] - c[i * m + j]) <= 1e-12 * scale)
        #expect(abs(b[i * m + j] - c[i * m + j]) <= 1e-12 * scale)
      }
    }
  }

  @Test("interventional values equal a brute-force Shapley oracle", arguments: [11, 12, 13] as [UInt64])
  func interventionalOracle(seed: UInt64) throws {
    let m = 5
    let e = try randomEnsemble(seed: seed, features: m, splitFeatures: 4, trees: 3, depth: 3)
    var rng = SeededRandom(state: seed * 104_729)
    let bgRows = randomRows(&rng, count: 6, features: m)
    let rows = randomRows(&rng, count: 4, features: m)
    let background = Background(rows: bgRows, featureCount: m, source: "random")
    let explanations = try InterventionalTreeSHAP(ensemble: e, background: background).explain(rows, featureCount: m)
    for ex in explanations {
      let x = Array(rows[(ex.row * m)..<((ex.row + 1) * m)])
      let expected = shapleyOracle(features: m) { s in
        var hybrid: [Double] = []
        for b in 0..<background.count {
          for j in 0..<m { hybrid.append(s & (1 << UInt32(j)) != 0 ? x[j] : bgRows[b * m + j]) }
        }
        return e.predictMargins(hybrid).reduce(0, +) / Double(background.count)
      }
      for j in 0..<m { #expect(abs(ex.attributions[j] - expected[j]) <= 1e-12, "row \(ex.row) feature \(j)") }
      #expect(ex.additivityGap <= 1e-12)
      #expect(ex.attributions[4] == 0)
    }
  }

  @Test("symmetric features get equal attributions")
  func symmetry() throws {
    // f = 1 when x0 > 0.5 and x1 > 0.5; the tree splits x0 then x1 with symmetric covers,
    // the mirrored tree x1 then x0: the ensemble is symmetric in x0 and x1.
    let tree = { (a: Int, b: Int) in
      """
      {"output":0,"weight":1,"left":[1,-1,3,-1,-1],"right":[2,-1,4,-1,-1],"feature":[\(a),-2,\(b),-2,-2],
      "threshold":[0.5,-2,0.5,-2,-2],"missing_left":[0,0,0,0,0],"value":[0,0,0,0,1],"cover":[4,2,2,1,1]}
      """
    }
    let text = """
      {"format":"glassbox-trees","version":1,"features":["a","b","c"],"num_outputs":1,"base_margin":[0],
      "link":"identity","aggregation":"sum","trees":[\(tree(0, 1)),\(tree(1, 0))]}
      """
    let e = try TreeEnsemble.read(Array(text.utf8), path: "sym.json")
    let out = try TreeSHAP(ensemble: e).explain([0.9, 0.9, 0.3, 0.9, 0.1, 0.3], featureCount: 3)
    #expect(out[0].attributions[0] == out[0].attributions[1])
    #expect(abs(out[0].attributions[0] - 0.75) < 1e-15)
    #expect(out[0].attributions[2] == 0)
    #expect(out[1].additivityGap < 1e-15)
  }
}
