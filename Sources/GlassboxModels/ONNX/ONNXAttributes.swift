import GlassboxData

/// Typed reads of a node's attributes, throwing `ModelError.invalid` naming the attribute.
struct ONNXAttributes {
  let path: String
  let node: String
  private var byName: [String: GlassboxOnnx_AttributeProto] = [:]

  init(_ node: GlassboxOnnx_NodeProto, path: String) {
    self.path = path
    self.node = node.opType
    for a in node.attribute { byName[a.name] = a }
  }

  func has(_ name: String) -> Bool { byName[name] != nil }

  func fail(_ name: String, _ problem: String) -> ModelError {
    .invalid(path: path, field: "\(node).\(name)", problem: problem)
  }

  func ints(_ name: String, required: Bool = true) throws -> [Int] {
    guard let a = byName[name] else {
      if required { throw fail(name, "missing (required)") }
      return []
    }
    return try a.ints.map { v in
      guard v >= Int64(Int32.min), v <= Int64(Int32.max) else { throw fail(name, "value \(v) is out of range") }
      return Int(v)
    }
  }

  /// `nodes_missing_value_tracks_true`, all false when the node omits it.
  func missingTracksTrue(count: Int) throws -> [Int] {
    let flags = try ints("nodes_missing_value_tracks_true", required: false)
    return flags.isEmpty ? [Int](repeating: 0, count: count) : flags
  }

  /// Throws for the first parallel attribute whose length is not `count`.
  func requireCounts(_ lengths: [(String, Int)], _ count: Int, _ what: String) throws {
    for (name, length) in lengths where length != count {
      throw fail(name, "\(length) entries for \(count) \(what)")
    }
  }

  func int(_ name: String, default d: Int) throws -> Int {
    guard let a = byName[name] else { return d }
    guard a.i >= Int64(Int32.min), a.i <= Int64(Int32.max) else { throw fail(name, "value \(a.i) is out of range") }
    return Int(a.i)
  }

  func string(_ name: String, default d: String) -> String {
    guard let a = byName[name] else { return d }
    return String(decoding: a.s, as: UTF8.self)
  }

  func strings(_ name: String) -> [String] {
    byName[name]?.strings.map { String(decoding: $0, as: UTF8.self) } ?? []
  }

  /// A list of numbers from `name` (floats, widened exactly) or `name_as_tensor` (a
  /// double or float tensor), whichever the node has; nil when it has neither.
  func numbers(_ name: String) throws -> [Double]? {
    if let t = byName[name + "_as_tensor"]?.t { return try tensor(t, name + "_as_tensor") }
    if let a = byName[name] {
      if a.hasT { return try tensor(a.t, name) }
      return a.floats.map { Double($0) }
    }
    return nil
  }

  /// The values of a float, double or 8-bit tensor (given as typed lists or `raw_data`).
  func tensor(_ t: GlassboxOnnx_TensorProto, _ name: String) throws -> [Double] {
    let raw = Array(t.rawData)
    switch t.dataType {
    case 1:  // FLOAT
      if raw.isEmpty { return t.floatData.map { Double($0) } }
      guard raw.count % 4 == 0 else { throw fail(name, "raw_data of \(raw.count) bytes is not a float array") }
      return stride(from: 0, to: raw.count, by: 4).map { i in
        Double(Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24))
      }
    case 11:  // DOUBLE
      if raw.isEmpty { return t.doubleData }
      guard raw.count % 8 == 0 else { throw fail(name, "raw_data of \(raw.count) bytes is not a double array") }
      return stride(from: 0, to: raw.count, by: 8).map { i in
        var bits: UInt64 = 0
        for b in 0..<8 { bits |= UInt64(raw[i + b]) << UInt64(8 * b) }
        return Double(bitPattern: bits)
      }
    case 2, 3:  // UINT8, INT8 (opset 5 nodes_modes)
      if raw.isEmpty { return t.int32Data.map { Double($0) } }
      return raw.map { t.dataType == 3 ? Double(Int8(bitPattern: $0)) : Double($0) }
    default:
      throw fail(name, "tensor of ONNX data type \(t.dataType), expected float, double or uint8")
    }
  }
}
