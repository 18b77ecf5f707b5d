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
    self.names = names
    self.card = card
    self.features = names.map { card?.feature(named: $0) ?? ModelCard.Feature(name: $0) }
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
