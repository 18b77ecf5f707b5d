import ArgumentParser
import GlassboxAudit
import Dispatch
import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxReports

/// `glassbox bias`: group fairness metrics with bootstrap intervals, the features that
/// carry a disparity, and CI gates.
struct Bias: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Group fairness metrics with uncertainty, and the features that carry a disparity.",
    discussion: """
      Groups are the values of each --sensitive column (card labels where the card names
      them) and, with several columns, their intersections. See docs/bias.md.

      Examples:
        glassbox bias --model models/adult-xgboost.json --data datasets/adult-test.csv --sensitive sex --label income
        glassbox bias --model m.json --data d.csv --sensitive sex --sensitive race --format json --fail-on 'disparate_impact<0.8'
      """)

  @Option(help: "The model file (any format glassbox reads).")
  var model: String

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

  @Option(help: "Attribution method: auto, linear, tree or tree-interventional.")
  var method: ExplainerOptions.ExplanationMethodArgument = .auto

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
    if noAttribution && background != nil { throw ValidationError("--background is for attributions; drop --no-attribution") }
  }

  @OptionGroup(title: "Audit trail") var auditOptions: AuditOptions

  func run() throws {
    let rules = try failOn.map { try FailOnRule(parsing: $0) }
    auditOptions.prefetchHashes(model, card, background, data)
    let loaded = try ModelLoader.load(path: model, cardPath: card)
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
    let workers = threads ?? Terminal.cores()
    let input = try BiasInput.read(path: data, schema: schema, sensitive: attributes, label: label)
    let n = input.rowCount
    let scores = Self.scores(m, input.rows, count: n, output: k, threads: workers)
    var labels: [Bool]? = nil
    var positive: String? = nil
    if let label, let cells = input.labels {
      let coded = try LabelCoding.binary(
        cells, positive: positiveLabel ?? loaded.card?.target?.positiveClass, column: label, source: input.source)
      labels = coded.labels
      positive = coded.positive
    }
    for rule in rules where rule.metric.needsLabels && labels == nil {
      throw FairnessError.invalidRule(rule: rule.text, problem: "\(rule.metric.rawValue) needs labels: give --label COLUMN")
    }
    var table: AttributionTable? = nil
    if auditOptions.audit != nil && noAttribution {
      throw ValidationError("--audit records attributions: it does not go with --no-attribution")
    }
    if !noAttribution {
      let explainer = try ExplainerFactory.make(
        method: method.value, loaded: loaded, backgroundPath: background, space: output.space)
      let attributions = try Self.attributions(explainer, input.rows, count: n, schema: schema, output: k, threads: workers)
      table = attributions
      let trail = try auditOptions.makeTrail(
        .init(
          loaded: loaded, explainer: explainer, requestedMethod: method.value.rawValue, seed: seed, threads: workers,
          space: attributions.space, backgroundPath: background, dataPath: data, idColumn: nil,
          parameters: ["command": .string("bias")]))
      if let trail {
        try Self.record(attributions, rows: input.rows, output: m.outputCount == 1 ? nil : k, into: trail)
      }
    }
    let configuration = BiasConfiguration(
      threshold: threshold, reference: reference,
      bootstrap: BootstrapConfiguration(replicates: bootstrap, seed: seed, confidence: confidence, threads: workers))
    let report = try BiasAnalysis.run(
      attributes: attributes, values: input.sensitive, outcomes: Outcomes(scores: scores, labels: labels, threshold: threshold),
      attributions: table, inputs: input.rows, categorical: schema.features.map(\.isCategorical),
      configuration: configuration, source: input.source)
    var verdicts: [FailOnRule.Verdict] = []
    for rule in rules { verdicts += try rule.evaluate(report) }
    let unit = output.space == .probability ? "probability" : m.transform.marginUnit
    let context = BiasContext(
      modelName: baseName(loaded.path), dataName: baseName(input.source), featureNames: schema.names, label: label,
      positiveLabel: positive, attributionUnit: unit)
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
      throw ExitCode(2)
    }
  }

  /// The score of every row: the response of output `k` (probability for classifiers).
  /// - Complexity: O(rows · model cost), in parallel blocks.
  static func scores(_ model: any Model, _ rows: [Double], count n: Int, output k: Int, threads: Int) -> [Double] {
    let m = model.featureCount, outputs = model.outputCount
    var margins = [Double](repeating: 0, count: n * outputs)
    let block = 4096
    let blocks = (n + block - 1) / block
    rows.withUnsafeBufferPointer { input in
      margins.withUnsafeMutableBufferPointer { result in
        nonisolated(unsafe) let source = input
        nonisolated(unsafe) let target = result
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, blocks))) { worker in
          var b = worker
          while b < blocks {
            let start = b * block, count = min(block, n - start)
            model.predictMargins(
              UnsafeBufferPointer(rebasing: source[(start * m)..<((start + count) * m)]), count: count,
              into: UnsafeMutableBufferPointer(rebasing: target[(start * outputs)..<((start + count) * outputs)]))
            b += max(1, min(threads, blocks))
          }
        }
      }
    }
    return (0..<n).map { r in model.responses(fromMargins: margins[(r * outputs)..<((r + 1) * outputs)])[k] }
  }

  /// Explains every row (output `k`) in parallel blocks; results are in row order whatever
  /// the thread count.
  /// Appends one audit record per row, in row order, from the attribution table.
  static func record(_ table: AttributionTable, rows: [Double], output: Int?, into trail: AuditTrail) throws {
    let m = table.featureNames.count
    var batch: [Explanation] = []
    for r in 0..<table.rowCount {
      batch.append(
        Explanation(
          row: r, output: output, space: table.space, prediction: table.predictions[r], baseValue: table.baseValues[r],
          attributions: Array(table.values[(r * m)..<((r + 1) * m)]), inputs: Array(rows[(r * m)..<((r + 1) * m)])))
      if batch.count == 1024 || r == table.rowCount - 1 {
        try trail.record(batch)
        batch.removeAll(keepingCapacity: true)
      }
    }
    try trail.finish()
  }

  static func attributions(
    _ explainer: any Explainer, _ rows: [Double], count n: Int, schema: FeatureSchema, output k: Int, threads: Int
  ) throws -> AttributionTable {
    let m = schema.count
    let block = 1024
    let blocks = (n + block - 1) / block
    var values = [Double](repeating: 0, count: n * m)
    var predictions = [Double](repeating: 0, count: n)
    var bases = [Double](repeating: 0, count: n)
    let workers = max(1, min(threads, blocks))
    var spaces = [OutputSpace](repeating: .raw, count: blocks)
    let errors = UnsafeMutableBufferPointer<(any Error)?>.allocate(capacity: max(blocks, 1))
    errors.initialize(repeating: nil)
    defer {
      _ = errors.deinitialize()
      errors.deallocate()
    }
    nonisolated(unsafe) let failures = errors
    rows.withUnsafeBufferPointer { input in
      values.withUnsafeMutableBufferPointer { v in
        predictions.withUnsafeMutableBufferPointer { p in
          bases.withUnsafeMutableBufferPointer { bv in
            spaces.withUnsafeMutableBufferPointer { sp in
              nonisolated(unsafe) let (source, phi, pred, base, spaceOut) = (input, v, p, bv, sp)
              DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var b = worker
                var explanations: [Explanation] = []
                while b < blocks {
                  let start = b * block, count = min(block, n - start)
                  explanations.removeAll(keepingCapacity: true)
                  do {
                    let slice = UnsafeBufferPointer(rebasing: source[(start * m)..<((start + count) * m)])
                    if let stochastic = explainer as? any StochasticExplainer {
                      let streams = (start..<(start + count)).map { RowStream.forRow($0) }
                      try stochastic.explain(
                        slice, count: count, rowIndices: ArraySlice(start..<(start + count)), streams: ArraySlice(streams),
                        into: &explanations)
                    } else {
                      try explainer.explain(slice, count: count, rowIndices: ArraySlice(start..<(start + count)), into: &explanations)
                    }
                    for e in explanations where (e.output ?? 0) == k {
                      let r = e.row
                      for j in 0..<m { phi[r * m + j] = e.attributions[j] }
                      pred[r] = e.prediction
                      base[r] = e.baseValue
                      spaceOut[b] = e.space
                    }
                  } catch {
                    failures[b] = error
                  }
                  b += workers
                }
              }
            }
          }
        }
      }
    }
    if let error = errors.lazy.compactMap({ $0 }).first { throw error }
    return AttributionTable(
      featureNames: schema.names, values: values, predictions: predictions, baseValues: bases,
      method: explainer.method, space: spaces.first ?? .raw, isExact: explainer.isExact)
  }
}

/// The columns a bias analysis reads from the data, held in memory.
struct BiasInput {
  /// Encoded model inputs, row-major.
  var rows: [Double]
  /// `sensitive[a][row]`: group values per attribute.
  var sensitive: [[String]]
  /// Raw label cells, when a label column was named.
  var labels: [String]?
  var rowCount: Int
  var source: String

  /// Reads the whole CSV: model features, sensitive columns and the label column.
  /// - Throws: `DataError` (65/66) for unreadable data or a missing column.
  /// - Complexity: O(rows · columns); memory O(rows · features).
  static func read(path: String, schema: FeatureSchema, sensitive: [String], label: String?) throws -> BiasInput {
    let reader = try CSVReader(path: path)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: reader.sourceName)
    func column(_ name: String) throws -> Int {
      guard let c = reader.index(of: name) else {
        throw DataError.missingColumn(path: reader.sourceName, column: name, available: reader.columns)
      }
      return c
    }
    let sensitiveColumns = try sensitive.map(column)
    let labelColumn = try label.map(column)
    let features = sensitive.map { schema.card?.feature(named: $0) }
    var input = BiasInput(
      rows: [], sensitive: sensitive.map { _ in [] }, labels: label == nil ? nil : [], rowCount: 0, source: reader.sourceName)
    var encoded: [Double] = []
    while let block = try reader.nextBlock(maxRecords: 4096) {
      try encoder.encode(block, into: &encoded)
      input.rows.append(contentsOf: encoded)
      for r in 0..<block.count {
        for (a, c) in sensitiveColumns.enumerated() {
          input.sensitive[a].append(SensitiveValues.value(of: block.string(r, c), feature: features[a]))
        }
        if let labelColumn { input.labels!.append(block.string(r, labelColumn)) }
      }
      input.rowCount += block.count
    }
    return input
  }
}
