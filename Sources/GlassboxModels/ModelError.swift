import GlassboxSystem
import GlassboxData

/// Failures loading a model.
public enum ModelError: UserFacingError, Equatable {
  /// The file's format is not one glassbox reads.
  case unknownFormat(path: String, hint: String)
  /// The format is recognised but this variant is not supported.
  case unsupported(path: String, what: String)
  /// The content is inconsistent (wrong lengths, bad indices, ...).
  case invalid(path: String, field: String, problem: String)

  public var kind: FailureKind { .data }

  public var description: String {
    switch self {
    case .unknownFormat(let path, let hint):
      return "\(path): not a model glassbox reads (\(hint)); supported: \(ModelFormats.supportedList)"
    case .unsupported(let path, let what):
      return "\(path): \(what) is not supported"
    case .invalid(let path, let field, let problem):
      return "\(path): \(field): \(problem)"
    }
  }
}
