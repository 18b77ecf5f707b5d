import GlassboxData

/// The serving protocols glassbox speaks over HTTP.
public enum ServingProtocol: String, Sendable, CaseIterable {
  /// Open Inference Protocol v2 (KServe, MLServer, Triton): `GET /v2/models/NAME`,
  /// `POST /v2/models/NAME/infer`.
  case v2
  /// MLflow's scoring server: `POST /invocations` with `dataframe_split`.
  case mlflow
}

/// Where a model is served: its base URL, the protocol, and the URL as it may be shown
/// (without user name or password).
public struct HTTPEndpoint: Sendable, Equatable {
  /// The URL of the model: `…/v2/models/NAME[/versions/V]` or `…/invocations`.
  public let url: String
  public let servingProtocol: ServingProtocol
  /// The URL without credentials, for messages and audit records.
  public let shownURL: String

  /// Reads `url` (http or https); the protocol is `given`, else detected from the path
  /// (`/v2/models/` or `/invocations`).
  /// - Throws: `RemoteModelError` (.usage) for a URL glassbox cannot use.
  public init(url: String, protocol given: ServingProtocol?) throws {
    let shown = Self.withoutCredentials(url)
    guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
      throw RemoteModelError(source: "the model URL '\(shown)'", problem: "is not an http:// or https:// URL", kind: .usage)
    }
    var trimmed = url
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    let detected: ServingProtocol? =
      trimmed.contains("/v2/models/") ? .v2 : trimmed.hasSuffix("/invocations") ? .mlflow : nil
    guard let chosen = given ?? detected else {
      throw RemoteModelError(
        source: "the model URL '\(shown)'",
        problem: "does not say its protocol: give --protocol v2 or mlflow (or a URL with /v2/models/NAME or /invocations)",
        kind: .usage)
    }
    if chosen == .mlflow && !trimmed.hasSuffix("/invocations") { trimmed += "/invocations" }
    self.url = trimmed
    servingProtocol = chosen
    shownURL = Self.withoutCredentials(trimmed)
  }

  /// `url` without a `user:password@` part.
  static func withoutCredentials(_ url: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
    guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
    return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
  }

  /// Headers from a file of `Name: value` lines (blank lines and `#` comments skipped).
  /// Their values are never printed: errors name the line number only.
  /// - Throws: `RemoteModelError` (.usage) for a line that is not a header.
  public static func headers(fileText: String, path: String) throws -> [(name: String, value: String)] {
    var out: [(String, String)] = []
    for (i, raw) in fileText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
      if line.allSatisfy(\.isWhitespace) || line.hasPrefix("#") { continue }
      guard let colon = line.firstIndex(of: ":"), colon > line.startIndex,
        !line[..<colon].contains(where: { $0 == " " || $0 == "\t" })
      else {
        throw RemoteModelError(
          source: "the header file '\(path)'", problem: "line \(i + 1) is not 'Name: value'", kind: .usage)
      }
      out.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces()))
    }
    return out
  }
}

extension String {
  func trimmingSpaces() -> String {
    var s = Substring(self)
    while s.first == " " || s.first == "\t" { s.removeFirst() }
    while s.last == " " || s.last == "\t" { s.removeLast() }
    return String(s)
  }
}
