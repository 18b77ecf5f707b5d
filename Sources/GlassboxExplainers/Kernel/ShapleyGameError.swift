import GlassboxSystem
import GlassboxData

/// Failures of the coalition-game explainers (Kernel SHAP, exact Shapley) that a user can
/// act on.
public enum ShapleyGameError: ParameterNamingError, Equatable {
  /// A feature group has no members.
  case emptyGroup(group: String)
  /// Two feature groups share a name.
  case duplicateGroup(group: String)
  /// A feature group names a column the model does not have.
  case groupColumnOutOfRange(group: String, index: Int, featureCount: Int)
  /// A feature group names a feature the model does not have.
  case unknownGroupMember(group: String, feature: String)
  /// A column belongs to two groups.
  case overlappingGroups(group: String, other: String, index: Int)
  /// The game has more players than the method handles.
  case tooManyPlayers(method: String, players: Int, limit: Int)
  /// The coalitions evaluated do not determine every attribution.
  case underdetermined(samples: Int, players: Int)

  public var kind: FailureKind {
    switch self {
    case .tooManyPlayers, .underdetermined: .usage
    default: .data
    }
  }

  public var markedMessage: String {
    switch self {
    case .emptyGroup(let g): return "feature group '\(g)' has no members"
    case .duplicateGroup(let g): return "feature group '\(g)' is declared twice"
    case .groupColumnOutOfRange(let g, let i, let n):
      return "feature group '\(g)' names column \(i), but the model has \(n) columns (0 to \(n - 1))"
    case .unknownGroupMember(let g, let f):
      return "feature group '\(g)' names '\(f)', which is not a feature of the model"
    case .overlappingGroups(let g, let other, let i):
      return "feature groups '\(other)' and '\(g)' both contain column \(i); a column belongs to at most one group"
    case .tooManyPlayers(let method, let players, let limit):
      let extra = method == "exact" ? "use \(Parameter.method) kernel, or " : ""
      return "\(Parameter.method) \(method) handles at most \(limit) players (features or feature groups), "
        + "this model has \(players); \(extra)group one-hot columns in the model card"
    case .underdetermined(let samples, let players):
      return "\(Parameter.method) kernel: \(samples) coalitions do not determine the attributions of \(players) players; "
        + "raise \(Parameter.samples)"
    }
  }
}
