import GlassboxData
import GlassboxModels
import GlassboxTestSupport
import Testing

/// Loaders refuse parameters that would make a prediction or attribution NaN or ±∞, and
/// files whose structure is inconsistent (issue #18, item 9).
@Suite("Loaders accept only finite, consistent models")
struct FiniteParameterTests {
  /// The shipped LightGBM regression fixture's text model.
  func lightGBMText() throws -> String {
    try String(contentsOfFile: fixturesDirectory + "/trees/lgb-regression/model.txt", encoding: .utf8)
  }

  func loadText(_ text: String) throws {
    _ = try TreeEnsemble.read(Array(text.utf8), path: "m.txt")
  }

  /// `text` with the first occurrence of `old` replaced; fails the test when `old` is absent.
  func replacingFirst(_ old: String, with new: String, in text: String) throws -> String {
    let range = try #require(text.range(of: old), "'\(old)' not in the model")
    return text.replacingCharacters(in: range, with: new)
  }

  /// The first line of Tree=0 that starts with `key=`.
  func firstTreeLine(_ key: String, in text: String) throws -> String {
    let tree = try #require(text.range(of: "Tree=0\n"))
    return try #require(text[tree.upperBound...].split(separator: "\n").first { $0.hasPrefix(key + "=") }).description
  }

  @Test("the unmodified LightGBM fixture loads (the mutations below are the only change)")
  func fixtureLoads() throws {
    try loadText(try lightGBMText())
  }

  @Test("a NUL byte or garbage inside a number token is an error naming the tree and key")
  func wholeTokens() throws {
    let text = try lightGBMText()
    let line = try firstTreeLine("leaf_value", in: text)
    let firstValue = try #require(line.dropFirst("leaf_value=".count).split(separator: " ").first)
    let cut = firstValue.index(firstValue.startIndex, offsetBy: 3)
    for damaged in [firstValue[..<cut] + "\u{0}" + firstValue[cut...], firstValue + "x", firstValue + "\u{0}"] {
      let mutated = try replacingFirst("leaf_value=" + firstValue, with: "leaf_value=" + damaged, in: text)
      expectFailure("Tree=0 leaf_value: cannot read") { try loadText(mutated) }
    }
    let nulShown = try replacingFirst("leaf_value=" + firstValue, with: "leaf_value=1\u{0}5", in: text)
    expectFailure("'1\\u{0}5'") { try loadText(nulShown) }
  }

  @Test("a deleted or renumbered Tree= block is an error, not a smaller model")
  func treeBlocksAgainstTreeSizes() throws {
    let text = try lightGBMText()
    let sizesLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("tree_sizes=") })
    let listed = sizesLine.dropFirst("tree_sizes=".count).split(separator: " ").count
    #expect(listed > 4)
    // Delete a middle block: the ids jump.
    let third = try #require(text.range(of: "Tree=2\n"))
    let fourth = try #require(text.range(of: "Tree=3\n"))
    let middleDeleted = text.replacingCharacters(in: third.lowerBound..<fourth.lowerBound, with: "")
    expectFailure("Tree=3: tree block 2 is numbered '3', expected 2") { try loadText(middleDeleted) }
    // Delete the last block: the ids still run 0, 1, ... but tree_sizes lists one more.
    let last = try #require(text.range(of: "Tree=\(listed - 1)\n"))
    let end = try #require(text.range(of: "end of trees"))
    let lastDeleted = text.replacingCharacters(in: last.lowerBound..<end.lowerBound, with: "")
    expectFailure("tree_sizes: lists \(listed) trees but the file has \(listed - 1) Tree= blocks") { try loadText(lastDeleted) }
  }

  @Test("num_class must agree with num_tree_per_iteration")
  func classesAgainstTreesPerIteration() throws {
    let text = try lightGBMText()
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("num_class=") })
    let stated = try #require(Int(line.dropFirst("num_class=".count)))
    let mutated = try replacingFirst(String(line) + "\n", with: "num_class=\(stated + 2)\n", in: text)
    expectFailure("num_class: num_class \(stated + 2) but num_tree_per_iteration \(stated)") { try loadText(mutated) }
  }

  @Test("a key repeated in a tree block or in the header is an error")
  func duplicateKeys() throws {
    let text = try lightGBMText()
    let shrinkage = try firstTreeLine("shrinkage", in: text)
    let inTree = try replacingFirst(shrinkage + "\n", with: shrinkage + "\n" + shrinkage + "\n", in: text)
    expectFailure("Tree=0 shrinkage: the key appears twice in the tree block") { try loadText(inTree) }
    let leafLine = try firstTreeLine("leaf_value", in: text)
    let inTreeValues = try replacingFirst(leafLine + "\n", with: leafLine + "\n" + leafLine + "\n", in: text)
    expectFailure("Tree=0 leaf_value: the key appears twice") { try loadText(inTreeValues) }
    let inHeader = try replacingFirst("version=v4\n", with: "version=v4\nobjective=regression\n", in: text)
    expectFailure("objective: the key appears twice in the header") { try loadText(inHeader) }
  }

  @Test("an overflowing LightGBM leaf, a NaN threshold and a zero internal_count are rejected with the node")
  func lightGBMValues() throws {
    let text = try lightGBMText()
    let leafLine = try firstTreeLine("leaf_value", in: text)
    let firstLeaf = try #require(leafLine.split(separator: "=").last?.split(separator: " ").first)
    let huge = try replacingFirst("leaf_value=" + firstLeaf, with: "leaf_value=1e308", in: text)
    // Leaf j of a tree with L leaves is local node L-1+j: leaf 0 of an 8-leaf tree is node 7.
    let leafCount = try #require(Int(try firstTreeLine("num_leaves", in: text).dropFirst("num_leaves=".count)))
    expectFailure("Tree=0.value[\(leafCount - 1)]: leaf value 1e+308 is not a finite number within ±1e+300") {
      try loadText(huge)
    }
    let thresholdLine = try firstTreeLine("threshold", in: text)
    let firstThreshold = try #require(thresholdLine.split(separator: "=").last?.split(separator: " ").first)
    let nan = try replacingFirst("threshold=" + firstThreshold, with: "threshold=nan", in: text)
    expectFailure("Tree=0.threshold[0]: the split threshold is NaN") { try loadText(nan) }
    let countLine = try firstTreeLine("internal_count", in: text)
    let firstCount = try #require(countLine.split(separator: "=").last?.split(separator: " ").first)
    let zero = try replacingFirst("internal_count=" + firstCount, with: "internal_count=0", in: text)
    expectFailure("Tree=0.cover[0]: a split node needs a positive cover") { try loadText(zero) }
  }

  @Test("XGBoost: zero sum_hessian on a split node, leaves beyond ±1e30, NaN-free base margins")
  func xgboostValues() {
    expectFailure("model.trees[0].cover[0]: a split node needs a positive cover (path-dependent TreeSHAP divides by it), found 0.0") {
      _ = try decode(xgboostJSON(hessian: [0, 1, 1]))
    }
    expectFailure("model.trees[0].value[2]: leaf value 1.0") {
      _ = try decode(xgboostJSON(conditions: [0.5, -1, 1e35]))
    }
    expectFailure("e+35 is not a finite number within ±1e+30") { _ = try decode(xgboostJSON(conditions: [0.5, -1, 1e35])) }
    // 1e308 is infinite in float32, as XGBoost stores it.
    expectFailure("model.trees[0].value[1]: leaf value inf") { _ = try decode(xgboostJSON(conditions: [0.5, 1e308, 1])) }
    expectFailure("base_score: the base margin of output 0 is 1.0") { _ = try decode(xgboostJSON(baseScore: "[1E35]")) }
    // A zero cover on a leaf is legitimate (no data reached it) and loads.
    #expect((try? decode(xgboostJSON(hessian: [2, 0, 2]))) != nil)
  }

  /// The tiny XGBoost document with `num_class`, and optionally `tree_info`/`trees` replaced.
  func xgboost(objective: String, numClass: Int, withoutTrees: Bool = false) throws -> String {
    var text = xgboostJSON(objective: objective)
    text = try replacingFirst("\"num_class\":\"0\"", with: "\"num_class\":\"\(numClass)\"", in: text)
    if withoutTrees {
      let start = try #require(text.range(of: "\"tree_info\":[0],\"trees\":["))
      let end = try #require(text.range(of: "]}},", range: start.upperBound..<text.endIndex))
      text.replaceSubrange(start.lowerBound..<end.lowerBound, with: "\"tree_info\":[],\"trees\":[")
    }
    return text
  }

  @Test("XGBoost num_class must fit the objective; every output group needs the same number of trees")
  func xgboostOutputGroups() throws {
    let million = try xgboost(objective: "binary:logistic", numClass: 1_000_000)
    expectFailure("num_class: the objective 'binary:logistic' has one output, but num_class is 1000000") { _ = try decode(million) }
    let three = try xgboost(objective: "binary:logistic", numClass: 3)
    expectFailure("but num_class is 3 (expected 0 or 1)") { _ = try decode(three) }
    let softprobOne = try xgboost(objective: "multi:softprob", numClass: 1)
    expectFailure("the objective 'multi:softprob' needs at least 2 classes, found 1") { _ = try decode(softprobOne) }
    // Two classes but the only tree is in group 0.
    let uneven = try xgboost(objective: "multi:softprob", numClass: 2)
    expectFailure("model.tree_info: output group 1 has 0 trees but group 0 has 1") { _ = try decode(uneven) }
    let empty = try xgboost(objective: "reg:squarederror", numClass: 0, withoutTrees: true)
    expectFailure("model.trees: the model has no trees") { _ = try decode(empty) }
    let declaredTwo = try replacingFirst("\"num_trees\":\"1\"", with: "\"num_trees\":\"2\"", in: xgboostJSON())
    expectFailure("model.gbtree_model_param.num_trees: declares 2 trees but model.trees holds 1") { _ = try decode(declaredTwo) }
    // num_class 1 on a regression objective is how some versions write it: accepted.
    #expect((try? decode(try xgboost(objective: "reg:squarederror", numClass: 1))) != nil)
  }

  @Test("children's covers must add up to their parent's (within 0.1%), in every format")
  func coversAddUp() throws {
    expectFailure("model.trees[0].cover[0]: the children's covers add up to 6.0, not to the node's cover 2.0") {
      _ = try decode(xgboostJSON(hessian: [2, 1, 5]))
    }
    expectFailure("the children's covers add up to 1.0000000150474662e+30, not to the node's cover 2.0") {
      _ = try decode(xgboostJSON(hessian: [2, 1e30, 1]))
    }
    // Float32 rounding of stored covers is accepted.
    #expect((try? decode(xgboostJSON(hessian: [2.0001, 1, 1]))) != nil)
    // LightGBM: a leaf count made huge in the text model.
    let text = try lightGBMText()
    let line = try firstTreeLine("leaf_count", in: text)
    let counts = line.dropFirst("leaf_count=".count).split(separator: " ")
    let huge = "leaf_count=" + (["99999999999999999999"] + counts.dropFirst()).joined(separator: " ")
    expectFailure("the children's covers add up to") { try loadText(try replacingFirst(line, with: huge, in: text)) }
  }

  @Test("a file without feature names may declare at most 10,000,000 features (names made for it)")
  func generatedNamesAreBounded() throws {
    let wide = xgboostJSON(numFeature: 10_000_001)
    expectFailure("learner_model_param.num_feature: declares 10000001 features but the file names none") {
      _ = try decode(wide)
    }
    let text = try lightGBMText()
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("max_feature_idx=") }).description
    var unnamed = try replacingFirst(line, with: "max_feature_idx=99999999", in: text)
    let names = try #require(unnamed.split(separator: "\n").first { $0.hasPrefix("feature_names=") }).description
    unnamed = try replacingFirst(names + "\n", with: "", in: unnamed)
    expectFailure("max_feature_idx: declares 100000000 features but the file names none") { try loadText(unnamed) }
  }

  @Test("DART: one weight_drop per tree; the fixture loads, one weight more or less is an error")
  func dartWeights() throws {
    let text = try String(contentsOfFile: fixturesDirectory + "/trees/xgb-dart/model.json", encoding: .utf8)
    #expect((try? decode(text)) != nil)
    let start = try #require(text.range(of: "\"weight_drop\":["))
    let end = try #require(text.range(of: "]", range: start.upperBound..<text.endIndex))
    let weights = text[start.upperBound..<end.lowerBound].split(separator: ",")
    #expect(weights.count == 30)
    var shorter = text
    shorter.replaceSubrange(start.upperBound..<end.lowerBound, with: weights.dropLast().joined(separator: ","))
    expectFailure("gradient_booster.weight_drop: 29 weights for 30 trees") { _ = try decode(shorter) }
    var longer = text
    longer.replaceSubrange(start.upperBound..<end.lowerBound, with: (weights + ["1"]).joined(separator: ","))
    expectFailure("gradient_booster.weight_drop: 31 weights for 30 trees") { _ = try decode(longer) }
  }

  func linear(coefficients: String, intercept: String = "0", means: String = "[0,0]") -> String {
    """
    {"format":"glassbox-linear","features":["a","b"],"coefficients":\(coefficients),"intercept":\(intercept),\
    "means":\(means),"link":"identity"}
    """
  }

  func loadLinear(_ text: String) throws {
    _ = try LinearModel.load(try JSONParser.parse(Array(text.utf8), path: "m.json"), path: "m.json")
  }

  @Test("linear models: coefficients, intercepts and means beyond ±1e300 are named with their index")
  func linearBounds() throws {
    try loadLinear(linear(coefficients: "[1e300,-1e300]"))
    expectFailure("m.json: coefficients[1]: 1e+301 is not a finite number within ±1e+300") {
      try loadLinear(linear(coefficients: "[1,1e301]"))
    }
    expectFailure("m.json: intercept: -1e+305 is not a finite number") {
      try loadLinear(linear(coefficients: "[1,1]", intercept: "-1e305"))
    }
    expectFailure("m.json: means[0]: 1e+301") { try loadLinear(linear(coefficients: "[1,1]", means: "[1e301,0]")) }
  }
}
