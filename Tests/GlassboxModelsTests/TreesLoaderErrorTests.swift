import GlassboxSystem
import GlassboxData
import GlassboxModels
import Testing

/// A tiny XGBoost JSON document: one tree with the given node arrays.
func xgboostJSON(
  left: [Int] = [1, -1, -1], right: [Int] = [2, -1, -1], feature: [Int] = [0, 0, 0],
  conditions: [Double] = [0.5, -1, 1], hessian: [Double] = [2, 1, 1], numFeature: Int = 2,
  booster: String = "gbtree", objective: String = "reg:squarederror", leafVector: Int = 1, baseScore: String = "[5E-1]"
) -> String {
  let n = left.count
  func list(_ a: [some Any]) -> String { "[" + a.map { "\($0)" }.joined(separator: ",") + "]" }
  let tree = """
    {"left_children":\(list(left)),"right_children":\(list(right)),"split_indices":\(list(feature)),
    "split_conditions":\(list(conditions)),"default_left":\(list([Int](repeating: 0, count: n))),
    "split_type":\(list([Int](repeating: 0, count: n))),"sum_hessian":\(list(hessian)),
    "categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],
    "tree_param":{"num_nodes":"\(n)","num_feature":"\(numFeature)","size_leaf_vector":"\(leafVector)"}}
    """
  return """
    {"learner":{"feature_names":[],"feature_types":[],
    "gradient_booster":{"name":"\(booster)","model":{"gbtree_model_param":{"num_trees":"1","num_parallel_tree":"1"},
    "tree_info":[0],"trees":[\(tree)]}},
    "learner_model_param":{"base_score":"\(baseScore)","num_class":"0","num_feature":"\(numFeature)","num_target":"1"},
    "objective":{"name":"\(objective)"}},"version":[3,2,0]}
    """
}

func decode(_ text: String) throws -> any Model {
  try TreeEnsemble.read(Array(text.utf8), path: "m.json")
}

/// Expects a user-facing error whose message contains `fragment`.
func expectFailure(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
  do {
    try body()
    Issue.record("expected an error mentioning '\(fragment)'", sourceLocation: sourceLocation)
  } catch let error as any UserFacingError {
    #expect(error.description.contains(fragment), "message: \(error.description)", sourceLocation: sourceLocation)
  } catch {
    Issue.record("not a UserFacingError: \(error)", sourceLocation: sourceLocation)
  }
}

@Suite("Tree loaders reject bad files cleanly")
struct TreesLoaderErrorTests {
  @Test func validTinyModelLoads() throws {
    let model = try #require(try decode(xgboostJSON()) as? TreeEnsemble)
    #expect(model.featureNames == ["f0", "f1"])
    #expect(model.predictMargins([0.2, 0, 0.7, 0]) == [-0.5, 1.5])
  }

  @Test func truncatedJSON() {
    let text = xgboostJSON()
    expectFailure("malformed JSON") { _ = try decode(String(text.prefix(text.count / 2))) }
  }

  @Test func childOutOfRange() {
    expectFailure("outside 0..<3") { _ = try decode(xgboostJSON(left: [7, -1, -1])) }
  }

  @Test func cycleIsRejected() {
    expectFailure("reached twice") {
      _ = try decode(xgboostJSON(left: [1, 0, -1], right: [2, 2, -1], feature: [0, 0, 0], conditions: [0.5, 0.5, 1]))
    }
  }

  @Test func sharedSubtreeIsRejected() {
    expectFailure("reached twice") { _ = try decode(xgboostJSON(left: [1, -1, -1], right: [1, -1, -1])) }
  }

  @Test func featureBeyondCount() {
    expectFailure("feature index 5") { _ = try decode(xgboostJSON(feature: [5, 0, 0])) }
  }

  @Test func lengthMismatch() {
    expectFailure("entries for num_nodes") { _ = try decode(xgboostJSON(hessian: [2, 1])) }
  }

  @Test func negativeCover() {
    expectFailure("cover") { _ = try decode(xgboostJSON(hessian: [2, -1, 1])) }
  }

  @Test func unsupportedVariants() {
    expectFailure("gradient_booster.model.weights: missing") { _ = try decode(xgboostJSON(booster: "gblinear")) }
    expectFailure("size_leaf_vector: 3 leaf values for 1 outputs") { _ = try decode(xgboostJSON(leafVector: 3)) }
    expectFailure("reg:unheard-of") { _ = try decode(xgboostJSON(objective: "reg:unheard-of")) }
    expectFailure("base_score") { _ = try decode(xgboostJSON(baseScore: "[abc]")) }
  }

  @Test func ubjsonIsNamed() {
    expectFailure("UBJSON") { _ = try TreeEnsemble.read([0x7B, 0x4C, 0, 0, 0, 0, 0, 0, 0, 7], path: "m.ubj") }
  }

  static let lightgbmText = """
    tree
    version=v4
    num_class=1
    num_tree_per_iteration=1
    label_index=0
    max_feature_idx=1
    objective=regression
    feature_names=a b
    feature_infos=[0:1] [0:1]
    tree_sizes=100

    Tree=0
    num_leaves=2
    num_cat=0
    split_feature=1
    split_gain=1
    threshold=0.5
    decision_type=2
    left_child=-1
    right_child=-2
    leaf_value=-1 1
    leaf_weight=1 1
    leaf_count=3 5
    internal_value=0
    internal_weight=2
    internal_count=8
    is_linear=0
    shrinkage=1


    end of trees
    """

  @Test func lightgbmTextLoadsAndPredicts() throws {
    let model = try #require(try decode(Self.lightgbmText) as? TreeEnsemble)
    #expect(model.featureNames == ["a", "b"])
    #expect(model.predictMargins([0, 0.5, 0, 0.6, 0, .nan]) == [-1, 1, -1])
  }

  @Test func lightgbmTextErrors() {
    expectFailure("truncated") { _ = try decode(String(Self.lightgbmText.prefix(300))) }
    expectFailure("leaf_const: missing (the tree is linear)") { _ = try decode(Self.lightgbmText.replacingFirst("is_linear=0", "is_linear=1")) }
    expectFailure("outside the tree") { _ = try decode(Self.lightgbmText.replacingFirst("right_child=-2", "right_child=-9")) }
    expectFailure("feature index 4") { _ = try decode(Self.lightgbmText.replacingFirst("split_feature=1", "split_feature=4")) }
    expectFailure("3 entries, expected 2") { _ = try decode(Self.lightgbmText.replacingFirst("leaf_value=-1 1", "leaf_value=-1 1 3")) }
  }

  @Test func sklearnErrors() {
    let good = """
      {"format":"glassbox-trees","version":1,"features":["a"],"num_outputs":1,"base_margin":[0],"link":"identity",
      "aggregation":"sum","trees":[{"output":0,"weight":1,"left":[1,-1,-1],"right":[2,-1,-1],"feature":[0,-2,-2],
      "threshold":["inf",-2,-2],"missing_left":[0,0,0],"value":[0,1,2],"cover":[2,1,1]}]}
      """
    #expect((try? decode(good)) != nil)
    if let model = try? decode(good) {
      // threshold +inf: every number goes left, NaN goes right.
      #expect(model.predictMargins([1e30, .nan]) == [1, 2])
    }
    expectFailure("outside 0..<3") { _ = try decode(good.replacingFirst("\"left\":[1,-1,-1]", "\"left\":[5,-1,-1]")) }
    expectFailure("feature index 3") { _ = try decode(good.replacingFirst("\"feature\":[0,-2,-2]", "\"feature\":[3,-2,-2]")) }
    expectFailure("link") { _ = try decode(good.replacingFirst("identity", "probit")) }
  }
}

extension String {
  func replacingFirst(_ a: String, _ b: String) -> String {
    guard let r = firstRange(of: a) else { return self }
    var copy = self
    copy.replaceSubrange(r, with: b)
    return copy
  }
}
