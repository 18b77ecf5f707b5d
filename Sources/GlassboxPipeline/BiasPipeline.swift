import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxSystem

/// What `glassbox bias` asks for: the groups, the scores, the labels, the attributions
/// and the gates.
public struct BiasRequest: Sendable {
  /// The data CSV (`-`: standard input).
  public var dataPath: String
  /// The data when it could be read only once and was read already, hashed, for the audit
  /// trail (`CapturedStream`); nil reads `dataPath`.
  public var captured: CapturedStream?
  /// The sensitive columns whose values (and their intersections) form the groups.
  public var attributes: [String]
  /// The true-label column, if any.
  public var labelColumn: String?
  /// The positive label (nil: the card's positive class, else 1 or true).
  public var positiveLabel: String?
  /// The output whose response is the score.
  public var output = 0
  public var configuration: BiasConfiguration
  /// The attribution method; nil: no attributions (no gap decomposition or proxies).
  public var explainer: ExplainerSetup?
  /// CI gates, evaluated on the report.
  public var rules: [FailOnRule] = []
  public var threads = 1
  /// What happens to a row with a data error (see `BadRowPolicy`).
  public var badRows: BadRowPolicy = .fail

  public init(dataPath: String, attributes: [String], configuration: BiasConfiguration) {
    self.dataPath = dataPath
    self.attributes = attributes
    self.configuration = configuration
  }
}

/// What a bias analysis found.
public struct BiasOutcome: Sendable {
  public var report: BiasReport
  /// Each gate's verdict in each grouping.
  public var verdicts: [FailOnRule.Verdict]
  /// The label value counted as positive, when labels were given.
  public var positiveLabel: String?
  /// Where the data came from.
  public var source: String
  /// The attribution method that ran and its output space, when attributions were made.
  public var attributionSpace: OutputSpace?
  /// The input's column names (the header of a rejects file).
  public var columns: [String]
}

extension BiasScoring {
  /// Runs a bias analysis: reads the data, scores every row, codes the labels, explains
  /// every row (unless `request.explainer` is nil), and computes the group metrics with
  /// bootstrap intervals and the gates' verdicts.
  /// - Parameter audit: called once with the explainer before its attributions are
  ///   recorded; returns the trail to append one record per row to, or nil.
  /// - Throws: `DataError` for unreadable data or a missing column, `FairnessError` for
  ///   a gate that needs labels without them, the explainer's errors.
  /// - Complexity: O(rows · (model cost + explainer cost)) plus the bootstrap; memory
  ///   O(rows · features).
  /// - Parameter reject: receives each row left out under `BadRowPolicy.skip`.
  public static func run(
    _ request: BiasRequest, model loaded: LoadedModel, audit: (any Explainer) throws -> AuditTrail? = { _ in nil },
    reject: (RejectedRow) throws -> Void = { _ in }
  ) throws -> BiasOutcome {
    let schema = loaded.schema, m = loaded.model, k = request.output
    let input = try BiasInput.read(
      path: request.dataPath, captured: request.captured, schema: schema, sensitive: request.attributes,
      label: request.labelColumn, badRows: request.badRows, reject: reject)
    let n = input.rowCount
    let scores = scores(m, input.rows, count: n, output: k, threads: request.threads)
    var labels: [Bool]? = nil
    var positive: String? = nil
    if let label = request.labelColumn, let cells = input.labels {
      let coded = try LabelCoding.binary(
        cells, positive: request.positiveLabel ?? loaded.card?.target?.positiveClass, column: label, source: input.source)
      labels = coded.labels
      positive = coded.positive
    }
    for rule in request.rules where rule.metric.needsLabels && labels == nil {
      throw FairnessError.invalidRule(rule: rule.text, problem: "\(rule.metric.rawValue) needs labels: give \(Parameter.label) COLUMN")
    }
    var table: AttributionTable? = nil
    if let setup = request.explainer {
      let explainer = try ExplainerRegistry.make(setup, model: loaded)
      let attributions = try attributions(explainer, input.rows, count: n, schema: schema, output: k, threads: request.threads)
      table = attributions
      if let trail = try audit(explainer) {
        try record(attributions, rows: input.rows, output: m.outputCount == 1 ? nil : k, into: trail)
      }
    }
    let report = try BiasAnalysis.run(
      attributes: request.attributes, values: input.sensitive,
      outcomes: Outcomes(scores: scores, labels: labels, threshold: request.configuration.threshold),
      attributions: table, inputs: input.rows, categorical: schema.features.map(\.isCategorical),
      configuration: request.configuration, source: input.source)
    var verdicts: [FailOnRule.Verdict] = []
    for rule in request.rules { verdicts += try rule.evaluate(report) }
    return BiasOutcome(
      report: report, verdicts: verdicts, positiveLabel: positive, source: input.source,
      attributionSpace: table?.space, columns: input.columns)
  }
}
