import GlassboxData
import GlassboxSystem

/// How rows go into an Open Inference Protocol v2 request.
public enum TensorLayout: String, Sendable, CaseIterable {
  /// One FP64 tensor of shape [n, features] (MLServer's numpy codec, Triton, KServe).
  case tensor
  /// One input per feature, named as the feature, with `content_type: pd` (MLServer's
  /// pandas codec): numbers as FP64, the card's labels as BYTES.
  case columns
}

/// Request bodies and answer decoding for the HTTP serving protocols.
enum InferencePayloads {
  /// A v2 infer request for `count` rows.
  /// - Complexity: O(rows × features).
  static func v2Request(
    _ rows: ArraySlice<Double>, count: Int, schema: FeatureSchema, layout: TensorLayout, inputName: String,
    outputName: String?
  ) -> [UInt8] {
    let m = schema.count
    let base = rows.startIndex
    var w = JSONWriter(capacity: count * m * 8 + 256)
    w.beginObject()
    w.key("inputs")
    w.beginArray()
    switch layout {
    case .tensor:
      w.beginObject()
      w.key("name"); w.string(inputName)
      w.key("shape"); w.beginArray(); w.int(count); w.int(m); w.endArray()
      w.key("datatype"); w.string("FP64")
      w.key("data"); w.beginArray()
      for i in 0..<(count * m) { w.number(rows[base + i]) }  // NaN is written as null
      w.endArray()
      w.endObject()
    case .columns:
      for j in 0..<m {
        let categorical = schema.features[j].isCategorical
        w.beginObject()
        w.key("name"); w.string(schema.names[j])
        w.key("shape"); w.beginArray(); w.int(count); w.int(1); w.endArray()
        w.key("datatype"); w.string(categorical ? "BYTES" : "FP64")
        w.key("data"); w.beginArray()
        for r in 0..<count { cell(rows[base + r * m + j], feature: j, schema: schema, numbersAsText: categorical, to: &w) }
        w.endArray()
        w.endObject()
      }
    }
    w.endArray()
    if layout == .columns {
      w.key("parameters"); w.beginObject(); w.key("content_type"); w.string("pd"); w.endObject()
    }
    if let outputName {
      w.key("outputs"); w.beginArray(); w.beginObject(); w.key("name"); w.string(outputName); w.endObject(); w.endArray()
    }
    w.endObject()
    return w.bytes
  }

  /// An MLflow `dataframe_split` request: numbers, the card's labels, null for missing.
  static func mlflowRequest(_ rows: ArraySlice<Double>, count: Int, schema: FeatureSchema) -> [UInt8] {
    let m = schema.count
    let base = rows.startIndex
    var w = JSONWriter(capacity: count * m * 8 + 256)
    w.beginObject()
    w.key("dataframe_split")
    w.beginObject()
    w.key("columns"); w.beginArray(); for name in schema.names { w.string(name) }; w.endArray()
    w.key("data"); w.beginArray()
    for r in 0..<count {
      w.beginArray()
      for j in 0..<m { cell(rows[base + r * m + j], feature: j, schema: schema, numbersAsText: false, to: &w) }
      w.endArray()
    }
    w.endArray()
    w.endObject()
    w.endObject()
    return w.bytes
  }

  /// One cell: null when missing, the card's label for a categorical code, else the number
  /// (as text in a BYTES column).
  static func cell(_ value: Double, feature j: Int, schema: FeatureSchema, numbersAsText: Bool, to w: inout JSONWriter) {
    switch schema.displayValue(value, feature: j) {
    case .missing: w.null()
    case .label(let label): w.string(label)
    case .number(let x): numbersAsText ? w.string(JSONSpelling.number(x)) : w.number(x)
    }
  }

  /// The numbers of a v2 answer: the output named `outputName` (else the first), flattened.
  /// - Returns: the values, or the problem.
  static func v2Answer(_ json: JSONValue, outputName: String?) -> Result<[Double], AnswerProblem> {
    guard let outputs = json.object?["outputs"]?.array, !outputs.isEmpty else {
      return .failure(AnswerProblem("the answer has no 'outputs'"))
    }
    let chosen = outputName.flatMap { name in outputs.first { $0.object?["name"]?.string == name } } ?? outputs[0]
    guard let data = chosen.object?["data"] else { return .failure(AnswerProblem("the output has no 'data'")) }
    return flattened(data)
  }

  /// The numbers of an MLflow answer's `predictions` (or a bare array), flattened.
  static func mlflowAnswer(_ json: JSONValue) -> Result<[Double], AnswerProblem> {
    if let predictions = json.object?["predictions"] { return flattened(predictions) }
    if json.array != nil { return flattened(json) }
    return .failure(AnswerProblem("the answer has no 'predictions'"))
  }

  /// Numbers of nested arrays, row-major; null and "NaN" are NaN (refused later).
  static func flattened(_ value: JSONValue) -> Result<[Double], AnswerProblem> {
    var out: [Double] = []
    func walk(_ v: JSONValue) -> AnswerProblem? {
      switch v {
      case .number(let x): out.append(x)
      case .numbers(let xs): out += xs
      case .null: out.append(.nan)
      case .string(let s):
        guard let x = Double(s) else { return AnswerProblem("the answer holds '\(s.prefix(40))', not a number") }
        out.append(x)
      case .array(let items):
        for item in items { if let p = walk(item) { return p } }
      case .object(let o):
        for (_, item) in o.members { if let p = walk(item) { return p } }
      case .bool: return AnswerProblem("the answer holds a boolean, not a number")
      }
      return nil
    }
    if let problem = walk(value) { return .failure(problem) }
    return .success(out)
  }
}

/// Why an answer could not be read.
struct AnswerProblem: Error {
  let text: String
  init(_ text: String) { self.text = text }
}
