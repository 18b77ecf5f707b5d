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
  /// Loading the file would need more memory than is available.
  case tooLarge(path: String, fileBytes: Int, neededBytes: Int, availableBytes: Int)

  public var kind: FailureKind {
    if case .tooLarge = self { return .unavailable }
    return .data
  }

  public var description: String {
    switch self {
    case .unknownFormat(let path, let hint):
      return "\(path): not a model glassbox reads (\(hint)); supported: \(ModelFormats.supportedList)"
    case .unsupported(let path, let what):
      return "\(path): \(what) is not supported"
    case .invalid(let path, let field, let problem):
      return "\(path): \(field): \(problem)"
    case .tooLarge(let path, let file, let needed, let available):
      return "\(path): a \(Self.megabytes(file)) model file needs about \(Self.megabytes(needed)) of memory to load, "
        + "but only \(Self.megabytes(available)) is available; free memory, or run on a larger machine"
    }
  }

  /// Bytes in whole megabytes (MB = 10⁶ bytes).
  static func megabytes(_ bytes: Int) -> String {
    "\(bytes / 1_000_000 + (bytes % 1_000_000 >= 500_000 ? 1 : 0)) MB"
  }
}
