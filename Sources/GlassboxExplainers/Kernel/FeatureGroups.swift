import GlassboxData

/// Model columns that act as one player of the Shapley game, e.g. the one-hot columns of
/// one categorical feature.
///
/// A group is switched on or off as a whole: in a hybrid row either all its columns come
/// from the instance or all from the background row. Columns in no group are players of
/// their own.
///
/// **Where a group's attribution goes.** `Explanation.attributions` keeps one entry per
/// model column, so the group's Shapley value is put on the group's *first* member
/// column (the smallest index), 0 on its other members, and the explanation carries the
/// note `group 'name' (a, b, c): its attribution is reported on 'a'`. The standard error
/// follows the same placement.
public struct FeatureGroups: Sendable, Equatable {
  /// One group: a name and the model column indices it covers.
  public struct Group: Sendable, Equatable {
    public var name: String
    public var features: [Int]
    public init(name: String, features: [Int]) {
      self.name = name
      self.features = features
    }
  }

  /// The declared groups, in declaration order.
  public let groups: [Group]

  /// Validates `groups` against a model with `featureCount` columns.
  /// - Throws: `ShapleyGameError` when a group is empty, names a column out of range,
  ///   shares a column with another group, or two groups share a name.
  /// - Complexity: O(featureCount + total members).
  public init(_ groups: [Group], featureCount: Int) throws(ShapleyGameError) {
    var owner = [String?](repeating: nil, count: featureCount)
    var names = Set<String>()
    for g in groups {
      guard !g.features.isEmpty else { throw .emptyGroup(group: g.name) }
      guard names.insert(g.name).inserted else { throw .duplicateGroup(group: g.name) }
      for j in g.features {
        guard j >= 0 && j < featureCount else {
          throw .groupColumnOutOfRange(group: g.name, index: j, featureCount: featureCount)
        }
        if let other = owner[j] { throw .overlappingGroups(group: g.name, other: other, index: j) }
        owner[j] = g.name
      }
    }
    self.groups = groups.map { Group(name: $0.name, features: $0.features.sorted()) }
  }

  /// Groups given by column names (as a model card declares them).
  /// - Throws: `ShapleyGameError.unknownGroupMember` for a name the model does not have,
  ///   and the errors of `init(_:featureCount:)`.
  /// - Complexity: O(featureCount + total members).
  public init(named groups: [(name: String, features: [String])], featureNames: [String]) throws(ShapleyGameError) {
    var index: [String: Int] = [:]
    for (j, name) in featureNames.enumerated() { index[name] = j }
    var resolved: [Group] = []
    for g in groups {
      var members: [Int] = []
      for name in g.features {
        guard let j = index[name] else { throw .unknownGroupMember(group: g.name, feature: name) }
        members.append(j)
      }
      resolved.append(Group(name: g.name, features: members))
    }
    try self.init(resolved, featureCount: featureNames.count)
  }

  /// The players of a model with `featureCount` columns: every group (at the position of
  /// its first member) and every ungrouped column, ordered by first column.
  /// - Complexity: O(featureCount).
  func players(featureCount: Int) -> [Player] {
    var groupOf = [Int?](repeating: nil, count: featureCount)
    for (g, group) in groups.enumerated() {
      for j in group.features { groupOf[j] = g }
    }
    var out: [Player] = []
    for j in 0..<featureCount {
      if let g = groupOf[j] {
        if groups[g].features[0] == j { out.append(Player(features: groups[g].features, group: g)) }
      } else {
        out.append(Player(features: [j], group: nil))
      }
    }
    return out
  }
}

/// One player of the game: the model columns it switches, and its group if declared.
struct Player: Sendable, Equatable {
  var features: [Int]
  var group: Int?
}

/// Players of an explainer: groups from the configuration, or one per model column.
func makePlayers(groups: FeatureGroups?, featureCount: Int) -> [Player] {
  groups?.players(featureCount: featureCount)
    ?? (0..<featureCount).map { Player(features: [$0], group: nil) }
}

/// Puts per-player values on model columns: each player's value on its first column,
/// 0 on the other columns of a group.
func spreadToColumns(_ values: [Double], players: [Player], featureCount: Int) -> [Double] {
  var out = [Double](repeating: 0, count: featureCount)
  for (p, player) in players.enumerated() { out[player.features[0]] = values[p] }
  return out
}

/// Notes naming each group and where its attribution is reported.
func groupNotes(_ groups: FeatureGroups?, featureNames: [String]) -> [String] {
  guard let groups else { return [] }
  return groups.groups.map { g in
    let members = g.features.map { featureNames[$0] }.joined(separator: ", ")
    return "group '\(g.name)' (\(members)): its attribution is reported on '\(featureNames[g.features[0]])'"
  }
}
