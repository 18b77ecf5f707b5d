/// The features a model reads, in the model's order, with what the card says of each.
public struct FeatureSchema: Sendable, Equatable {
  /// Feature names in model order.
  public let names: [String]
  /// The card's description of each feature (a numeric feature with no details when
  /// the card is absent or does not mention it).
  public let features: [ModelCard.Feature]
  /// The card itself, if one was given.
  public let card: ModelCard?

  /// A schema for `names`, described by `card` where it names them.
  public init(names: [String], card: ModelCard? = nil) {
    self.init(names: names, card: card, modelLabels: [:])
  }

  /// A schema for `names`, described by `card` where it names them; a feature the card
  /// does not make categorical takes the labels the model file gives it
  /// (`modelLabels[j]`: the labels of codes 0, 1, ... of feature `j`).
  public init(names: [String], card: ModelCard?, modelLabels: [Int: [String]]) {
    self.names = names
    self.card = card
    self.features = names.enumerated().map { j, name in
      var feature = card?.feature(named: name) ?? ModelCard.Feature(name: name)
      if !feature.isCategorical, let labels = modelLabels[j] {
        feature.kind = .categorical(labels: labels.enumerated().map { (label: $1, code: Double($0)) })
      }
      return feature
    }
  }

  /// Number of features.
  public var count: Int { names.count }

  /// How the input value of feature `j` reads to a person: its label for a categorical
  /// code, the number otherwise, nil when missing.
  public func displayValue(_ value: Double, feature j: Int) -> DisplayValue {
    if value.isNaN { return .missing }
    if let label = features[j].label(for: value) { return .label(label) }
    return .number(value)
  }
}

/// An input value as a person reads it.
public enum DisplayValue: Sendable, Equatable {
  case number(Double)
  case label(String)
  case missing
}
