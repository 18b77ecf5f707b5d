import GlassboxData

extension XGBoostJSONLoader {
  /// A vector-leaf tree (`multi_strategy="multi_output_tree"`) as one scalar tree per
  /// output: the same splits and covers, with output `k`'s leaf values. Summed per output
  /// in tree order this is XGBoost's float32 prediction, and TreeSHAP of each copy is the
  /// per-output Shapley value (docs/tree-models.md).
  ///
  /// Both layouts: since late 2025 a leaf's values are row `right_children[leaf]` of
  /// `leaf_weights` (leaves × targets); before, `base_weights` held nodes × targets and a
  /// leaf's values were its own row.
  /// - Throws: `ModelError.invalid` for sizes that do not fit the tree.
  /// - Complexity: O(nodes × targets).
  static func vectorLeafSpecs(
    _ spec: TreeSpec, tree: JSONObject, name: String, targets k: Int, f: TreeFields
  ) throws -> [TreeSpec] {
    let n = spec.count
    let rightChildren = try f.integers(tree["right_children"], "\(name).right_children", in: -1...Int(Int32.max))
    var rows = [Int](repeating: -1, count: n)  // the value row of each leaf
    let table: [Double]
    let field: String
    if let leafWeights = tree["leaf_weights"] {
      field = "\(name).leaf_weights"
      table = try f.numbers(leafWeights, field)
      guard table.count % k == 0 else { throw f.invalid(field, "\(table.count) values are not rows of \(k) targets") }
      for i in 0..<n where spec.left[i] == -1 {
        guard rightChildren[i] >= 0, rightChildren[i] < table.count / k else {
          throw f.invalid("\(name).right_children[\(i)]", "leaf row \(rightChildren[i]) is outside 0..<\(table.count / k) rows of leaf_weights")
        }
        rows[i] = rightChildren[i]
      }
    } else {
      field = "\(name).base_weights"
      table = try f.numbers(tree["base_weights"], field)
      guard table.count == n * k else { throw f.invalid(field, "\(table.count) values for \(n) nodes × \(k) targets") }
      for i in 0..<n where spec.left[i] == -1 { rows[i] = i }
    }
    return (0..<k).map { target in
      var one = spec
      one.name = "\(name)[target \(target)]"
      one.output = target
      one.value = rows.map { $0 < 0 ? 0 : Double(Float(table[$0 * k + target])) }
      return one
    }
  }
}

extension XGBoostJSONLoader {
  /// Stand-in covers for trees whose file stores none (xgboost ≤ 3.1 vector-leaf trees):
  /// the number of leaves under each node, so the tree validates and interventional
  /// TreeSHAP (which does not use covers) works; `TreeEnsemble.coversStored` is false and
  /// path-dependent TreeSHAP is refused. Nodes not reached from the root get 0.
  /// - Complexity: O(nodes).
  static func leafCounts(left: [Int], right: [Int]) -> [Double] {
    let n = min(left.count, right.count)
    var counts = [Double](repeating: 0, count: left.count)
    var seen = [Bool](repeating: false, count: n)
    var order: [Int] = []
    var stack = n > 0 ? [0] : []
    while let i = stack.popLast() {
      guard i >= 0, i < n, !seen[i] else { continue }
      seen[i] = true
      order.append(i)
      if left[i] >= 0 { stack += [left[i], right[i]] }
    }
    for i in order.reversed() {
      if left[i] < 0 {
        counts[i] = 1
      } else {
        counts[i] = (0..<n ~= left[i] ? counts[left[i]] : 0) + (0..<n ~= right[i] ? counts[right[i]] : 0)
      }
    }
    return counts
  }
}

extension XGBoostHeader {
  /// The labels of each categorical feature's codes from `model.cats` (xgboost ≥ 3.1): the
  /// training data's categories in code order, strings cut from UTF-8 bytes by `offsets`,
  /// or numbers written as their shortest text. Empty when the model has no `cats`.
  /// - Throws: `ModelError.invalid` for a recoding that does not fit the features.
  func categoryLabels(model: JSONObject, f: TreeFields) throws -> [Int: [String]] {
    guard let cats = model["cats"]?.object, let enc = cats["enc"]?.array, !enc.isEmpty else { return [:] }
    guard enc.count == featureCount else {
      throw f.invalid("model.cats.enc", "\(enc.count) entries for \(featureCount) features")
    }
    var labels: [Int: [String]] = [:]
    for (j, entry) in enc.enumerated() {
      let field = "model.cats.enc[\(j)]"
      let column = try f.object(entry, field)
      let values = try f.numbers(column["values"] ?? .numbers([]), "\(field).values")
      let offsets = try f.integers(column["offsets"] ?? .numbers([]), "\(field).offsets", in: 0...values.count)
      if !offsets.isEmpty {
        guard offsets.first == 0, offsets.last == values.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
          throw f.invalid("\(field).offsets", "offsets must rise from 0 to \(values.count)")
        }
        let bytes = try values.map { v -> UInt8 in
          guard v >= 0, v <= 255, v == v.rounded() else { throw f.invalid("\(field).values", "\(v) is not a byte") }
          return UInt8(v)
        }
        labels[j] = try zip(offsets, offsets.dropFirst()).map { lo, hi in
          guard let s = String(validating: bytes[lo..<hi], as: UTF8.self) else {
            throw f.invalid("\(field).values", "category \(labels.count) is not valid UTF-8")
          }
          return s
        }
      } else if !values.isEmpty {
        labels[j] = values.map { v in v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }
      }
    }
    return labels
  }
}
