import GlassboxData
import GlassboxSystem

/// Audit lines are built with the systems layer's `JSONWriter`, so they spell numbers and
/// strings exactly as the reports do (`JSONSpelling`): the log hashes those bytes.
typealias JSONLineWriter = JSONWriter

extension JSONWriter {
  /// Any parsed JSON value; object members keep their order.
  mutating func value(_ v: JSONValue) {
    switch v {
    case .null: null()
    case .bool(let b): bool(b)
    case .number(let x): number(x)
    case .string(let s): string(s)
    case .array(let items):
      beginArray()
      for item in items { value(item) }
      endArray()
    case .numbers(let items):
      beginArray()
      for x in items { number(x) }
      endArray()
    case .object(let o):
      beginObject()
      for (k, item) in o.members {
        key(k)
        value(item)
      }
      endObject()
    }
  }

  /// The shortest round-trip spelling of `x` (`null` when not finite), as `JSONSpelling` has it.
  static func appendNumber(_ x: Double, to out: inout [UInt8]) { JSONSpelling.appendNumber(x, to: &out) }

  /// The JSON text of `s` (quotes included), as bytes.
  static func encoded(_ s: String) -> [UInt8] { JSONSpelling.encoded(s) }
}
