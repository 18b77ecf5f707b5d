import GlassboxSystem
import GlassboxData

/// Failures of explainers that a user can act on.
public enum ExplainerError: UserFacingError, Equatable {
  /// The method cannot explain this kind of model.
  case unsupportedModel(method: String, model: String, hint: String)
  /// The background data cannot be used.
  case invalidBackground(path: String, problem: String)
  /// The requested output space is not available for this model.
  case unsupportedOutput(method: String, problem: String)

  public var kind: FailureKind {
    switch self {
    case .invalidBackground: .data
    default: .usage
    }
  }

  public var description: String {
    switch self {
    case .unsupportedModel(let method, let model, let hint):
      return "--method \(method) cannot explain a \(model) model; \(hint)"
    case .invalidBackground(let path, let problem):
      return "background '\(path)': \(problem)"
    case .unsupportedOutput(let method, let problem):
      return "--method \(method): \(problem)"
    }
  }
}
