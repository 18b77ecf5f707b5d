import GlassboxData
import SwiftProtobuf

/// ONNX models (`.onnx`, protobuf) whose graph is one tree-ensemble operator of the
/// `ai.onnx.ml` domain, as skl2onnx and onnxmltools write them (docs/tree-models.md).
struct ONNXTreesFormat: ModelFormat {
  var name: String { "onnx-trees" }
  var displayName: String { "ONNX tree ensemble" }
  /// A protobuf `ModelProto` as ONNX writers lay it out: `ir_version` first (field 1,
  /// varint: byte 0x08, a version 1-127), then the key of another ModelProto field
  /// (producer, domain, version, doc string, graph or opset import). No text format opens
  /// with these bytes, so truncated files are still recognised and get their position.
  func recognizes(_ file: ModelFile) -> Bool {
    let b = file.bytes
    guard b.count > 2, b[0] == 0x08, b[1] >= 1, b[1] < 0x80 else { return false }
    return [0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72].contains(b[2])
  }
  func load(_ file: ModelFile) throws -> any Model { try ONNXTreesLoader.load(file.bytes, path: file.path) }
}

/// Where a protobuf document first breaks, for a one-line error with a position:
/// swift-protobuf's decoder says what failed but not where.
enum ONNXWire {
  /// The message-typed fields of the ONNX messages glassbox reads (field number → message).
  private static let children: [String: [Int: String]] = [
    "model": [7: "graph", 8: "opset_import"],
    "graph": [1: "node", 5: "initializer", 11: "input", 12: "output"],
    "node": [5: "attribute"],
    "attribute": [5: "t"],
  ]

  /// The first wire-format fault in `bytes[range]` read as message `kind`: its byte offset
  /// and the field path leading to it, or nil when the wire format holds together.
  static func fault(_ bytes: [UInt8], _ range: Range<Int>, kind: String, path: String) -> (Int, String)? {
    var at = range.lowerBound
    var counts: [Int: Int] = [:]
    while at < range.upperBound {
      let start = at
      guard let key = varint(bytes, &at, end: range.upperBound) else { return (start, "\(path): a field key runs past the end") }
      let field = Int(key >> 3)
      guard field > 0 else { return (start, "\(path): field number 0") }
      switch key & 7 {
      case 0:
        guard varint(bytes, &at, end: range.upperBound) != nil else { return (start, "\(path): field \(field) runs past the end") }
      case 1, 5:
        at += key & 7 == 1 ? 8 : 4
        guard at <= range.upperBound else { return (start, "\(path): field \(field) runs past the end") }
      case 2:
        guard let length = varint(bytes, &at, end: range.upperBound), length <= UInt64(range.upperBound - at) else {
          return (start, "\(path): field \(field) is longer than what remains")
        }
        let body = at..<(at + Int(length))
        at = body.upperBound
        if let child = children[kind]?[field] {
          let index = counts[field, default: 0]
          counts[field] = index + 1
          let childPath = path.isEmpty ? child : "\(path).\(child)"
          if let found = fault(bytes, body, kind: child, path: field == 7 || field == 5 && kind == "attribute" ? childPath : "\(childPath)[\(index)]") {
            return found
          }
        }
      default:
        return (start, "\(path.isEmpty ? "model" : path): field \(field) has wire type \(key & 7), which ONNX does not use")
      }
    }
    return nil
  }

  private static func varint(_ bytes: [UInt8], _ at: inout Int, end: Int) -> UInt64? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while at < end, shift < 64 {
      let b = bytes[at]
      at += 1
      value |= UInt64(b & 0x7F) << shift
      if b & 0x80 == 0 { return value }
      shift += 7
    }
    return nil
  }
}

extension ONNXTreesLoader {
  /// Decodes the protobuf, turning a decoder failure into a one-line error with the byte
  /// offset and field path where the wire format breaks.
  static func decode(_ bytes: [UInt8], path: String) throws -> GlassboxOnnx_ModelProto {
    do {
      var options = BinaryDecodingOptions()
      options.messageDepthLimit = 64
      return try GlassboxOnnx_ModelProto(serializedBytes: bytes, options: options)
    } catch {
      if let (offset, what) = ONNXWire.fault(bytes, 0..<bytes.count, kind: "model", path: "") {
        throw ModelError.invalid(path: path, field: "byte \(offset)", problem: "malformed ONNX protobuf (\(what))")
      }
      throw ModelError.invalid(path: path, field: "protobuf", problem: "malformed ONNX protobuf (\(error))")
    }
  }
}
