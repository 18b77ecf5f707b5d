import GlassboxData
import GlassboxExplainers
import GlassboxModels

/// What renderers need to know besides the explanations themselves.
public struct ReportContext: Sendable {
  /// The model's features and their card descriptions.
  public var schema: FeatureSchema
  /// A short model name for headers (the file name).
  public var modelName: String
  /// How margins become responses (to show probabilities next to log-odds).
  public var transform: OutputTransform
  /// Class names, if known.
  public var classNames: [String]?
  /// The explanation method ("linear", ...).
  public var method: String
  /// Which algorithm the method ran, when it says ("interventional (decision patterns,
  /// 32561 background rows)"): JSON gets an `algorithm` member, the table a note.
  public var algorithm: String?
  /// True when explanations carry interaction values (`explain --interactions`): CSV
  /// output is then one line per feature pair.
  public var interactions = false
  /// How many contributions to show before folding the rest (table and markdown).
  public var top: Int
  /// True when rows carry an id (`--id-column`): CSV output gets an `id` column.
  public var hasIDs: Bool
  /// True when the input is one `--instance` rather than rows of a file: headings then
  /// say "Instance" instead of "Row 0".
  public var isInstance = false

  public init(
    schema: FeatureSchema, modelName: String, transform: OutputTransform, classNames: [String]?,
    method: String, top: Int = 10, hasIDs: Bool = false, algorithm: String? = nil
  ) {
    self.algorithm = algorithm
    self.schema = schema
    self.modelName = modelName
    self.transform = transform
    self.classNames = classNames
    self.method = method
    self.top = top
    self.hasIDs = hasIDs
  }

  /// How a person reads the input value of feature `j`: label or number, with the unit.
  public func describeValue(_ x: Double, feature j: Int) -> String {
    switch schema.displayValue(x, feature: j) {
    case .missing: return "missing"
    case .label(let label): return label
    case .number(let v):
      let unit = schema.features[j].unit.map { " " + $0 } ?? ""
      return NumberFormatting.readable(v) + unit
    }
  }

  /// The heading of explanation `e`'s report: "Row 7", or "Instance" for `--instance`.
  public func heading(_ e: Explanation) -> String { isInstance ? "Instance" : "Row \(e.row)" }

  /// The name of output `k` for headers ("class >50K"), nil for single-output models.
  public func outputName(_ k: Int?) -> String? {
    guard let k else { return nil }
    if let names = classNames, k < names.count { return names[k] }
    return "class \(k)"
  }
}
