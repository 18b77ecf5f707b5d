/// A model card: the sidecar JSON that describes a model's features, target, owner,
/// training data and intended use (format documented in docs/model-card.md).
///
/// The card turns a model from numbers into something a person can read: categorical
/// features get their labels, numeric ones their units, and sensitive attributes are
/// marked for bias checks and audit redaction.
public struct ModelCard: Sendable, Equatable {
  /// One feature's description.
  public struct Feature: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      case numeric
      /// Labels and their codes, in the card's order.
      case categorical(labels: [(label: String, code: Double)])

      public static func == (a: Kind, b: Kind) -> Bool {
        switch (a, b) {
        case (.numeric, .numeric): return true
        case (.categorical(let x), .categorical(let y)):
          return x.count == y.count && zip(x, y).allSatisfy { $0.label == $1.label && $0.code == $1.code }
        default: return false
        }
      }
    }
    public var name: String
    public var kind: Kind
    public var description: String?
    public var unit: String?
    public var sensitive: Bool
    /// Declared plausible bounds, inclusive.
    public var range: ClosedRange<Double>?
    /// A value is required (missing is an error rather than a warning).
    public var required: Bool

    public init(
      name: String, kind: Kind = .numeric, description: String? = nil, unit: String? = nil,
      sensitive: Bool = false, range: ClosedRange<Double>? = nil, required: Bool = false
    ) {
      self.name = name
      self.kind = kind
      self.description = description
      self.unit = unit
      self.sensitive = sensitive
      self.range = range
      self.required = required
    }

    /// The label for a code, if the feature is categorical and lists it.
    public func label(for code: Double) -> String? {
      guard case .categorical(let labels) = kind else { return nil }
      return labels.first { $0.code == code }?.label
    }

    /// True for a categorical feature.
    public var isCategorical: Bool {
      if case .categorical = kind { true } else { false }
    }
  }

  public struct Target: Sendable, Equatable {
    public var name: String
    public var positiveClass: String?
    public var description: String?
  }

  public struct TrainingData: Sendable, Equatable {
    public var path: String
    public var sha256: String?
    public var rows: Int?
  }

  public var name: String?
  public var description: String?
  public var owner: String?
  public var intendedUse: String?
  public var limitations: String?
  public var target: Target?
  public var trainingData: TrainingData?
  public var features: [Feature]
  /// Features that form one player in Kernel SHAP and exact Shapley values (for example
  /// the one-hot columns of one categorical variable).
  public var groups: [FeatureGroup] = []

  /// A named set of features explained together.
  public struct FeatureGroup: Sendable, Equatable {
    public var name: String
    public var features: [String]
    public init(name: String, features: [String]) {
      self.name = name
      self.features = features
    }
  }

  public init(features: [Feature]) { self.features = features }

  /// The feature called `name`, if the card describes it.
  public func feature(named name: String) -> Feature? { features.first { $0.name == name } }

  /// The conventional card path for a model: `m.json` → `m.card.json`, `m.txt` → `m.card.json`.
  public static func sidecarPath(forModel path: String) -> String {
    let slash = path.lastIndex(of: "/")
    if let dot = path.lastIndex(of: "."), slash.map({ dot > $0 }) ?? true {
      return String(path[..<dot]) + ".card.json"
    }
    return path + ".card.json"
  }

  /// Loads and validates a card.
  /// - Throws: `DataError` naming the field at fault.
  public static func load(path: String) throws(DataError) -> ModelCard {
    try parse(JSONParser.parseFile(path), path: path)
  }

  /// Validates a parsed card document.
  public static func parse(_ document: JSONValue, path: String) throws(DataError) -> ModelCard {
    let f = JSONFields(path: path)
    let root = try f.object(document, "card")
    if let format = try f.optionalString(root, "format"), format != "glassbox-card" {
      throw f.invalid("format", "expected \"glassbox-card\", found \"\(format)\"")
    }
    if let version = try f.optionalNumber(root, "version"), version != 1 {
      throw f.invalid("version", "version \(version) is not supported (this glassbox reads version 1)")
    }
    var features: [Feature] = []
    var names = Set<String>()
    for (k, value) in try f.array(root, "features").enumerated() {
      let field = "features[\(k)]"
      let o = try f.object(value, field)
      let name = try f.string(o, "name", in: field)
      guard names.insert(name).inserted else { throw f.invalid(field, "the feature '\(name)' is described twice") }
      var feature = Feature(name: name)
      let type = try f.optionalString(o, "type", in: field) ?? "numeric"
      switch type {
      case "numeric":
        feature.kind = .numeric
      case "categorical":
        let labelsValue = try f.member(o, "labels", in: field)
        guard let labels = labelsValue.object else {
          throw f.invalid(field + ".labels", "expected an object mapping each label to its code, found \(labelsValue.typeName)")
        }
        var pairs: [(label: String, code: Double)] = []
        var codes = Set<Double>()
        for (label, codeValue) in labels.members {
          guard let code = codeValue.number, code.isFinite else {
            throw f.invalid(field + ".labels." + label, "expected a numeric code, found \(codeValue.typeName)")
          }
          guard codes.insert(code).inserted else {
            throw f.invalid(field + ".labels." + label, "the code \(code) is used by two labels")
          }
          pairs.append((label, code))
        }
        guard !pairs.isEmpty else { throw f.invalid(field + ".labels", "a categorical feature needs at least one label") }
        feature.kind = .categorical(labels: pairs)
      default:
        throw f.invalid(field + ".type", "expected \"numeric\" or \"categorical\", found \"\(type)\"")
      }
      feature.description = try f.optionalString(o, "description", in: field)
      feature.unit = try f.optionalString(o, "unit", in: field)
      feature.sensitive = try f.optionalBool(o, "sensitive", in: field) ?? false
      feature.required = try f.optionalBool(o, "required", in: field) ?? false
      if let rangeValue = o["range"], !rangeValue.isNull {
        let bounds = try f.numbers(rangeValue.array ?? [], field + ".range")
        guard bounds.count == 2, bounds[0] <= bounds[1] else {
          throw f.invalid(field + ".range", "expected [minimum, maximum] with minimum ≤ maximum")
        }
        feature.range = bounds[0]...bounds[1]
      }
      features.append(feature)
    }
    var card = ModelCard(features: features)
    if let groupsValue = root["groups"], !groupsValue.isNull {
      for (k, value) in (try f.array(root, "groups")).enumerated() {
        let field = "groups[\(k)]"
        let o = try f.object(value, field)
        let members = try f.strings(f.array(o, "features", in: field), field + ".features")
        guard !members.isEmpty else { throw f.invalid(field + ".features", "a group needs at least one feature") }
        card.groups.append(FeatureGroup(name: try f.string(o, "name", in: field), features: members))
      }
    }
    card.name = try f.optionalString(root, "name")
    card.description = try f.optionalString(root, "description")
    card.owner = try f.optionalString(root, "owner")
    card.intendedUse = try f.optionalString(root, "intended_use")
    card.limitations = try f.optionalString(root, "limitations")
    if let t = root["target"], !t.isNull {
      let o = try f.object(t, "target")
      card.target = Target(
        name: try f.string(o, "name", in: "target"),
        positiveClass: try f.optionalString(o, "positive_class", in: "target"),
        description: try f.optionalString(o, "description", in: "target"))
    }
    if let d = root["training_data"], !d.isNull {
      let o = try f.object(d, "training_data")
      card.trainingData = TrainingData(
        path: try f.string(o, "path", in: "training_data"),
        sha256: try f.optionalString(o, "sha256", in: "training_data"),
        rows: try f.optionalNumber(o, "rows", in: "training_data").map { (v: Double) throws(DataError) -> Int in
          guard let n = Int(exactly: v), n >= 0 else {
            throw f.invalid("training_data.rows", "expected a whole number ≥ 0, found \(v)")
          }
          return n
        })
    }
    return card
  }
}
