import GlassboxSystem
import GlassboxData

extension Parameter {
  /// The reference group of a bias analysis (`race=White,sex=Male`).
  public static let reference = Parameter("reference")
  /// The rules that fail a bias analysis (`disparate_impact<0.8`).
  public static let failOn = Parameter("failOn")
  /// The label value that counts as positive.
  public static let positiveLabel = Parameter("positiveLabel")
  /// The sensitive columns whose groups are compared.
  public static let sensitive = Parameter("sensitive")
}

/// Failures of a bias analysis that a user can act on.
public enum FairnessError: ParameterNamingError, Equatable {
  /// A sensitive column, label or reference group cannot be used as given.
  case invalidSetting(parameter: Parameter, problem: String)
  /// The data cannot support the analysis (no rows, a label that is not binary, ...).
  case invalidData(path: String, problem: String)
  /// A fail-on rule cannot be parsed or evaluated.
  case invalidRule(rule: String, problem: String)

  public var kind: FailureKind {
    switch self {
    case .invalidSetting, .invalidRule: .usage
    case .invalidData: .data
    }
  }

  public var markedMessage: String {
    switch self {
    case .invalidSetting(let parameter, let problem):
      return "\(parameter): \(problem)"
    case .invalidData(let path, let problem):
      return "'\(path)': \(problem)"
    case .invalidRule(let rule, let problem):
      return "invalid \(Parameter.failOn) '\(rule)': \(problem); write metric<value or metric>value, e.g. 'disparate_impact<0.8'"
    }
  }
}
