import GlassboxData
import GlassboxModels
import GlassboxSystem
import GlassboxTestSupport
import Testing

/// Inputs that once crashed or stalled a model fuzz target (Fuzz/regressions/model*/):
/// each must now fail with one clear error naming the field at fault.
@Suite struct FuzzRegressionTests {
  /// What the error must say, by regression file name.
  static let expected = [
    // max_feature_idx=100000000000 tried to allocate 100 billion default feature names.
    "lightgbm-max-feature-idx-1e11.txt": "max_feature_idx: expected an integer in 0...100000000, found '100000000000'",
    // max_feature_idx=600014 and no tree: 600,015 names were made and checked before
    // the missing trees were noticed (over 10 s under the address sanitizer).
    "lightgbm-600015-default-names-no-trees.txt": "Tree: the file has no trees",
    // A categorical split whose threshold (the category index) was 6.7e82: converting it
    // to Int trapped.
    "lightgbm-category-threshold-6e82.txt": "Tree=1 threshold[0]: category index 6.666666666666667e+82 is outside 0..<1",
  ]

  static let inputs = ["model", "model_lightgbm_text"].flatMap { regularFiles(in: "\(fuzzDirectory)/regressions/\($0)") }

  @Test func everyRegressionInputHasAnExpectedError() {
    #expect(!Self.inputs.isEmpty)
    for path in Self.inputs {
      let name = String(path.split(separator: "/").last!)
      #expect(Self.expected[name] != nil, "\(path) has no expected error in FuzzRegressionTests")
    }
  }

  @Test(arguments: inputs)
  func failsWithAClearError(path: String) throws {
    let fragment = try #require(Self.expected[String(path.split(separator: "/").last!)])
    do {
      let loaded = try ModelLoader.load(path: path)
      Issue.record("\(path) loaded as \(loaded.format); expected an error")
    } catch let error as any UserFacingError {
      #expect(error.description.contains(fragment), "message: \(error.description)")
      #expect(!error.description.contains("\n"))
    }
  }
}
