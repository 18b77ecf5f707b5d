import ArgumentParser
import GlassboxData
import GlassboxModels
import GlassboxPipeline
import GlassboxReports

/// `glassbox check`: data quality checks of a CSV against a model, its card and a
/// reference sample, before an explanation is trusted.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check data against a model, its card and a background sample (schema, missing values, ranges, drift, duplicates).",
    discussion: """
      Rules, thresholds and the JSON format: docs/data-checks.md.
      Examples:
        glassbox check --model models/adult-logistic.json \\
          --data datasets/adult-test.csv --background datasets/adult.csv
        glassbox check --model m.json --data new.csv --background train.csv \\
          --label income --format json --strict
      Rows with error-level findings are written whole (line, reason, fields) to --rejects FILE, and with \
      --strict --out FILE to FILE.rejects.csv beside the report.
      Exit status: 0, or 1 with --strict when any error-level finding exists; \
      64 usage, 65 malformed input, 66 missing file.
      """)

  @Option(help: "The model file.")
  var model: String?

  @Option(help: "A model card (default: the model's sidecar <name>.card.json when present).")
  var card: String?

  @Option(help: "The CSV to check, with a header line; '-' reads standard input.")
  var data: String

  @Option(help: "A reference sample (CSV), e.g. the training data: enables drift (PSI), out-of-distribution and impossible-value checks.")
  var background: String?

  @Option(help: "A label column: report its class balance.")
  var label: String?

  @Option(help: "Output format: table or json (default: table on a terminal, json otherwise).")
  var format: CheckFormat?

  @Flag(help: "Exit with status 1 when any error-level finding exists (for CI gates).")
  var strict = false

  @Option(
    help: """
      Write every row with an error-level finding here: its line number, its first error, and its \
      fields (CSV, as explain's rejects file). Default with --strict: FILE.rejects.csv beside --out FILE.
      """)
  var rejects: String?

  @Option(help: "Findings listed per kind and column (counts stay exact).")
  var maxFindings: Int = 100

  @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
  var threads: Int?

  @Option(help: "Write the report to this file (atomically) instead of standard output.")
  var out: String?

  @Flag(help: "No ANSI colors (also honored: the NO_COLOR environment variable).")
  var noColor = false

  enum CheckFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

  func validate() throws {
    if maxFindings < 0 { throw ValidationError("--max-findings must be 0 or more") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if background == "-" && data == "-" { throw ValidationError("--data and --background cannot both read standard input") }
    try remoteOptions.validate(model: model)
  }

  @OptionGroup(title: "A model behind a command or a URL") var remoteOptions: RemoteModelOptions

  func run() throws {
    let loaded = try remoteOptions.load(model: model, card: card)
    defer { RemoteModelOptions.finish(loaded, quiet: true) }
    let schema = loaded.schema
    let reference = try background.map { try ReferenceProfile.build(path: $0, schema: schema) }
    let reader = try CSVReader(path: data)
    let checker = RowChecker(schema: schema, columns: reader.columns, source: reader.sourceName, reference: reference)
    let rejectsPath = rejects ?? (strict ? out.map { $0 + ".rejects.csv" } : nil)
    let rejected = RejectedRows(
      path: rejectsPath, sink: try rejectsPath.map { try OutputSink(path: $0) }, named: rejects != nil,
      failsRun: false, warns: false)
    if rejectsPath != nil { try rejected.writeHeader(reader.columns) }
    var check = DatasetCheck(
      checker: checker, label: label,
      configuration: DatasetCheck.Configuration(findingsPerKind: maxFindings, keepRejectedRows: rejectsPath != nil))
    var rejectsError: (any Error)?
    try check.run(reader, threads: threads ?? Terminal.cores()) { row in
      guard rejectsError == nil else { return }
      do {
        try rejected.add(RejectedRow(
          line: row.line, row: row.row, source: reader.sourceName, reason: row.reason, fields: row.fields,
          columns: reader.columns))
      } catch {
        rejectsError = error
      }
    }
    if let rejectsError { throw rejectsError }
    let report = check.report()

    let chosen = format ?? ((out == nil && Terminal.isTerminal(1)) ? .table : .json)
    let style = TerminalStyle(
      width: out == nil ? Terminal.width() : 100, color: out == nil && Terminal.colorAllowed(forcedOff: noColor))
    let renderer = CheckRenderer(model: baseName(loaded.path), style: style)
    let sink = try OutputSink(path: out)
    try sink.write(chosen == .json ? renderer.json(report) : renderer.table(report))
    try sink.commit()
    try rejected.finish(of: report.rows, outcome: "all \(report.rows) checked", verdict: "have error-level findings")
    if strict && report.hasErrors { throw ExitCode(1) }
  }
}
