import Foundation
import Testing

/// Typed reads of Foundation-parsed JSON (independent of glassbox's own parser) that fail
/// the test, instead of crashing it, when a key is missing or holds another type.
extension Dictionary where Key == String, Value == Any {
  /// `self[key]` as a `T`.
  public func field<T>(_ key: String, _ type: T.Type = T.self, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(self[key] as? T, "JSON field \"\(key)\" is missing or not a \(T.self)", sourceLocation: sourceLocation)
  }

  /// `self[key]` as a number (JSON integers and decimals alike).
  public func number(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
    try field(key, NSNumber.self, sourceLocation: sourceLocation).doubleValue
  }
}

/// `text` parsed as one JSON object.
public func jsonObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
  try jsonObject(Data(text.utf8), sourceLocation: sourceLocation)
}

/// `data` parsed as one JSON object.
public func jsonObject(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
  try #require(
    try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object", sourceLocation: sourceLocation)
}
