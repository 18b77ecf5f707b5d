import GlassboxData

/// The serving protocols glassbox speaks over HTTP.
public enum ServingProtocol: String, Sendable, CaseIterable {
  /// Open Inference Protocol v2 (KServe, MLServer, Triton): `GET /v2/models/NAME`,
  /// `POST /v2/models/NAME/infer`.
  case v2
  /// MLflow's scoring server: `POST /invocations` with `dataframe_split`.
  case mlflow
}

/// Where a model is served: its URL, the protocol, and the URL as it may be shown.
///
/// A query (`?token=…`) may carry credentials: it is sent with every request and left out
/// of everything shown or recorded (`shownURL`), together with a user name and password. A
/// fragment (`#…`) is never sent by HTTP and is dropped.
public struct HTTPEndpoint: Sendable, Equatable {
  /// The URL of the model without query or fragment: `…/v2/models/NAME[/versions/V]` or
  /// `…/invocations`.
  public let url: String
  /// The URL's query without its `?` (nil when it has none): sent, never shown.
  let query: String?
  public let servingProtocol: ServingProtocol
  /// The URL without credentials and without its query, for messages and audit records.
  public let shownURL: String

  /// Reads `url` (http or https); the protocol is `given`, else detected from the path
  /// (`/v2/models/` or `/invocations`). A v2 URL may end in `/infer` (the URL batches are
  /// posted to): the model's URL is the part before it.
  /// - Throws: `RemoteModelError` (.usage) for a URL glassbox cannot use.
  public init(url: String, protocol given: ServingProtocol?) throws {
    let (base, query) = Self.splitQuery(url)
    let shown = Self.withoutCredentials(base)
    guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
      throw RemoteModelError(source: "the model URL '\(shown)'", problem: "is not an http:// or https:// URL", kind: .usage)
    }
    var trimmed = base
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
    if chosen == .v2 && trimmed.hasSuffix("/infer") { trimmed.removeLast("/infer".count) }
    self.url = trimmed
    self.query = query
    servingProtocol = chosen
    shownURL = Self.withoutCredentials(trimmed)
  }

  /// The URL a request goes to: the model's URL, `path` (e.g. `/infer`) and the query.
  public func requestURL(_ path: String = "") -> String {
    url + path + (query.map { "?" + $0 } ?? "")
  }

  /// `url` without its fragment, split at its first `?`: the part before it and the query
  /// after it (nil when there is none or it is empty).
  static func splitQuery(_ url: String) -> (base: String, query: String?) {
    let withoutFragment = url.prefix { $0 != "#" }
    guard let mark = withoutFragment.firstIndex(of: "?") else { return (String(withoutFragment), nil) }
    let query = withoutFragment[withoutFragment.index(after: mark)...]
    return (String(withoutFragment[..<mark]), query.isEmpty ? nil : String(query))
  }

  /// `url` without a `user:password@` part.
  static func withoutCredentials(_ url: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
    guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
    return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
  }

  /// `url` as it may be shown: without user name, password, query and fragment.
  public static func shown(_ url: String) -> String { withoutCredentials(splitQuery(url).base) }

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
