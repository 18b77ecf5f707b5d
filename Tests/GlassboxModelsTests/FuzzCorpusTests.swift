import GlassboxModels
import GlassboxTestSupport
import Testing

/// The model seeds must stay valid models of their target's format: a seed the loader
/// rejects only teaches the fuzzer the first error path.
@Suite struct FuzzCorpusTests {
  static let formatOfTarget = [
    "model_xgboost": "xgboost-json", "model_lightgbm_text": "lightgbm-text", "model_lightgbm_dump": "lightgbm-dump-json",
    "model_sklearn": "glassbox-trees", "model_linear": "glassbox-linear",
    "model_xgboost_ubjson": "xgboost-ubjson",
    "model_catboost": "catboost-json", "model_onnx": "onnx-trees",
  ]

  @Test(arguments: formatOfTarget.keys.sorted())
  func seedsLoadAsTheirFormat(target: String) throws {
    let seeds = regularFiles(in: "\(fuzzDirectory)/corpus/\(target)")
    #expect(!seeds.isEmpty, "no seeds for \(target)")
    for seed in seeds {
      let loaded = try ModelLoader.load(path: seed)
      #expect(loaded.format == Self.formatOfTarget[target], "\(seed)")
      let margins = loaded.model.predictMargins([Double](repeating: 0, count: loaded.model.featureCount))
      #expect(margins.count == loaded.model.outputCount && margins.allSatisfy(\.isFinite), "\(seed)")
    }
  }

  @Test func everyFormatSeedIsInTheContentRecognitionCorpus() {
    let all = Set(regularFiles(in: "\(fuzzDirectory)/corpus/model").map { $0.split(separator: "/").last! })
    for target in Self.formatOfTarget.keys {
      for seed in regularFiles(in: "\(fuzzDirectory)/corpus/\(target)") {
        #expect(all.contains(seed.split(separator: "/").last!), "\(seed) is missing from corpus/model")
      }
    }
  }
}
