import ArgumentParser
import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxPipeline
import GlassboxReports
import GlassboxSystem

/// `glassbox explain`: SHAP values for one instance, selected rows, or a whole CSV.
struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Explain predictions: one instance, selected rows, or a whole CSV (streamed).",
    discussion: """
      Examples:
        glassbox explain --model models/adult-logistic.json \\
          --data datasets/adult.csv --rows 0,4,10-20
        glassbox explain --model models/adult-logistic.json \\
          --instance 'age=39,sex=Male,...'
        cat data.csv | glassbox explain --model m.json --data - --format json \\
          > phi.jsonl
      """)

  @Option(help: ArgumentHelp("The model file: \(ModelFormats.supportedList) (recognised by content)."))
  var model: String?

  @Option(help: "A model card (default: the model's sidecar <name>.card.json when present).")
  var card: String?

  @Option(help: "The input CSV with a header line; '-' reads standard input.")
  var data: String?

  @Option(help: "One instance as name=value pairs: 'age=39,sex=Male,...' (labels allowed where the card defines them).")
  var instance: String?

  @Option(help: "Column names of a headerless input, comma-separated: the input then has no header line (for streaming under Spark's RDD.pipe, Hadoop Streaming, GNU parallel).")
  var columns: String?

  @Option(help: "A column whose value identifies each row: copied into every output (\"id\" in JSON, the first CSV column), and the row's random choices derive from it, so results do not depend on how the input is split.")
  var idColumn: String?

  @Option(
    help: """
      A sensitive feature (repeatable; default: the features the card marks sensitive): the table, \
      Markdown and JSON then show its share of the total |attribution| and a counterfactual probe \
      (the prediction with it set to each other label; a flipped decision at 0.5 is flagged).
      """)
  var sensitive: [String] = []

  @Option(help: "Zero-based data rows to explain: indices and inclusive ranges, e.g. 0,4,10-20 (default: all).")
  var rows: String?

  @Option(help: ArgumentHelp(FormatArgument.help))
  var format: FormatArgument?

  @Option(help: "Contributions shown before the rest are folded (table, markdown).")
  var top: Int = 10

  @Option(name: .customLong("class"), help: "Explain only this output (class index) of a multi-output model.")
  var outputClass: Int?

  @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
  var threads: Int?

  @Option(help: "Write to this file (atomically: a temporary file renamed when complete) instead of standard output.")
  var out: String?

  @Flag(help: "No ANSI colors (also honored: the NO_COLOR environment variable).")
  var noColor = false

  @Flag(help: "CSV output without its header line.")
  var noHeader = false

  @Flag(help: "No progress line on standard error.")
  var quiet = false

  @Flag(help: "Tree models, --method tree or auto (xgboost's pred_interactions) or tree-interventional (over --background): also SHAP interaction values: JSON main effects and feature pairs, CSV one line per pair, the table the strongest pairs.")
  var interactions = false

  @Option(help: "Write one plot instead of text: waterfall, an SVG of one --instance or one --rows row (glassbox summary --plot draws the global plots).")
  var plot: PlotKind?

  enum PlotKind: String, ExpressibleByArgument, CaseIterable { case waterfall }

  @OptionGroup(title: "Rows with data errors") var badRows: BadRowOptions

  @OptionGroup(title: "Method") var explainerOptions: ExplainerOptions

  @OptionGroup(title: "Audit trail") var auditOptions: AuditOptions

  @OptionGroup(title: "A model behind a command or a URL") var remoteOptions: RemoteModelOptions

  /// An output format from `ExplanationFormats`.
  struct FormatArgument: ExpressibleByArgument, Sendable {
    let format: ExplanationFormat
    init?(argument: String) {
      guard let format = ExplanationFormats.named(argument) else { return nil }
      self.format = format
    }
    static var allValueStrings: [String] { ExplanationFormats.names }
    static var help: String {
      "Output format. " + ExplanationFormats.all.map { "\($0.name): \($0.summary)" }.joined(separator: "; ")
        + " (default: table on a terminal, json otherwise)."
    }
  }

  func validate() throws {
    if data == nil && instance == nil {
      throw ValidationError("give the input: --data CSV (or '-' for standard input), or --instance 'name=value,...'")
    }
    if data != nil && instance != nil { throw ValidationError("give either --data or --instance, not both") }
    if rows != nil && data == nil { throw ValidationError("--rows selects rows of --data; it does not apply to --instance") }
    if top < 1 { throw ValidationError("--top must be at least 1") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if let outputClass, outputClass < 0 { throw ValidationError("--class must be a class index (0 or more)") }
    if noHeader && format?.format.name != "csv" { throw ValidationError("--no-header applies to --format csv only") }
    if columns != nil && data == nil { throw ValidationError("--columns names the columns of a headerless --data input") }
    if idColumn != nil && data == nil { throw ValidationError("--id-column applies to --data input") }
    if badRows.rejects != nil && data == nil { throw ValidationError("--rejects collects rejected rows of --data") }
    if let columns, columns.split(separator: ",").isEmpty { throw ValidationError("--columns needs at least one column name") }
    if plot != nil {
      guard instance != nil || (rows.flatMap { try? RowSelection($0) }?.count == 1) else {
        throw ValidationError("--plot waterfall draws one row: give --instance or --rows with a single row index")
      }
      if format != nil { throw ValidationError("--plot writes SVG: it does not go with --format") }
    }
    try remoteOptions.validate(model: model, audit: auditOptions.audit)
  }

  func run() throws {
    let selection = try rows.map { try RowSelection($0) }
    auditOptions.prefetchHashes(model, card, explainerOptions.background, data)
    let loaded = try remoteOptions.load(model: model, card: card)
    defer { RemoteModelOptions.finish(loaded, quiet: quiet) }
    if let outputClass, outputClass >= loaded.model.outputCount {
      throw ValidationError("--class \(outputClass) is out of range: the model has \(loaded.model.outputCount) output(s), 0 to \(loaded.model.outputCount - 1)")
    }
    let workers = remoteOptions.workers(threads: threads)
    // One instance or a row selection is one block: let the explainer spread its rows over the
    // cores. A whole file is spread over the cores block by block instead.
    let inner = (instance != nil || rows != nil) ? workers : 1
    // The background is read once, for the explainer and for the data checks' reference:
    // streamed in chunks to tree-interventional (interaction values need every row).
    var setup = explainerOptions.setup(threads: inner)
    let backgroundStream = try explainerOptions.backgroundStream(schema: loaded.schema, profiling: true)
    if interactions { setup.background = try backgroundStream?.readAll() } else { setup.backgroundStream = backgroundStream }
    let explainer = try withInteractions(ExplainerRegistry.make(setup, model: loaded))
    let chosenFormat = format?.format
      ?? ExplanationFormats.all.first { $0.isForTerminal == (out == nil && Terminal.isTerminal(1)) }!
    var context = ReportContext(
      schema: loaded.schema, modelName: baseName(loaded.path), transform: loaded.model.transform,
      classNames: loaded.model.classNames, method: explainer.method, top: top, hasIDs: idColumn != nil,
      algorithm: explainer.algorithmNote)
    context.interactions = interactions
    context.isInstance = instance != nil
    let style = TerminalStyle(
      width: out == nil ? Terminal.width() : 100,
      color: out == nil && Terminal.colorAllowed(forcedOff: noColor))
    let probe = try SensitivityProbe(
      model: loaded.model, schema: loaded.schema, sensitive: sensitive.isEmpty ? nil : sensitive, threshold: 0.5)
    let renderer = plot != nil
      ? WaterfallPlotRenderer(context: context)
      : chosenFormat.make(RenderSettings(context: context, style: style, probe: probe.isActive ? probe : nil, csvHeader: !noHeader))
    let sink = try OutputSink(path: out)
    try sink.write(renderer.header())

    // With --audit, an input that can be read only once is read here, hashed as it is read.
    let captured = try auditOptions.captureStream(instance == nil ? (data ?? "-") : nil)
    let trail = try auditOptions.makeTrail(
      .init(
        loaded: loaded, explainer: explainer, requestedMethod: explainerOptions.method.name,
        seed: explainerOptions.seed, threads: workers, space: explainer.outputSpace,
        backgroundPath: explainerOptions.background,
        dataPath: instance == nil ? (data ?? "-") : nil, captured: captured, idColumn: idColumn,
        parameters: explainerOptions.recordedParameters.merging(explainer.recordedSettings) { $1 }))

    let reference = try backgroundStream?.finishProfile()
    if let instance {
      let policy = badRows.onBadRow?.policy ?? .fail
      // Cells that cannot be read at all keep the encoder's own message.
      if policy != .explain { _ = try FeatureEncoder.encode(instance: instance, schema: loaded.schema) }
      let (inputs, notes) = try BatchExplanation.checkInstance(
        FeatureEncoder.instanceBlock(instance, schema: loaded.schema), schema: loaded.schema, reference: reference,
        policy: policy)
      var explanations = try explainer.explain(inputs, featureCount: loaded.schema.count)
      for i in explanations.indices { explanations[i].notes += notes }
      if let outputClass { explanations.removeAll { ($0.output ?? 0) != outputClass } }
      try checkBeforeWriting(
        explanations, featureNames: loaded.schema.names,
        additivity: AdditivityError.tolerance(explainer: explainer, model: loaded.model)
      ) { _ in ("\(Parameter.instance)", nil) }
      try sink.write(renderer.render(explanations))
      try trail?.record(explanations)
      try trail?.finish()
      try writeCalls(loaded, format: chosenFormat, to: sink)
      try sink.commit()
      return
    }

    let givenColumns = columns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { trimmedSpaces($0) } }
    let reader = try captured.map { try CSVReader(source: $0.source(), columns: givenColumns) }
      ?? CSVReader(path: data ?? "-", columns: givenColumns)
    var options = BatchExplanation.Options()
    options.badRows = badRows.policy
    options.selection = selection
    options.idColumn = idColumn
    options.outputClass = outputClass
    options.threads = workers
    options.blockSize = explainer.preferredBlockRows(threads: workers)
    options.additivityTolerance = AdditivityError.tolerance(explainer: explainer, model: loaded.model)
    let batch = try BatchExplanation(
      reader: reader, schema: loaded.schema, explainer: explainer, renderer: renderer, reference: reference,
      audit: trail, options: options)
    let progress = ProgressLine(enabled: !quiet)
    let rejected = try badRows.collector(out: out, columns: reader.columns)
    let summary: BatchExplanation.Summary
    do {
      summary = try batch.run(into: sink, progress: { progress.update(rows: $0.rows, bytes: $0.bytes, totalBytes: $0.totalBytes) }) {
        try rejected.add($0, beforeWarning: progress.pause)
      }
    } catch {
      progress.finish()
      try? trail?.finish()  // a closing checkpoint over the records written before the failure
      throw error
    }
    progress.finish()
    try trail?.finish()
    if let selection, summary.selected < selection.count {
      throw DataError.invalidRowSpec(
        spec: rows ?? "",
        problem: "only \(summary.selected) of the \(selection.count) selected rows exist in '\(reader.sourceName)' (it has fewer data rows)")
    }
    try writeCalls(loaded, format: chosenFormat, to: sink)
    try sink.commit()
    try rejected.finish(of: summary.selected, outcome: "explained \(summary.explained)")
  }

  /// JSON Lines of a remote model end with the run's model calls (`{"model_calls":{...}}`).
  func writeCalls(_ loaded: LoadedModel, format: ExplanationFormat, to sink: OutputSink) throws {
    guard format.name == "json", let line = RemoteModelOptions.callsLine(loaded) else { return }
    try sink.write(line)
  }

  /// With `--interactions`: path-dependent TreeSHAP that also computes interaction values.
  /// - Throws: `ValidationError` when the method is not path-dependent TreeSHAP.
  func withInteractions(_ explainer: any Explainer) throws -> any Explainer {
    guard interactions else { return explainer }
    return try interactionExplainer(explainer)
  }
}

/// TreeSHAP that also computes interaction values (`--interactions`): path-dependent, or
/// interventional over the background.
/// - Throws: `ValidationError` when `explainer` is neither; `ExplainerError` for
///   probability attributions.
func interactionExplainer(_ explainer: any Explainer) throws -> any Explainer {
  if let interventional = explainer as? InterventionalTreeSHAP {
    return try InterventionalInteractionExplainer(shap: interventional)
  }
  guard let tree = explainer as? TreeSHAP else {
    throw ValidationError("--interactions needs a tree model and --method tree, auto or tree-interventional (TreeSHAP)")
  }
  if tree.algorithm == .quadrature {
    throw ValidationError("--interactions follows xgboost 3.2's pred_interactions: use --tree-algorithm fast, classic or xgboost-3.2 with it, not xgboost-3.3")
  }
  return TreeInteractionExplainer(tree: tree)
}

/// The last path component.
func baseName(_ path: String) -> String {
  path.split(separator: "/").last.map(String.init) ?? path
}

/// `text` without leading and trailing spaces.
func trimmedSpaces(_ text: Substring) -> String {
  var s = text
  while s.first == " " { s.removeFirst() }
  while s.last == " " { s.removeLast() }
  return String(s)
}
