/// A parsed JSON document. Objects keep their keys in document order.
///
/// An array whose elements are all numbers is kept as `.numbers` (8 bytes per element
/// instead of 24): model files are mostly such arrays. It equals the `.array` of the same
/// numbers, and `array` gives it as elements.
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  /// An array of numbers only (the parser's form of such arrays).
  case numbers([Double])
  case object(JSONObject)

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case (.bool(let x), .bool(let y)): x == y
    case (.number(let x), .number(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.object(let x), .object(let y)): x == y
    case (.numbers(let x), .numbers(let y)): x == y
    case (.array, _), (.numbers, _): a.array == b.array
    default: false
    }
  }

  /// The elements, if the value is an array made of numbers only.
  /// - Complexity: O(1) for `.numbers`, O(n) for an `.array`.
  public var numberArray: [Double]? {
    switch self {
    case .numbers(let d): return d
    case .array(let items):
      var out: [Double] = []
      out.reserveCapacity(items.count)
      for item in items {
        guard case .number(let d) = item else { return nil }
        out.append(d)
      }
      return out
    default: return nil
    }
  }

  /// The value as a number, if it is one.
  public var number: Double? { if case .number(let d) = self { d } else { nil } }
  /// The value as a string, if it is one.
  public var string: String? { if case .string(let s) = self { s } else { nil } }
  /// The value as a boolean, if it is one.
  public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
  /// The elements, if the value is an array.
  public var array: [JSONValue]? {
    switch self {
    case .array(let a): a
    case .numbers(let d): d.map { .number($0) }
    default: nil
    }
  }
  /// The members, if the value is an object.
  public var object: JSONObject? { if case .object(let o) = self { o } else { nil } }
  /// True for `null`.
  public var isNull: Bool { self == .null }

  /// A short name of the value's type for messages ("an array", "a string", ...).
  public var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array, .numbers: "an array"
    case .object: "an object"
    }
  }
}

/// A JSON object: members in document order with lookup by key.
public struct JSONObject: Sendable, Equatable {
  /// The members in document order.
  public private(set) var members: [(key: String, value: JSONValue)] = []
  private var index: [String: Int] = [:]

  public init() {}

  /// Adds or replaces a member (a repeated key keeps its last value, as most parsers do).
  public mutating func set(_ key: String, _ value: JSONValue) {
    if let i = index[key] {
      members[i].value = value
    } else {
      index[key] = members.count
      members.append((key, value))
    }
  }

  /// The value for `key`, if present.
  public subscript(key: String) -> JSONValue? {
    index[key].map { members[$0].value }
  }

  /// The keys in document order.
  public var keys: [String] { members.map(\.key) }

  public static func == (a: JSONObject, b: JSONObject) -> Bool {
    a.members.count == b.members.count
      && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }
}
