/// Reads LightGBM text models (`Booster.save_model`, format `version=v4`).
///
/// Split arrays have `num_leaves − 1` entries; a child `c < 0` is leaf `~c`.
/// `decision_type` bits: 0 categorical, 1 default-left, 2–3 missing type (None, Zero,
/// NaN). Categorical thresholds index `cat_boundaries` into the `cat_threshold` bitset
/// words; categories in the set go left. Linear trees (`is_linear=1`) give a
/// `LinearTreeEnsemble`.
///
/// Strict where LightGBM's own reader is lenient: every number token must be read whole
/// (a NUL byte or other garbage inside it is an error naming the key and tree), a key may
/// appear once per tree block and once in the header, `Tree=` blocks must be numbered
/// 0, 1, 2, … and, when the header lists `tree_sizes`, there must be one block per entry.
enum LightGBMTextLoader {
  /// - Throws: `ModelError` for unsupported variants and inconsistent content.
  /// - Complexity: O(file size).
  static func load(_ bytes: [UInt8], path: String) throws -> any Model {
    let text = String(decoding: bytes, as: UTF8.self)
    var header = LightGBMHeader()
    var trees: [TreeSpec] = []
    var linear: [LinearLeavesSpec?] = []
    var block: [Substring: Substring] = [:]
    var blockName = ""
    var treeIDs: [Substring] = []
    var inTree = false
    var headerFields: [Substring: Substring] = [:]
    var sawEnd = false

    func finishTree() throws {
      if inTree {
        let tree = try readTree(block, name: blockName, path: path)
        trees.append(tree)
        linear.append(try linearLeaves(block, tree: tree, name: blockName, path: path))
      }
      block = [:]
      inTree = false
    }

    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      if line == "end of trees" {
        sawEnd = true
        break
      }
      if line.isEmpty { continue }
      guard let eq = line.firstIndex(of: "=") else {
        if line == "average_output" { header.averageOutput = true }
        continue
      }
      let key = line[..<eq]
      let value = line[line.index(after: eq)...]
      if key == "Tree" {
        try finishTree()
        inTree = true
        blockName = "Tree=\(value)"
        treeIDs.append(value)
        continue
      }
      if inTree {
        guard block.updateValue(value, forKey: key) == nil else {
          throw ModelError.invalid(path: path, field: "\(blockName) \(key)", problem: "the key appears twice in the tree block")
        }
      } else {
        guard headerFields.updateValue(value, forKey: key) == nil else {
          throw ModelError.invalid(path: path, field: String(key), problem: "the key appears twice in the header")
        }
      }
    }
    guard sawEnd else {
      throw ModelError.invalid(path: path, field: "end of trees", problem: "the line is missing: the file is truncated")
    }
    try finishTree()

    // The same bounds as the dump and XGBoost loaders: a count beyond them is a damaged
    // file, and allocating for it would exhaust memory.
    func headerInt(_ key: Substring, in range: ClosedRange<Int>, default d: Int? = nil) throws -> Int {
      guard let v = headerFields[key] else {
        if let d { return d }
        throw ModelError.invalid(path: path, field: String(key), problem: "missing from the header")
      }
      guard let i = Int(v.trimmingCharacters), range.contains(i) else {
        throw ModelError.invalid(
          path: path, field: String(key),
          problem: "expected an integer in \(range.lowerBound)...\(range.upperBound), found '\(v)'")
      }
      return i
    }
    guard !trees.isEmpty else {
      throw ModelError.invalid(path: path, field: "Tree", problem: "the file has no trees (truncated?)")
    }
    header.featureCount = try headerInt("max_feature_idx", in: 0...100_000_000) + 1
    header.treesPerIteration = max(1, try headerInt("num_tree_per_iteration", in: 0...1_000_000, default: 1))
    if headerFields["num_class"] != nil { header.classCount = try headerInt("num_class", in: 0...1_000_000) }
    header.objective = String(headerFields["objective"] ?? "")
    if let names = headerFields["feature_names"] {
      header.featureNames = names.split(separator: " ").map(String.init)
    }
    if header.featureNames.isEmpty {
      header.featureNames = try TreeFields(path: path).generatedNames(
        prefix: "Column_", count: header.featureCount, field: "max_feature_idx")
    }
    guard header.featureNames.count == header.featureCount else {
      throw ModelError.invalid(
        path: path, field: "feature_names",
        problem: "\(header.featureNames.count) names for max_feature_idx+1 = \(header.featureCount)")
    }
    try TreeFields(path: path).checkNames(header.featureNames, "feature_names")
    try checkTreeBlocks(treeIDs, sizes: headerFields["tree_sizes"], path: path)
    let ensemble = try header.ensemble(trees: trees, path: path)
    guard linear.contains(where: { $0 != nil }) else { return ensemble }
    for (t, leaves) in linear.enumerated() {
      for f in (leaves?.features ?? []).joined() where f >= header.featureCount {
        throw ModelError.invalid(
          path: path, field: "Tree=\(t) leaf_features", problem: "feature index \(f) is outside 0..<\(header.featureCount)")
      }
    }
    return LinearTreeEnsemble(trees: ensemble, specs: trees, linear: linear)
  }

  /// The linear parts of a tree block with `is_linear=1`, nil for a constant tree.
  static func linearLeaves(
    _ block: [Substring: Substring], tree: TreeSpec, name: String, path: String
  ) throws -> LinearLeavesSpec? {
    guard let flag = block["is_linear"], flag != "0" else { return nil }
    guard flag == "1" else {
      throw ModelError.invalid(path: path, field: "\(name) is_linear", problem: "expected 0 or 1, found '\(shown(flag))'")
    }
    let leaves = tree.left.filter { $0 == -1 }.count
    return try LinearLeavesSpec.read(block, leaves: leaves, featureLimit: 1 << 30, name: name, path: path)
  }

  /// The `Tree=` ids must run 0, 1, 2, …, and `tree_sizes` (when present) must list one
  /// size per block: a deleted or repeated block is an error, not a smaller model.
  static func checkTreeBlocks(_ ids: [Substring], sizes: Substring?, path: String) throws {
    for (i, id) in ids.enumerated() where Int(id) != i {
      throw ModelError.invalid(
        path: path, field: "Tree=\(id)", problem: "tree block \(i) is numbered '\(id)', expected \(i) (a block is missing or repeated)")
    }
    if let sizes {
      let listed = sizes.split(separator: " ").count
      guard listed == ids.count else {
        throw ModelError.invalid(
          path: path, field: "tree_sizes", problem: "lists \(listed) trees but the file has \(ids.count) Tree= blocks")
      }
    }
  }

  /// A whole number token: nil when any part of it (a NUL byte, trailing garbage) is not
  /// part of the number. (`Double(_:)` alone stops at a NUL byte.)
  static func number(_ token: Substring) -> Double? {
    guard !token.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7f }) else { return nil }
    return Double(token)
  }

  /// How a token that is not a number is shown in a message: control bytes as \u{…}.
  static func shown(_ token: Substring) -> String {
    token.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
      .joined()
  }

  static func readTree(_ block: [Substring: Substring], name: String, path: String) throws -> TreeSpec {
    func fail(_ key: String, _ problem: String) -> ModelError {
      .invalid(path: path, field: "\(name) \(key)", problem: problem)
    }
    func numbers(_ key: String, count: Int, required: Bool = true) throws -> [Double] {
      guard let raw = block[Substring(key)] else {
        if required && count > 0 { throw fail(key, "missing") }
        return []
      }
      let parts = raw.split(separator: " ")
      if !required && parts.isEmpty { return [] }
      guard parts.count == count else { throw fail(key, "\(parts.count) entries, expected \(count)") }
      var out: [Double] = []
      out.reserveCapacity(count)
      for p in parts {
        guard let d = number(p) else { throw fail(key, "cannot read '\(shown(p))' as a number") }
        out.append(d)
      }
      return out
    }
    func integers(_ key: String, count: Int) throws -> [Int] {
      try numbers(key, count: count).map { d in
        guard d == d.rounded(), abs(d) < 2_147_483_648 else { throw fail(key, "'\(d)' is not an integer") }
        return Int(d)
      }
    }
    guard let leavesText = block["num_leaves"], let leaves = Int(leavesText), leaves >= 1, leaves < 1 << 30 else {
      throw fail("num_leaves", "missing or not a positive integer")
    }
    let values = try numbers("leaf_value", count: leaves)
    var spec = TreeSpec()
    spec.name = name
    let internalCount = leaves - 1
    if internalCount == 0 {
      let counts = try numbers("leaf_count", count: 1, required: false)
      spec.appendLeaf(value: values[0], cover: counts.first ?? 1)
      return spec
    }
    let features = try integers("split_feature", count: internalCount)
    let thresholds = try numbers("threshold", count: internalCount)
    let decisions = try integers("decision_type", count: internalCount)
    let lefts = try integers("left_child", count: internalCount)
    let rights = try integers("right_child", count: internalCount)
    let leafCounts = try numbers("leaf_count", count: leaves)
    let internalCounts = try numbers("internal_count", count: internalCount)
    guard let catCount = Int(block["num_cat"] ?? "0"), catCount >= 0 else {
      throw fail("num_cat", "expected a non-negative integer, found '\(shown(block["num_cat"] ?? ""))'")
    }
    var boundaries: [Int] = []
    var catWords: [Double] = []
    if catCount > 0 {
      boundaries = try integers("cat_boundaries", count: catCount + 1)
      guard let total = boundaries.last, total >= 0 else { throw fail("cat_boundaries", "empty") }
      catWords = try numbers("cat_threshold", count: total)
    }
    spec.reserve(leaves + internalCount)
    // Local index: internal nodes 0..<L-1, then leaf j at L-1+j.
    func local(_ c: Int) -> Int { c >= 0 ? c : internalCount + ~c }
    for i in 0..<internalCount {
      for (side, c) in [("left_child", lefts[i]), ("right_child", rights[i])]
      where c >= internalCount || ~c >= leaves {
        throw fail("\(side)[\(i)]", "child \(c) is outside the tree (\(leaves) leaves)")
      }
      let d = decisions[i]
      guard d >= 0 && d < 256 else { throw fail("decision_type[\(i)]", "invalid value \(d)") }
      spec.left.append(local(lefts[i]))
      spec.right.append(local(rights[i]))
      spec.feature.append(features[i])
      spec.threshold.append(thresholds[i])
      spec.defaultLeft.append(d & 2 != 0)
      spec.missing.append(LightGBMHeader.missingRule((d >> 2) & 3))
      spec.value.append(0)
      spec.cover.append(internalCounts[i])
      if d & 1 != 0 {
        // Int(exactly:) is nil for a fraction, NaN, an infinity or a value beyond Int.
        guard let index = Int(exactly: thresholds[i]), index >= 0, index < catCount else {
          throw fail("threshold[\(i)]", "category index \(thresholds[i]) is outside 0..<\(catCount)")
        }
        let lo = boundaries[index]
        let hi = boundaries[index + 1]
        guard lo >= 0, lo <= hi, hi <= catWords.count else {
          throw fail("cat_boundaries", "range \(lo)..<\(hi) is outside the \(catWords.count) words")
        }
        spec.categories[i] = try catWords[lo..<hi].map { w in
          guard w >= 0, w <= Double(UInt32.max), w == w.rounded() else { throw fail("cat_threshold", "invalid word \(w)") }
          return UInt32(w)
        }
      }
    }
    for j in 0..<leaves { spec.appendLeaf(value: values[j], cover: leafCounts[j]) }
    return spec
  }
}

extension Substring {
  var trimmingCharacters: Substring {
    var s = self
    while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
    while let c = s.last, c == " " || c == "\t" { s.removeLast() }
    return s
  }
}
