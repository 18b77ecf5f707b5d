import GlassboxSystem
import GlassboxData

extension Parameter {
  /// The explanation method (`linear`, `tree`, `kernel`, `lime`, ...).
  public static let method = Parameter("method")
  /// Sampled coalitions (Kernel SHAP) or perturbed samples (LIME) per row.
  public static let samples = Parameter("samples")
  /// LIME's number of selected features (`LIMEConfiguration.features`).
  public static let features = Parameter("features")
  /// LIME's extra runs that measure stability (`LIMEConfiguration.stabilityRuns`).
  public static let stabilityRuns = Parameter("stabilityRuns")
  /// LIME's kernel width (`LIMEConfiguration.kernelWidth`).
  public static let kernelWidth = Parameter("kernelWidth")
  /// The background (reference or training) rows.
  public static let background = Parameter("background")
  /// LIME's estimator (`LIMEConfiguration.estimator`): auto, exact or sampled.
  public static let estimator = Parameter("estimator")
}

/// Failures of explainers that a user can act on.
public enum ExplainerError: ParameterNamingError, Equatable {
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

  public var markedMessage: String {
    switch self {
    case .unsupportedModel(let method, let model, let hint):
      return "\(Parameter.method) \(method) cannot explain a \(model) model; \(hint)"
    case .invalidBackground(let path, let problem):
      return "background '\(path)': \(problem)"
    case .unsupportedOutput(let method, let problem):
      return "\(Parameter.method) \(method): \(problem)"
    }
  }
}
