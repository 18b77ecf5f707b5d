import GlassboxData
import GlassboxExplainers
import GlassboxModels
import GlassboxPipeline
import GlassboxReports
import Synchronization

/// Explains a whole CSV once for `summary --model` and `report`: every row goes into an
/// `ExplanationSummary` (through explain's own JSON Lines, so a summary on the fly equals a
/// summary of explain's output), and the explanations of the `keep` rows are returned
/// whole for waterfalls.
/// - Complexity: the explainer's cost per row; memory bounded as `ExplanationSummary`'s plus
///   the kept rows.
enum OnTheFlyExplanations {
  struct Outcome {
    var summary: ExplanationSummary
    var source: String
    /// The explanations of the kept rows, in row order.
    var kept: [Explanation]
  }

  static func run(
    loaded: LoadedModel, explainer: any Explainer, dataPath: String, outputClass: Int?, threads: Int,
    configuration: ExplanationSummary.Configuration, keep: RowSelection? = nil, keepSpec: String? = nil, quiet: Bool = false
  ) throws -> Outcome {
    let context = ReportContext(
      schema: loaded.schema, modelName: baseName(loaded.path), transform: loaded.model.transform,
      classNames: loaded.model.classNames, method: explainer.method)
    let json = ExplanationFormats.named("json")!.make(
      RenderSettings(context: context, style: TerminalStyle(), probe: nil, csvHeader: false))
    let keeper = KeepingRenderer(json: json, keep: keep)
    let reader = try CSVReader(path: dataPath)
    var options = BatchExplanation.Options()
    options.outputClass = outputClass
    options.badRows = .fail  // a summary over silently dropped rows would mislead
    options.threads = threads
    options.blockSize = explainer.preferredBlockRows(threads: threads)
    options.additivityTolerance = AdditivityError.tolerance(explainer: explainer, model: loaded.model)
    let batch = try BatchExplanation(
      reader: reader, schema: loaded.schema, explainer: explainer, renderer: keeper, options: options)
    let sink = SummarySink(
      summary: ExplanationSummary(features: loaded.schema.names, configuration: configuration), outputClass: outputClass)
    let progress = ProgressLine(enabled: !quiet)
    defer { progress.finish() }
    _ = try batch.run(into: sink, progress: { progress.update(rows: $0.rows, bytes: $0.bytes, totalBytes: $0.totalBytes) }) { _ in }
    let found = Set(keeper.kept.map(\.row)).count
    if let keep, found < keep.count {
      throw DataError.invalidRowSpec(
        spec: keepSpec ?? "", problem: "only \(found) of the \(keep.count) chosen rows exist in '\(reader.sourceName)' (it has fewer data rows)")
    }
    return Outcome(summary: sink.summary, source: reader.sourceName, kept: keeper.kept.sorted { ($0.row, $0.output ?? 0) < ($1.row, $1.output ?? 0) })
  }
}

/// Renders explain's JSON Lines and keeps the explanations of chosen rows (blocks are
/// rendered on several threads, so the kept list is guarded).
private final class KeepingRenderer: ExplanationRenderer {
  let json: any ExplanationRenderer
  let keep: RowSelection?
  private let store = Mutex<[Explanation]>([])

  init(json: any ExplanationRenderer, keep: RowSelection?) {
    self.json = json
    self.keep = keep
  }

  var kept: [Explanation] { store.withLock { $0 } }

  func header() -> String { json.header() }

  func render(_ explanations: [Explanation]) -> String {
    if let keep {
      let chosen = explanations.filter { keep.contains($0.row) }
      if !chosen.isEmpty { store.withLock { $0 += chosen } }
    }
    return json.render(explanations)
  }
}

/// Receives explain's JSON Lines in input order and adds each to a summary.
private final class SummarySink: TextOutput {
  var summary: ExplanationSummary
  private var lines: ExplanationLines
  private var pending = ""

  init(summary: ExplanationSummary, outputClass: Int?) {
    self.summary = summary
    lines = ExplanationLines(parsingTextFor: outputClass)
  }

  func write(_ text: String) throws {
    pending += text
    guard let last = pending.lastIndex(of: "\n") else { return }
    let complete = pending[...last]
    pending = String(pending[pending.index(after: last)...])
    for row in try lines.rows(in: String(complete)) { summary.add(row) }
  }

  func flush() throws {}
}
