/// Builds JSON text straight into bytes, members in the order they are written.
///
/// The writer never reorders anything: the code that calls it fixes the key order (the
/// audit log hashes the exact bytes of each line). Values are spelled by `JSONSpelling`.
///
/// - Complexity: every call is O(length of what it writes).
public struct JSONWriter {
  @usableFromInline var storage: [UInt8] = []
  @usableFromInline var needsComma = false

  /// The text written so far.
  public var bytes: [UInt8] { storage }

  public init(capacity: Int = 1024) { storage.reserveCapacity(capacity) }

  /// Continues after bytes written elsewhere (a prefix that ends inside an object or array;
  /// `needsComma` tells whether a value precedes the next one).
  public init(continuing prefix: [UInt8], needsComma: Bool) {
    storage = prefix
    self.needsComma = needsComma
  }

  @inlinable
  mutating func separate() {
    if needsComma { storage.append(UInt8(ascii: ",")) }
  }

  /// Opens an object or array with `bracket`.
  @inlinable
  mutating func open(_ bracket: UInt8) {
    separate()
    storage.append(bracket)
    needsComma = false
  }

  /// Closes an object or array with `bracket`.
  @inlinable
  mutating func close(_ bracket: UInt8) {
    storage.append(bracket)
    needsComma = true
  }

  @inlinable
  public mutating func beginObject() { open(UInt8(ascii: "{")) }

  @inlinable
  public mutating func endObject() { close(UInt8(ascii: "}")) }

  @inlinable
  public mutating func beginArray() { open(UInt8(ascii: "[")) }

  @inlinable
  public mutating func endArray() { close(UInt8(ascii: "]")) }

  /// A member's key; the next call writes its value.
  @inlinable
  public mutating func key(_ name: String) {
    separate()
    JSONSpelling.appendString(name, to: &storage)
    storage.append(UInt8(ascii: ":"))
    needsComma = false
  }

  /// A key given as pre-escaped bytes (`"name":`), for names written many times.
  @inlinable
  public mutating func key(escaped: [UInt8]) {
    separate()
    storage.append(contentsOf: escaped)
    needsComma = false
  }

  /// Writes one value with `write`, after a comma when a value precedes it.
  @inlinable
  mutating func writeValue(_ write: (inout [UInt8]) -> Void) {
    separate()
    write(&storage)
    needsComma = true
  }

  @inlinable
  public mutating func string(_ s: String) { writeValue { JSONSpelling.appendString(s, to: &$0) } }

  /// A string, or `null` for nil.
  @inlinable
  public mutating func optionalString(_ s: String?) {
    if let s { string(s) } else { null() }
  }

  /// A number as `JSONSpelling.number` spells it (`null` when not finite).
  @inlinable
  public mutating func number(_ x: Double) { writeValue { JSONSpelling.appendNumber(x, to: &$0) } }

  @inlinable
  public mutating func int(_ n: Int) { writeValue { $0.append(contentsOf: String(n).utf8) } }

  @inlinable
  public mutating func bool(_ b: Bool) { writeValue { $0.append(contentsOf: (b ? "true" : "false").utf8) } }

  @inlinable
  public mutating func null() { writeValue { $0.append(contentsOf: "null".utf8) } }

  /// Bytes that form one complete JSON value (already serialized).
  @inlinable
  public mutating func raw(_ bytes: [UInt8]) { writeValue { $0.append(contentsOf: bytes) } }

  /// Members serialized elsewhere that open with their separating comma (`,"a":1,"b":2`).
  @inlinable
  public mutating func append(fragment: [UInt8]) {
    storage.append(contentsOf: fragment)
    needsComma = true
  }
}
