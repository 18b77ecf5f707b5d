import ArgumentParser
import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxPipeline
import GlassboxReports
import GlassboxSystem

/// `glassbox summary`: global importance, beeswarms, dependence and groups of many
/// explanations, read from what `explain` wrote or computed on the fly.
struct Summary: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "summary",
    abstract: "Summarize many explanations: global importance with intervals, beeswarms, dependence, groups.",
    discussion: """
      Reads JSON Lines or CSV written by glassbox explain (a file, or '-' for standard
      input), or explains --model and --data itself. Memory stays bounded on any number of
      rows: means are exact, intervals come from a seeded Poisson bootstrap, distributions
      from a seeded sample of --sample rows.

      Examples:
        glassbox explain --model models/adult-xgboost.json --data datasets/adult.csv \\
          --format json --out phi.jsonl
        glassbox summary phi.jsonl --by sex
        glassbox summary --model models/adult-xgboost.json --data datasets/adult.csv
        glassbox summary phi.jsonl --plot beeswarm --out beeswarm.svg
      """)

  @Argument(help: "Explanations written by glassbox explain (JSON Lines or CSV; '-' reads standard input).")
  var explanations: String?

  @Option(help: "Explain this model on the fly instead of reading explanations (with --data).")
  var model: String?

  @Option(help: "A model card for --model (default: the model's sidecar <name>.card.json when present).")
  var card: String?

  @Option(help: "The CSV to explain with --model ('-' reads standard input).")
  var data: String?

  @Option(help: "A feature whose values form groups, summarized side by side (needs values: JSON input or --model).")
  var by: String?

  @Option(name: .customLong("class"), help: "The class to summarize, when the explanations hold several.")
  var outputClass: Int?

  @Option(help: "Bootstrap replicates for the importance intervals (0: none).")
  var bootstrap: Int = 200

  @Option(help: "Rows kept (a seeded uniform sample) for the beeswarm and dependence views.")
  var sample: Int = 2000

  @Option(help: "Features in the beeswarm and group views.")
  var top: Int = 10

  @Option(help: "Output format: table or json (default: table on a terminal, json otherwise).")
  var format: SummaryFormat?

  @Option(help: "Worker threads for --model (default: all cores). Results do not depend on it.")
  var threads: Int?

  @Option(help: "Write to this file (atomically) instead of standard output.")
  var out: String?

  @Flag(help: "No ANSI colors (also honored: the NO_COLOR environment variable).")
  var noColor = false

  @Option(help: "Write one SVG plot instead of text: bar (mean |attribution| with intervals), beeswarm, or dependence (of --feature). glassbox explain --plot waterfall draws one row.")
  var plot: PlotKind?

  @Option(help: "The feature of --plot dependence (default: the most important).")
  var feature: String?

  enum PlotKind: String, ExpressibleByArgument, CaseIterable { case bar, beeswarm, dependence }

  @OptionGroup(title: "Method (with --model)") var explainerOptions: ExplainerOptions

  enum SummaryFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

  func validate() throws {
    if (explanations == nil) == (model == nil) {
      throw ValidationError("give the explanations to summarize (a file or '-'), or --model and --data to explain on the fly")
    }
    if model != nil && data == nil { throw ValidationError("--model needs --data, the rows to explain") }
    if model == nil && (data != nil || card != nil) { throw ValidationError("--data and --card go with --model") }
    if bootstrap < 0 { throw ValidationError("--bootstrap must be 0 or more") }
    if sample < 1 { throw ValidationError("--sample must be at least 1") }
    if top < 1 { throw ValidationError("--top must be at least 1") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if feature != nil && plot != .dependence { throw ValidationError("--feature chooses the feature of --plot dependence") }
    if plot != nil && (format != nil || by != nil) { throw ValidationError("--plot writes SVG: it does not go with --format or --by") }
  }

  func run() throws {
    var configuration = ExplanationSummary.Configuration()
    configuration.replicates = bootstrap
    configuration.seed = explainerOptions.seed
    configuration.sampleSize = sample
    let (summary, source) = try model == nil ? readExplanations(configuration) : explainOnTheFly(configuration)
    if let by, summary.features.firstIndex(of: by) == nil {
      throw ValidationError("--by \(by) is not a feature of the explanations; they have \(summary.features.joined(separator: ", "))")
    }
    if by != nil && !summary.hasValues && summary.rows > 0 {
      throw ValidationError("--by needs feature values: summarize JSON Lines (explain --format json) or use --model")
    }
    let report = summary.report()
    if let plot {
      try writePlot(plot, report, source: source)
      return
    }
    let chosen = format ?? ((out == nil && Terminal.isTerminal(1)) ? .table : .json)
    let style = TerminalStyle(
      width: out == nil ? Terminal.width() : 100, color: out == nil && Terminal.colorAllowed(forcedOff: noColor))
    let renderer = SummaryRenderer(report: report, sourceName: source, style: style, top: top, groupColumn: by)
    let sink = try OutputSink(path: out)
    try sink.write(chosen == .json ? renderer.json() : renderer.table())
    try sink.commit()
    if summary.rows == 0 {
      Terminal.printError("glassbox: summary: no explanations\(outputClass.map { " of class \($0)" } ?? "") in '\(source)'")
      throw ExitCode(65)
    }
  }

  /// Writes the SVG of `--plot` (exit 65 when there is nothing to draw).
  private func writePlot(_ kind: PlotKind, _ report: SummaryReport, source: String) throws {
    guard report.rows > 0 else {
      Terminal.printError("glassbox: summary: no explanations in '\(source)' to plot")
      throw ExitCode(65)
    }
    let plots = SummaryPlots(report: report, top: top)
    let svg: String
    switch kind {
    case .bar: svg = plots.bar()
    case .beeswarm: svg = plots.beeswarm()
    case .dependence:
      guard report.hasValues else {
        throw ValidationError("--plot dependence needs feature values: summarize JSON Lines (explain --format json) or use --model")
      }
      let j = try feature.map { name in
        guard let j = report.features.firstIndex(of: name) else {
          throw ValidationError("--feature \(name) is not a feature of the explanations; they have \(report.features.joined(separator: ", "))")
        }
        return j
      } ?? report.order[0]
      svg = plots.dependence(feature: j)
    }
    let sink = try OutputSink(path: out)
    try sink.write(svg)
    try sink.commit()
  }

  /// The group column's index among the features, once they are known.
  private func configured(_ configuration: ExplanationSummary.Configuration, features: [String]) -> ExplanationSummary.Configuration {
    var c = configuration
    c.groupColumn = by.flatMap { features.firstIndex(of: $0) }
    return c
  }

  private func readExplanations(_ configuration: ExplanationSummary.Configuration) throws -> (ExplanationSummary, String) {
    var lines = try ExplanationLines(path: explanations ?? "-", outputClass: outputClass)
    var summary: ExplanationSummary?
    while let row = try lines.next() {
      if summary == nil {
        let features = lines.features ?? []
        summary = ExplanationSummary(features: features, configuration: configured(configuration, features: features))
      }
      summary!.add(row)
    }
    return (summary ?? ExplanationSummary(features: lines.features ?? [], configuration: configuration), lines.sourceName)
  }

  private func explainOnTheFly(_ configuration: ExplanationSummary.Configuration) throws -> (ExplanationSummary, String) {
    let loaded = try ModelLoader.load(path: model!, cardPath: card)
    if let outputClass, outputClass >= loaded.model.outputCount {
      throw ValidationError("--class \(outputClass) is out of range: the model has \(loaded.model.outputCount) output(s)")
    }
    if loaded.model.outputCount > 1 && outputClass == nil {
      throw ValidationError("the model has \(loaded.model.outputCount) outputs: choose one with --class K")
    }
    var setup = explainerOptions.setup(threads: 1)
    setup.backgroundStream = try explainerOptions.backgroundStream(schema: loaded.schema)
    let explainer = try ExplainerRegistry.make(setup, model: loaded)
    let outcome = try OnTheFlyExplanations.run(
      loaded: loaded, explainer: explainer, dataPath: data ?? "-", outputClass: outputClass, threads: threads ?? Terminal.cores(),
      configuration: configured(configuration, features: loaded.schema.names))
    return (outcome.summary, outcome.source)
  }
}
