import GlassboxData

/// One split of a CatBoost oblivious tree in glassbox's terms: `x <= threshold` (float32)
/// goes left, or, for a one-hot split, the category code goes right.
struct CatBoostSplit {
  var feature: Int
  var threshold: Double
  /// NaN takes the left child (the condition is false: nan_mode Min, or AsIs).
  var nanGoesLeft: Bool
  /// The category code a one-hot split tests, nil for a float split.
  var category: Int?
}

/// CatBoost's input columns: float features and one-hot categorical features, each with
/// its input column (`flat_feature_index`), and the map from category hashes to codes.
struct CatBoostColumns {
  var names: [String] = []
  /// Per float feature (`float_feature_index`): input column and NaN side.
  var floats: [(column: Int, nanGoesLeft: Bool)] = []
  /// Per categorical feature (`cat_feature_index`): input column.
  var categoricals: [Int] = []
  /// The category string of each hash (`cat_features_hash`), as CatBoost writes the hash
  /// in splits (signed 32-bit).
  var categoryOfHash: [Int64: String] = [:]

  init(_ info: JSONObject, root: JSONObject, f: TreeFields) throws {
    var columnNames: [Int: String] = [:]
    func column(_ o: JSONObject, _ field: String) throws -> Int {
      let c = try f.integer(o["flat_feature_index"], "\(field).flat_feature_index", in: 0...1_000_000)
      guard columnNames[c] == nil else { throw f.invalid("\(field).flat_feature_index", "column \(c) is described twice") }
      columnNames[c] = o["feature_id"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "f\(c)"
      return c
    }
    let floatList = try info["float_features"].map { try f.array($0, "features_info.float_features") } ?? []
    for (i, v) in floatList.enumerated() {
      let field = "features_info.float_features[\(i)]"
      let o = try f.object(v, field)
      let index = try f.integer(o["feature_index"] ?? .number(Double(i)), "\(field).feature_index", in: i...i)
      _ = index
      let treatment = o["nan_value_treatment"]?.string ?? "AsIs"
      guard ["AsIs", "AsFalse", "AsTrue"].contains(treatment) else {
        throw f.invalid("\(field).nan_value_treatment", "expected AsIs, AsFalse or AsTrue, found '\(treatment)'")
      }
      floats.append((try column(o, field), treatment != "AsTrue"))
    }
    let categoricalList = try info["categorical_features"].map { try f.array($0, "features_info.categorical_features") } ?? []
    for (i, v) in categoricalList.enumerated() {
      let field = "features_info.categorical_features[\(i)]"
      categoricals.append(try column(try f.object(v, field), field))
    }
    if info["ctrs"]?.array?.isEmpty == false { throw CatBoostJSONLoader.ctrRefusal(f.path) }
    let count = (columnNames.keys.max() ?? -1) + 1
    guard count > 0 else { throw f.invalid("features_info", "the model has no features") }
    names = (0..<count).map { columnNames[$0] ?? "f\($0)" }
    try f.checkNames(names, "features_info")
    let hashList = try (info["cat_features_hash"] ?? root["cat_features_hash"]).map { try f.array($0, "features_info.cat_features_hash") } ?? []
    for (i, v) in hashList.enumerated() {
      let o = try f.object(v, "cat_features_hash[\(i)]")
      let hash = try f.number(o["hash"], "cat_features_hash[\(i)].hash")
      guard hash == hash.rounded(), hash >= 0, hash <= Double(UInt32.max) else {
        throw f.invalid("cat_features_hash[\(i)].hash", "expected an unsigned 32-bit integer, found \(hash)")
      }
      categoryOfHash[Int64(Int32(truncatingIfNeeded: UInt32(hash)))] = try f.string(o["value"], "cat_features_hash[\(i)].value")
    }
  }

  /// A split object of `oblivious_trees[t].splits`.
  /// - Throws: `ModelError` for CTR splits, unknown split types, bad indices and string categories.
  func split(_ o: JSONObject, field: String, f: TreeFields) throws -> CatBoostSplit {
    let type = try f.string(o["split_type"], "\(field).split_type")
    switch type {
    case "FloatFeature":
      let i = try f.integer(o["float_feature_index"], "\(field).float_feature_index", in: 0...1_000_000)
      guard i < floats.count else { throw f.invalid("\(field).float_feature_index", "\(i) is outside 0..<\(floats.count)") }
      let border = try f.number(o["border"], "\(field).border")
      guard !border.isNaN else { throw f.invalid("\(field).border", "the border is NaN") }
      return CatBoostSplit(
        feature: floats[i].column, threshold: Double(Float(border)), nanGoesLeft: floats[i].nanGoesLeft, category: nil)
    case "OneHotFeature":
      let i = try f.integer(o["cat_feature_index"], "\(field).cat_feature_index", in: 0...1_000_000)
      guard i < categoricals.count else {
        throw f.invalid("\(field).cat_feature_index", "\(i) is outside 0..<\(categoricals.count)")
      }
      let hash = try f.integer(o["value"], "\(field).value", in: Int(Int32.min)...Int(UInt32.max))
      let key = Int64(Int32(truncatingIfNeeded: hash))
      guard let label = categoryOfHash[key] else {
        if categoryOfHash.isEmpty {
          throw ModelError.unsupported(
            path: f.path,
            what: "CatBoost one-hot splits without the category strings (the file has no cat_features_hash: save it with "
              + "save_model(path, format=\"json\", pool=training_pool) so that it lists them)")
        }
        throw f.invalid("\(field).value", "the category hash \(hash) is not listed in cat_features_hash")
      }
      guard let code = Int(label), code >= 0, code < 16_777_216 else {
        throw ModelError.unsupported(
          path: f.path,
          what: "the CatBoost category '\(label)' of column \(names[categoricals[i]]) (glassbox reads one-hot categories "
            + "that are integer codes 0..<2^24: train CatBoost on integer-coded categorical columns)")
      }
      return CatBoostSplit(feature: categoricals[i], threshold: 0, nanGoesLeft: true, category: code)
    case "OnlineCtr":
      throw CatBoostJSONLoader.ctrRefusal(f.path)
    default:
      throw ModelError.unsupported(path: f.path, what: "the CatBoost split type '\(type)' (\(field))")
    }
  }
}
