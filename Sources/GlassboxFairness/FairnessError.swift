import GlassboxSystem
import GlassboxData

/// Failures of a bias analysis that a user can act on.
public enum FairnessError: UserFacingError, Equatable {
  /// A sensitive column, label or reference group cannot be used as given.
  case invalidSetting(option: String, problem: String)
  /// The data cannot support the analysis (no rows, a label that is not binary, ...).
  case invalidData(path: String, problem: String)
  /// A `--fail-on` rule cannot be parsed or evaluated.
  case invalidRule(rule: String, problem: String)

  public var kind: FailureKind {
    switch self {
    case .invalidSetting, .invalidRule: .usage
    case .invalidData: .data
    }
  }

  public var description: String {
    switch self {
    case .invalidSetting(let option, let problem):
      return "\(option): \(problem)"
    case .invalidData(let path, let problem):
      return "'\(path)': \(problem)"
    case .invalidRule(let rule, let problem):
      return "invalid --fail-on '\(rule)': \(problem); write metric<value or metric>value, e.g. 'disparate_impact<0.8'"
    }
  }
}
