import GlassboxExplainers

/// Shows an explanation that carries a method-specific payload (`Explanation.payload`) in
/// each output format. Formats without an entry (CSV) show the attributions alone.
///
/// A method whose explanations carry a new payload type adds one conforming type (in its
/// own file) and one line in `PayloadRenderers.all`; the renderers of every format
/// consult the registry, never the payload's type.
public protocol PayloadRenderer: Sendable {
  /// True when this renderer shows `payload`.
  func handles(_ payload: any ExplanationPayload) -> Bool
  /// The JSON line for `e` (with its newline); `members` go last in the object.
  func jsonLine(_ e: Explanation, renderer: JSONLinesRenderer, members: String?) -> String
  /// The table report for `e`.
  func table(_ e: Explanation, renderer: WaterfallRenderer) -> String
  /// The Markdown section for `e`.
  func markdown(_ e: Explanation, renderer: MarkdownRenderer) -> String
}

/// The registry of payload renderers.
public enum PayloadRenderers {
  public static let all: [any PayloadRenderer] = [SurrogateRenderer(), InteractionRenderer()]

  /// The renderer for `e`'s payload, nil when it has none (or none is registered).
  public static func renderer(for e: Explanation) -> (any PayloadRenderer)? {
    guard let payload = e.payload else { return nil }
    return all.first { $0.handles(payload) }
  }
}
