import GlassboxModels
import GlassboxTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The repository's `Fuzz` folder (seed corpora and regression inputs, docs/fuzzing.md).
private let fuzzDirectory = String(fixturesDirectory.dropLast("Tests/Fixtures".count)) + "Fuzz"

/// The regular files in `folder`, sorted; none when it does not exist.
private func files(in folder: String) -> [String] {
  guard let dir = opendir(folder) else { return [] }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    if !name.hasPrefix("."), entry.pointee.d_type == UInt8(DT_REG) { names.append(folder + "/" + name) }
  }
  return names.sorted()
}

/// The model seeds must stay valid models of their target's format: a seed the loader
/// rejects only teaches the fuzzer the first error path.
@Suite struct FuzzCorpusTests {
  static let formatOfTarget = [
    "model_xgboost": "xgboost-json", "model_lightgbm_text": "lightgbm-text", "model_lightgbm_dump": "lightgbm-dump-json",
    "model_sklearn": "glassbox-trees", "model_linear": "glassbox-linear",
  ]

  @Test(arguments: formatOfTarget.keys.sorted())
  func seedsLoadAsTheirFormat(target: String) throws {
    let seeds = files(in: "\(fuzzDirectory)/corpus/\(target)")
    #expect(!seeds.isEmpty, "no seeds for \(target)")
    for seed in seeds {
      let loaded = try ModelLoader.load(path: seed)
      #expect(loaded.format == Self.formatOfTarget[target], "\(seed)")
      let margins = loaded.model.predictMargins([Double](repeating: 0, count: loaded.model.featureCount))
      #expect(margins.count == loaded.model.outputCount && margins.allSatisfy(\.isFinite), "\(seed)")
    }
  }

  @Test func everyFormatSeedIsInTheContentRecognitionCorpus() {
    let all = Set(files(in: "\(fuzzDirectory)/corpus/model").map { $0.split(separator: "/").last! })
    for target in Self.formatOfTarget.keys {
      for seed in files(in: "\(fuzzDirectory)/corpus/\(target)") {
        #expect(all.contains(seed.split(separator: "/").last!), "\(seed) is missing from corpus/model")
      }
    }
  }
}
