import ArgumentParser
import GlassboxAudit
import GlassboxAuditStores
import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxPipeline
import GlassboxReports

/// `glassbox report`: one self-contained HTML page about a model and a dataset.
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write one self-contained HTML report: model card, data checks, importance, beeswarm, dependence, waterfalls, bias, hashes.",
    discussion: """
      The page has inline CSS and SVG only (no scripts, fonts or links), prints on white,
      and uses a colour-blind-safe palette (orange raises the output, blue lowers it).
      Data checks are those of glassbox check, the bias section that of glassbox bias (with
      --protected), the plots those of glassbox summary --plot. For a given --seed the
      bytes are the same on every run.

      Examples:
        glassbox report --model models/adult-xgboost.json \\
          --data datasets/adult-test.csv --rows 0,1 --out report.html
        glassbox report --model models/adult-xgboost.json --data datasets/adult-test.csv \\
          --protected sex --label income --audit audit.log --out report.html
      """)

  @Option(help: "The model file.")
  var model: String

  @Option(help: "A model card (default: the model's sidecar <name>.card.json when present).")
  var card: String?

  @Option(help: "The data CSV with a header line (a file: it is read more than once).")
  var data: String

  @Option(help: "Zero-based rows whose waterfalls the report shows, e.g. 0,4,10-12.")
  var rows: String?

  @Option(help: "A protected column (repeatable): adds the bias summary with intervals and the attribution gap.")
  var protected: [String] = []

  @Option(help: "An audit log whose head (the SHA-256 of its last line) and record count the report states, after verifying it.")
  var audit: String?

  @Option(name: .customLong("class"), help: "The class to explain (multi-output models).")
  var outputClass: Int?

  @Option(help: "Bootstrap replicates for the intervals (importance and bias).")
  var bootstrap: Int = 200

  @Option(help: "Rows kept (a seeded uniform sample) for the beeswarm and dependence plots.")
  var sample: Int = 2000

  @Option(help: "Features in the importance and beeswarm plots.")
  var top: Int = 10

  @Option(help: "Features with a dependence plot.")
  var dependence: Int = 3

  @Flag(help: "Tree models: also SHAP interaction values, and a table of the strongest pairs.")
  var interactions = false

  @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
  var threads: Int?

  @Option(help: "The HTML file to write (atomically: never a partial file).")
  var out: String

  @Flag(help: "No progress line on standard error.")
  var quiet = false

  @Option(help: "The true-label column: its class balance joins the data checks, label-based rates the bias summary.")
  var label: String?

  @Option(help: ArgumentHelp("Explanation method (see glassbox explain --help); with --protected one whose attributions add up to the score."))
  var method: MethodName<EveryMethod> = .auto

  @Option(help: "Reference rows (CSV): the background of the explainer and of the data checks (drift, out-of-distribution).")
  var background: String?

  @Option(help: "Attribution space: raw (margin) or probability (tree-interventional on logistic models).")
  var output: ExplainerOptions.OutputSpaceArgument?

  @Option(help: "Seed of every random choice (bootstrap, samples): the same seed gives the same bytes.")
  var seed: UInt64 = 42

  func validate() throws {
    if data == "-" || ByteSource.isStream(data) {
      throw ValidationError("--data must be a regular file: the report reads it more than once (save standard input or a pipe to a file first)")
    }
    if bootstrap < 0 { throw ValidationError("--bootstrap must be 0 or more") }
    if sample < 1 { throw ValidationError("--sample must be at least 1") }
    if top < 1 { throw ValidationError("--top must be at least 1") }
    if dependence < 0 { throw ValidationError("--dependence must be 0 or more") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if let outputClass, outputClass < 0 { throw ValidationError("--class must be a class index (0 or more)") }
    if !protected.isEmpty && !ExplainerRegistry.additiveNames.contains(method.name) {
      throw ValidationError(
        "--protected decomposes the gap exactly: --method \(method.name) does not add up to the score; use one of \(ExplainerRegistry.additiveNames.joined(separator: ", "))")
    }
  }

  func run() throws {
    let selection = try rows.map { try RowSelection($0) }
    let loaded = try ModelLoader.load(path: model, cardPath: card)
    let m = loaded.model
    if let outputClass, outputClass >= m.outputCount {
      throw ValidationError("--class \(outputClass) is out of range: the model has \(m.outputCount) output(s)")
    }
    if m.outputCount > 1 && outputClass == nil {
      throw ValidationError("the model has \(m.outputCount) outputs: choose one with --class K")
    }
    let workers = threads ?? Terminal.cores()
    var setup = ExplainerSetup(method: method.name, backgroundPath: background, space: output?.space, seed: seed, threads: 1)
    // Read once, streamed to tree-interventional (interaction values need every row); the
    // data checks' reference is profiled on the way.
    let backgroundStream = try openBackground(background, schema: loaded.schema, profiling: true)
    if interactions { setup.background = try backgroundStream?.readAll() } else { setup.backgroundStream = backgroundStream }
    var explainer = try ExplainerRegistry.make(setup, model: loaded)
    if interactions { explainer = try interactionExplainer(explainer) }

    let check = try checkData(loaded, reference: backgroundStream?.finishProfile(), threads: workers)
    var configuration = ExplanationSummary.Configuration()
    configuration.replicates = bootstrap
    configuration.seed = seed
    configuration.sampleSize = sample
    let explained = try OnTheFlyExplanations.run(
      loaded: loaded, explainer: explainer, dataPath: data, outputClass: outputClass, threads: workers,
      configuration: configuration, keep: selection, keepSpec: rows, quiet: quiet)

    var context = ReportContext(
      schema: loaded.schema, modelName: baseName(loaded.path), transform: m.transform, classNames: m.classNames,
      method: explainer.method, top: top, hasIDs: false, algorithm: explainer.algorithmNote)
    context.interactions = interactions
    var contents = HTMLReport.Contents(
      model: ModelDescription(loaded: loaded), dataName: baseName(data), context: context, summary: explained.summary.report())
    contents.check = check
    contents.waterfalls = explained.kept
    contents.top = top
    contents.dependenceCount = dependence
    if explainer.outputSpace == .probability { contents.attributionUnit = "probability" }
    if !protected.isEmpty { contents.bias = try biasRenderer(loaded, threads: workers) }
    contents.provenance = try provenance(loaded, method: explainer.method)

    let sink = try OutputSink(path: out)
    try sink.write(HTMLReport(contents).render())
    try sink.commit()
  }

  /// The findings of `glassbox check` on --data (against the --background profile when given).
  private func checkData(_ loaded: LoadedModel, reference: ReferenceProfile?, threads: Int) throws -> CheckReport {
    let reader = try CSVReader(path: data)
    let checker = RowChecker(schema: loaded.schema, columns: reader.columns, source: reader.sourceName, reference: reference)
    var check = DatasetCheck(checker: checker, label: label, configuration: DatasetCheck.Configuration())
    try check.run(reader, threads: threads) { _ in }
    return check.report()
  }

  /// The analysis of `glassbox bias` by the --protected columns, with attributions.
  private func biasRenderer(_ loaded: LoadedModel, threads: Int) throws -> BiasRenderer {
    var request = BiasRequest(
      dataPath: data, attributes: protected,
      configuration: BiasConfiguration(
        threshold: 0.5, reference: nil,
        bootstrap: BootstrapConfiguration(replicates: max(bootstrap, 1), seed: seed, threads: threads)))
    request.labelColumn = label
    request.output = outputClass ?? 0
    request.threads = threads
    request.explainer = ExplainerSetup(
      method: method.name, backgroundPath: background, space: output?.space)
    let outcome = try BiasScoring.run(request, model: loaded)
    let unit = outcome.attributionSpace == .probability ? "probability" : loaded.model.transform.marginUnit
    let context = BiasContext(
      modelName: baseName(loaded.path), dataName: baseName(outcome.source), featureNames: loaded.schema.names, label: label,
      positiveLabel: outcome.positiveLabel, attributionUnit: unit)
    return BiasRenderer(report: outcome.report, context: context)
  }

  /// The files' SHA-256 hashes, as audit records name them, and the audit log's head.
  private func provenance(_ loaded: LoadedModel, method resolved: String) throws -> [(key: String, value: String)] {
    var facts: [(key: String, value: String)] = [
      ("model " + baseName(loaded.path), "sha256:" + (try AuditSchema.fileSHA256(path: loaded.path)))
    ]
    if let cardPath = loaded.cardPath { facts.append(("card " + baseName(cardPath), "sha256:" + (try AuditSchema.fileSHA256(path: cardPath)))) }
    facts.append(("data " + baseName(data), "sha256:" + (try AuditSchema.fileSHA256(path: data))))
    if let background = background {
      facts.append(("background " + baseName(background), "sha256:" + (try AuditSchema.fileSHA256(path: background))))
    }
    facts.append(("method", resolved + (method.name == resolved ? "" : " (asked: \(method.name))") + (output.map { ", output " + $0.space.rawValue } ?? "")))
    facts.append(("seed", String(seed)))
    facts.append(("glassbox", Glassbox.version))
    if let audit {
      let report = try AuditVerifier.verify(store: LogStoreRegistry.withDatabases.store(for: audit), policy: VerifyPolicy())
      let head = report.head.isEmpty ? AuditSchema.genesisHash : "sha256:" + AuditSchema.hex(report.head)
      facts.append(("audit log " + baseName(audit), "\(report.records) records, \(report.checkpoints) checkpoints"))
      facts.append(("audit head", head))
      facts.append(("audit verification", report.isIntact ? "intact (hash chain and records checked)" : "FAILED: " + (report.failure ?? report.semanticFailure).map(\.message)!))
    }
    return facts
  }
}
