// Library messages name the parameters a caller set (`samples`, `method`), never the flags
// of a command line; a front end spells them as it exposes them (the CLI as `--samples`).

/// A parameter that a message names: a configuration field or concept such as `samples`.
///
/// Interpolating a parameter into a string (`"\(Parameter.samples) must be at least 2"`)
/// leaves a marker in the text; `ParameterSpelling.render(_:)` turns each marker into the
/// parameter's spelling. `UserFacingError`s built from such text print parameters plainly
/// through `description` and as a front end wants through `describe(spelling:)`.
public struct Parameter: Sendable, Hashable, CustomStringConvertible {
  /// The parameter's name, as the library's configuration calls it (`kernelWidth`).
  public let name: String

  public init(_ name: String) { self.name = name }

  /// The plain name.
  public var description: String { name }

  /// The marker that stands for this parameter inside message text.
  public var marker: String { ParameterSpelling.markerStart + name + ParameterSpelling.markerEnd }
}

extension DefaultStringInterpolation {
  /// Interpolates the parameter's marker, which `ParameterSpelling.render(_:)` later spells.
  public mutating func appendInterpolation(_ parameter: Parameter) {
    appendLiteral(parameter.marker)
  }
}

/// How parameters are spelled when a message is shown.
public struct ParameterSpelling: Sendable {
  private let spell: @Sendable (Parameter) -> String

  /// A spelling given by `spell` (for example the CLI's flag for each parameter).
  public init(_ spell: @escaping @Sendable (Parameter) -> String) { self.spell = spell }

  /// Parameters by their plain name: `samples must be at least 2`.
  public static let plain = ParameterSpelling { $0.name }

  // Private-use characters: they never occur in the messages' own words.
  static let markerStart = "\u{E000}"
  static let markerEnd = "\u{E001}"

  /// `text` with every parameter marker replaced by the parameter's spelling.
  /// - Complexity: O(length of `text`).
  public func render(_ text: String) -> String {
    let start = Character(Self.markerStart)
    let end = Character(Self.markerEnd)
    guard text.contains(start) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count)
    var rest = text[...]
    while let open = rest.firstIndex(of: start) {
      let nameStart = rest.index(after: open)
      guard let close = rest[nameStart...].firstIndex(of: end) else { break }
      out += rest[..<open]
      out += spell(Parameter(String(rest[nameStart..<close])))
      rest = rest[rest.index(after: close)...]
    }
    out += rest
    return out
  }
}

/// A user-facing error whose message names parameters.
///
/// A conformer writes `markedMessage` with `Parameter` interpolations and gets
/// `description` (parameters by plain name) and `describe(spelling:)`.
public protocol ParameterNamingError: UserFacingError {
  /// The message, with a marker for every parameter it names.
  var markedMessage: String { get }
}

extension ParameterNamingError {
  public var description: String { describe(spelling: .plain) }

  public func describe(spelling: ParameterSpelling) -> String { spelling.render(markedMessage) }
}
