/// Typed access to the members of a JSON document with messages that name the file
/// and the field path (`features[3].labels`).
public struct JSONFields {
  /// The file name used in messages.
  public let path: String

  public init(path: String) { self.path = path }

  /// An error about `field`.
  public func invalid(_ field: String, _ problem: String) -> DataError {
    .invalidDocument(path: path, field: field, problem: problem)
  }

  public func object(_ value: JSONValue, _ field: String) throws(DataError) -> JSONObject {
    guard let o = value.object else { throw invalid(field, "expected an object, found \(value.typeName)") }
    return o
  }

  public func member(_ o: JSONObject, _ key: String, in field: String) throws(DataError) -> JSONValue {
    guard let v = o[key] else { throw invalid(join(field, key), "missing (required)") }
    return v
  }

  public func string(_ o: JSONObject, _ key: String, in field: String = "") throws(DataError) -> String {
    let v = try member(o, key, in: field)
    guard let s = v.string else { throw invalid(join(field, key), "expected a string, found \(v.typeName)") }
    return s
  }

  public func optionalString(_ o: JSONObject, _ key: String, in field: String = "") throws(DataError) -> String? {
    guard let v = o[key], !v.isNull else { return nil }
    guard let s = v.string else { throw invalid(join(field, key), "expected a string, found \(v.typeName)") }
    return s
  }

  public func number(_ o: JSONObject, _ key: String, in field: String = "") throws(DataError) -> Double {
    let v = try member(o, key, in: field)
    guard let d = v.number else { throw invalid(join(field, key), "expected a number, found \(v.typeName)") }
    return d
  }

  public func optionalNumber(_ o: JSONObject, _ key: String, in field: String = "") throws(DataError) -> Double? {
    guard let v = o[key], !v.isNull else { return nil }
    guard let d = v.number else { throw invalid(join(field, key), "expected a number, found \(v.typeName)") }
    return d
  }

  public func optionalBool(_ o: JSONObject, _ key: String, in field: String = "") throws(DataError) -> Bool? {
    guard let v = o[key], !v.isNull else { return nil }
    guard let b = v.bool else { throw invalid(join(field, key), "expected true or false, found \(v.typeName)") }
    return b
  }

  public func array(_ o: JSONObject, _ key: String, in field: String = "") throws(DataError) -> [JSONValue] {
    let v = try member(o, key, in: field)
    guard let a = v.array else { throw invalid(join(field, key), "expected an array, found \(v.typeName)") }
    return a
  }

  public func numbers(_ values: [JSONValue], _ field: String) throws(DataError) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(values.count)
    for (k, v) in values.enumerated() {
      guard let d = v.number else { throw invalid("\(field)[\(k)]", "expected a number, found \(v.typeName)") }
      out.append(d)
    }
    return out
  }

  public func strings(_ values: [JSONValue], _ field: String) throws(DataError) -> [String] {
    var out: [String] = []
    out.reserveCapacity(values.count)
    for (k, v) in values.enumerated() {
      guard let s = v.string else { throw invalid("\(field)[\(k)]", "expected a string, found \(v.typeName)") }
      out.append(s)
    }
    return out
  }

  public func join(_ field: String, _ key: String) -> String { field.isEmpty ? key : field + "." + key }
}
