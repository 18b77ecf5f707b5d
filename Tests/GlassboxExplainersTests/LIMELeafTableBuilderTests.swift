import GlassboxData
import GlassboxModels
import GlassboxNumerics
import GlassboxTestSupport
import Testing

@testable import GlassboxExplainers

/// `LIMELeafTableBuilder` (one walk with each feature's state kept along the path, terms
/// looked up by state) against brute force: every leaf's path listed from the root, each
/// tested feature's key (point levels' and "missing"'s pass bits, truncated-normal masses of
/// the path's interval, or a Gaussian feature's interval) computed from that path alone;
/// terms numbered in the order the leaves meet them, each key once per feature.
@Suite("LIME leaf table builder against brute force")
struct LIMELeafTableBuilderTests {
  typealias Leaf = (value: Double, output: Int32, entries: [(feature: Int, key: [Double])])

  /// Every leaf in tree and depth-first order (left first), with its tested features in
  /// the order of their first tests and their keys.
  static func bruteForce(_ e: TreeEnsemble, laws: [LIMEFeatureLaw]) -> [Leaf] {
    var leaves: [Leaf] = []
    e.categoryWords.withUnsafeBufferPointer { words in
      func key(_ j: Int, _ path: [(node: Int, left: Bool)]) -> [Double] {
        let steps = path.filter { Int(e.nodes[$0.node].feature) == j }
        func allows(_ v: Double) -> Bool {
          steps.allSatisfy { (e.nodes[$0.node].child(e.prepared(v), words) == e.nodes[$0.node].left) == $0.left }
        }
        var lower = -Double.infinity, upper = Double.infinity
        for step in steps where e.nodes[step.node].flags & TreeNode.Flags.categorical == 0 {
          let cut = LIMELeafTable.cutoff(e.nodes[step.node], roundsToFloat: e.roundsInputToFloat)
          if step.left { upper = Swift.min(upper, cut) } else { lower = Swift.max(lower, cut) }
        }
        let law = laws[j]
        if law.feature.isGaussian { return [lower, upper] }
        var key = (0..<law.levelCount).map { l in
          law.points[l].map { allows($0) ? 1.0 : 0.0 } ?? law.mass(level: l, lower: lower, upper: upper)
        }
        key.append(allows(.nan) ? 1 : 0)
        return key
      }
      for t in 0..<e.treeCount {
        func walk(_ n: Int, _ path: [(node: Int, left: Bool)]) {
          let node = e.nodes[n]
          guard node.isLeaf else {
            walk(Int(node.left), path + [(n, true)])
            walk(Int(node.right), path + [(n, false)])
            return
          }
          var features: [Int] = []
          for step in path where !features.contains(Int(e.nodes[step.node].feature)) {
            features.append(Int(e.nodes[step.node].feature))
          }
          leaves.append(
            (e.values[n] * e.treeWeights[t], Int32(e.treeOutputs[t]), features.map { ($0, key($0, path)) }))
        }
        walk(e.treeStart[t], [])
      }
    }
    return leaves
  }

  /// Compares the builder with brute force; returns the numbers of leaves and terms.
  static func check(_ e: TreeEnsemble, laws: [LIMEFeatureLaw], packsStates: Bool = true) throws -> (
    leaves: Int, terms: Int
  ) {
    let built = try LIMELeafTableBuilder(e, laws: laws, packsStates: packsStates)
    let expected = bruteForce(e, laws: laws)
    #expect(built.leafValues.count == expected.count)
    #expect(expected.count == e.nodes.filter(\.isLeaf).count)
    var seen = [Int](repeating: 0, count: laws.count)
    for (i, leaf) in expected.enumerated() where i < built.leafValues.count {
      #expect(built.leafValues[i] == leaf.value && built.leafOutputs[i] == leaf.output, "leaf \(i)")
      let entries = Int(built.leafStart[i])..<Int(built.leafStart[i + 1])
      #expect(entries.count == leaf.entries.count, "leaf \(i)")
      for (entry, (j, key)) in zip(entries, leaf.entries) {
        let term = Int(built.entryTerm[entry]) - built.firstTerm[j]
        #expect(Int(built.entryFeature[entry]) == j, "leaf \(i)")
        #expect(built.keys[j][term] == key, "leaf \(i), feature \(j)")
        // Terms are numbered in the order the leaves meet them.
        #expect(term <= seen[j], "leaf \(i), feature \(j)")
        if term == seen[j] { seen[j] += 1 }
      }
    }
    for j in laws.indices {
      #expect(seen[j] == built.keys[j].count, "feature \(j)")
      #expect(Set(built.keys[j]).count == built.keys[j].count, "feature \(j): a key listed twice")
    }
    return (expected.count, built.keys.map(\.count).reduce(0, +))
  }

  @Test("Adult XGBoost, quartile bins (categories, continuous and degenerate bins) and no bins (Gaussian features)")
  func adult() throws {
    let loaded = try ModelLoader.load(path: LIMEExactReferenceTests.root + "/models/adult-xgboost.json")
    let ensemble = try #require(loaded.model as? TreeEnsemble)
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    var checked = 0
    for discretizer in [LIMEDiscretizer.quartile, .none] {
      let statistics = try LIMETrainingStatistics(background: background, schema: loaded.schema, discretizer: discretizer)
      let laws = statistics.features.map(LIMEFeatureLaw.init)
      #expect(laws.contains { $0.feature.isGaussian } == (discretizer == .none))
      // States looked up as one packed key, or chained as states wider than two words are.
      for packsStates in [true, false] {
        let (leaves, terms) = try Self.check(ensemble, laws: laws, packsStates: packsStates)
        #expect(leaves == 4300 && terms > 500, "\(discretizer): \(leaves) leaves, \(terms) terms")
        checked += 1
      }
    }
    #expect(checked == 4)
  }

  @Test("features of 64 levels or more (states over two pass words, chained look-up)")
  func wideStates() throws {
    let loaded = try ModelLoader.load(path: LIMEExactReferenceTests.root + "/models/adult-xgboost.json")
    let ensemble = try #require(loaded.model as? TreeEnsemble)
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    // Age and hours per week read as categories: one point level per distinct value.
    let codes = (0..<100).map { String($0) }
    let schema = FeatureSchema(names: ensemble.featureNames, card: nil, modelLabels: [0: codes, 11: codes])
    let statistics = try LIMETrainingStatistics(background: background, schema: schema, discretizer: .quartile)
    let laws = statistics.features.map(LIMEFeatureLaw.init)
    #expect(laws[0].levelCount >= 64 && laws[11].levelCount >= 64)
    #expect(laws[0].points.allSatisfy { $0 != nil } && laws[11].points.allSatisfy { $0 != nil })
    let (leaves, terms) = try Self.check(ensemble, laws: laws)
    #expect(leaves == 4300 && terms > 500, "\(leaves) leaves, \(terms) terms")
  }

  @Test("a background with missing values (xgb-binary-nan)")
  func missingValues() throws {
    let fixture = try TreeFixture("xgb-binary-nan")
    let model = try fixture.load("\(fixture.dir)/model.json")
    let (rows, _) = try TreeFixture.readCSV("\(fixture.dir)/background.csv")
    let background = Background(rows: rows, featureCount: fixture.featureCount, source: "background.csv")
    let statistics = try LIMETrainingStatistics(
      background: background, schema: FeatureSchema(names: model.featureNames), discretizer: .quartile)
    let laws = statistics.features.map(LIMEFeatureLaw.init)
    #expect(laws.contains { $0.missingFraction > 0 })
    for packsStates in [true, false] {
      let (leaves, terms) = try Self.check(model, laws: laws, packsStates: packsStates)
      #expect(leaves > 10 && terms > 10)
    }
  }

  @Test("the flat state map finds what it stored and nothing else, across growth")
  func flatMap() {
    var map = LIMEFlatStateMap()
    var reference: [[UInt64]: Int32] = [:]
    var generator = Xoshiro256StarStar(seed: 7, stream: 0)
    for i in 0..<5000 {
      // Few distinct first words, so that keys collide on one word often.
      let a = generator.next() % 16, b = generator.next() % 1024
      if reference[[a, b]] == nil {
        #expect(map.find(a, b) == -1)
        map.insert(a, b, Int32(i))
        reference[[a, b]] = Int32(i)
      }
    }
    #expect(reference.count > 4000)
    #expect(reference.allSatisfy { map.find($0.key[0], $0.key[1]) == $0.value })
    #expect(map.find(16, 0) == -1 && map.find(0, 1024) == -1)
  }
}
