import ArgumentParser
import GlassboxAudit
import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxPipeline
import GlassboxReports

/// `glassbox bias`: group fairness metrics with bootstrap intervals, the features that
/// carry a disparity, and CI gates.
struct Bias: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bias",
    abstract: "Group fairness metrics with uncertainty, and the features that carry a disparity.",
    discussion: """
      Groups are the values of each --sensitive column (card labels where the card names
      them) and, with several columns, their intersections. See docs/bias.md.

      Examples:
        glassbox bias --model models/adult-xgboost.json \\
          --data datasets/adult-test.csv --sensitive sex --label income
        glassbox bias --model m.json --data d.csv --sensitive sex --sensitive race \\
          --format json --fail-on 'disparate_impact<0.8'
      """)

  @Option(help: "The model file (any format glassbox reads).")
  var model: String?

  @Option(help: "A model card (default: the model's sidecar <name>.card.json when present).")
  var card: String?

  @Option(help: "The data CSV with a header line; '-' reads standard input.")
  var data: String

  @Option(help: "A sensitive column (repeat for several; default: the card's categorical sensitive features).")
  var sensitive: [String] = []

  @Option(help: "The true-label column: enables TPR, FPR, FNR, precision, accuracy and equalized odds.")
  var label: String?

  @Option(help: "The positive label value (default: the card's positive class, else 1 or true).")
  var positiveLabel: String?

  @Option(help: "A row is selected when its score (the probability for classifiers) is ≥ this.")
  var threshold: Double = 0.5

  @Option(help: "The reference group: a value, or attr=value,attr=value (default: the largest group).")
  var reference: String?

  @Option(help: "Bootstrap replicates for the 95% intervals (0: none).")
  var bootstrap: Int = 1000

  @Option(help: "Coverage of the bootstrap intervals.")
  var confidence: Double = 0.95

  @Option(help: "Seed of the bootstrap.")
  var seed: UInt64 = 42

  @Option(help: "Reference rows (CSV) for the attributions (linear SHAP means; tree-interventional background).")
  var background: String?

  @Option(
    help: ArgumentHelp(
      "Attribution method, one whose attributions add up to the score, so that a group gap decomposes exactly over features."))
  var method: MethodName<AdditiveMethods> = .auto

  @Option(help: "Attribution space: raw (margin) or probability (tree-interventional on logistic models).")
  var output: ExplainerOptions.OutputSpaceArgument = .raw

  @Flag(help: "Skip attributions (no gap decomposition or proxy detection).")
  var noAttribution = false

  @Option(name: .customLong("class"), help: "The class whose probability is the score (multi-output models).")
  var outputClass: Int?

  @Option(help: "Exit with status 2 when a rule is breached in any grouping, e.g. 'disparate_impact<0.8' (repeatable).")
  var failOn: [String] = []

  @Option(help: "Output format: table, json or markdown (default: table on a terminal, json otherwise).")
  var format: OutputFormat?

  @Option(help: "Write to this file (atomically) instead of standard output.")
  var out: String?

  @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
  var threads: Int?

  @Flag(help: "No ANSI colors (also honored: the NO_COLOR environment variable).")
  var noColor = false

  enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, json, markdown }

  func validate() throws {
    if bootstrap < 0 { throw ValidationError("--bootstrap must be 0 or more") }
    if !(confidence > 0 && confidence < 1) { throw ValidationError("--confidence must be between 0 and 1") }
    if !threshold.isFinite { throw ValidationError("--threshold must be a finite number") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if let outputClass, outputClass < 0 { throw ValidationError("--class must be a class index (0 or more)") }
    if !ExplainerRegistry.additiveNames.contains(method.name) {
      throw ValidationError(
        "--method \(method.name) does not decompose a gap exactly (its attributions do not add up to the score); use one of \(ExplainerRegistry.additiveNames.joined(separator: ", "))")
    }
    if noAttribution && background != nil { throw ValidationError("--background is for attributions; drop --no-attribution") }
    try remoteOptions.validate(model: model, audit: auditOptions.audit)
  }

  @OptionGroup(title: "Audit trail") var auditOptions: AuditOptions

  @OptionGroup(title: "A model behind a command or a URL") var remoteOptions: RemoteModelOptions

  @OptionGroup(title: "Rows with data errors") var badRows: BadRowOptions

  func run() throws {
    let rules = try failOn.map { try FailOnRule(parsing: $0) }
    auditOptions.prefetchHashes(model, card, background, data)
    let loaded = try remoteOptions.load(model: model, card: card)
    defer { RemoteModelOptions.finish(loaded, quiet: false) }
    let m = loaded.model
    let k = outputClass ?? 0
    if k >= m.outputCount {
      throw ValidationError("--class \(k) is out of range: the model has \(m.outputCount) output(s)")
    }
    if m.outputCount > 1 && outputClass == nil {
      throw ValidationError("the model has \(m.outputCount) outputs: choose the scored class with --class K")
    }
    let schema = loaded.schema
    let attributes = sensitive.isEmpty ? schema.features.filter { $0.sensitive && $0.isCategorical }.map(\.name) : sensitive
    guard !attributes.isEmpty else {
      throw ValidationError("give at least one --sensitive COLUMN (the model card marks no categorical feature sensitive)")
    }
    if auditOptions.audit != nil && noAttribution {
      throw ValidationError("--audit records attributions: it does not go with --no-attribution")
    }
    // Scoring and explaining rows through a remote model use more workers than the cores;
    // the bootstrap computes, on the cores.
    let workers = remoteOptions.workers(threads: threads)
    var request = BiasRequest(
      dataPath: data, attributes: attributes,
      configuration: BiasConfiguration(
        threshold: threshold, reference: reference,
        bootstrap: BootstrapConfiguration(
          replicates: bootstrap, seed: seed, confidence: confidence, threads: threads ?? Terminal.cores())))
    request.labelColumn = label
    // With --audit, an input that can be read only once is read here, hashed as it is read.
    request.captured = try auditOptions.captureStream(data)
    request.positiveLabel = positiveLabel
    request.output = k
    request.rules = rules
    request.threads = workers
    request.badRows = badRows.policy
    let rejected = try badRows.collector(out: out)
    if !noAttribution {
      request.explainer = ExplainerSetup(method: method.name, backgroundPath: background, space: output.space)
    }
    let outcome = try BiasScoring.run(
      request, model: loaded,
      audit: { explainer in
        try auditOptions.makeTrail(
          .init(
            loaded: loaded, explainer: explainer, requestedMethod: method.name, seed: seed, threads: workers,
            space: explainer.outputSpace, backgroundPath: background, dataPath: data, captured: request.captured,
            idColumn: nil,
            parameters: ["command": .string("bias")]))
      },
      reject: { try rejected.add($0) })
    let (report, verdicts) = (outcome.report, outcome.verdicts)
    let unit = (outcome.attributionSpace ?? output.space) == .probability ? "probability" : m.transform.marginUnit
    let context = BiasContext(
      modelName: baseName(loaded.path), dataName: baseName(outcome.source), featureNames: schema.names, label: label,
      positiveLabel: outcome.positiveLabel, attributionUnit: unit)
    let style = TerminalStyle(
      width: out == nil ? Terminal.width() : 100, color: out == nil && Terminal.colorAllowed(forcedOff: noColor))
    let renderer = BiasRenderer(report: report, context: context, style: style)
    let chosen = format ?? ((out == nil && Terminal.isTerminal(1)) ? .table : .json)
    let sink = try OutputSink(path: out)
    switch chosen {
    case .json: try sink.write(renderer.json(verdicts: verdicts))
    case .table: try sink.write(renderer.table(verdicts: verdicts))
    case .markdown: try sink.write(renderer.markdown(verdicts: verdicts))
    }
    try sink.commit()
    let breached = verdicts.filter(\.breached)
    if !breached.isEmpty {
      let list = breached.map { "\($0.rule) in \($0.grouping)" }.joined(separator: "; ")
      Terminal.printError("glassbox: bias gate breached: \(list)")
    }
    // Rejected rows (exit 65 by default) outrank a breached gate (exit 2): the report
    // itself is incomplete.
    try rejected.finish(of: outcome.report.rowCount + rejected.count, outcome: "analysed \(outcome.report.rowCount)",
      columns: outcome.columns)
    if !breached.isEmpty { throw ExitCode(2) }
  }
}
