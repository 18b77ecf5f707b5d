import GlassboxExplainers
import GlassboxFairness

/// Turns batches of explanations into text in one output format.
///
/// Renderers are pure and thread-safe: the batch pipeline renders blocks on several
/// threads and writes their texts in input order.
public protocol ExplanationRenderer: Sendable {
  /// Text written once before the first batch (a CSV header), or "".
  func header() -> String
  /// The text of one batch, in order.
  func render(_ explanations: [Explanation]) -> String
}

/// What every renderer may use: the report context, the terminal style, and an optional
/// sensitivity probe whose findings go with each explanation.
public struct RenderSettings: Sendable {
  public var context: ReportContext
  public var style: TerminalStyle
  /// Probes each explanation's sensitive features (nil: no probe).
  public var probe: SensitivityProbe?
  /// Whether a CSV output starts with its header line.
  public var csvHeader: Bool

  public init(context: ReportContext, style: TerminalStyle, probe: SensitivityProbe? = nil, csvHeader: Bool = true) {
    self.context = context
    self.style = style
    self.probe = probe
    self.csvHeader = csvHeader
  }
}

/// An output format of `explain`: its name (`--format NAME`) and how to make its renderer.
///
/// To add a format, add one entry to `ExplanationFormats.all` whose `make` returns a new
/// `ExplanationRenderer` (in its own file).
public struct ExplanationFormat: Sendable {
  public let name: String
  /// One line for the help.
  public let summary: String
  /// True for formats meant for people (the default on a terminal).
  public let isForTerminal: Bool
  public let make: @Sendable (RenderSettings) -> any ExplanationRenderer

  public init(
    name: String, summary: String, isForTerminal: Bool = false,
    make: @escaping @Sendable (RenderSettings) -> any ExplanationRenderer
  ) {
    self.name = name
    self.summary = summary
    self.isForTerminal = isForTerminal
    self.make = make
  }
}

/// The one list of explanation output formats.
public enum ExplanationFormats {
  public static let all: [ExplanationFormat] = [
    ExplanationFormat(name: "table", summary: "waterfall bars for people", isForTerminal: true) { ProbedWaterfall(settings: $0) },
    ExplanationFormat(name: "json", summary: "JSON Lines, one line per row and output") { ProbedJSONLines(settings: $0) },
    ExplanationFormat(name: "csv", summary: "one CSV line per row and output") { CSVWithHeader(settings: $0) },
    ExplanationFormat(name: "markdown", summary: "a Markdown section per row") { ProbedMarkdown(settings: $0) },
  ]

  /// The format named `name`.
  public static func named(_ name: String) -> ExplanationFormat? { all.first { $0.name == name } }

  public static var names: [String] { all.map(\.name) }
}

/// The table: the waterfall of each row (for a multi-class model, of its predicted class),
/// with the sensitive-feature footer when probing.
struct ProbedWaterfall: ExplanationRenderer {
  let waterfall: WaterfallRenderer
  let settings: RenderSettings
  init(settings: RenderSettings) {
    self.settings = settings
    waterfall = WaterfallRenderer(context: settings.context, style: settings.style)
  }
  func header() -> String { "" }
  func render(_ all: [Explanation]) -> String {
    sections(predictedClassOnly(all), body: waterfall.render) { e in
      settings.probe.map {
        SensitivityFooterRenderer.table($0.probe(row: e.inputs, explanation: e), threshold: $0.threshold, style: settings.style)
      }
    }
  }
}

/// Markdown sections, with the sensitive-feature footer when probing.
struct ProbedMarkdown: ExplanationRenderer {
  let markdown: MarkdownRenderer
  let probe: SensitivityProbe?
  init(settings: RenderSettings) {
    markdown = MarkdownRenderer(context: settings.context)
    probe = settings.probe
  }
  func header() -> String { "" }
  func render(_ explanations: [Explanation]) -> String {
    sections(explanations, body: markdown.render) { e in
      probe.map { SensitivityFooterRenderer.markdown($0.probe(row: e.inputs, explanation: e), threshold: $0.threshold) }
    }
  }
}

/// One section per explanation (its body, then its footer when there is one), separated
/// by blank lines and ending in a newline: the layout of the table and Markdown outputs.
func sections(
  _ explanations: [Explanation], body: (Explanation) -> String, footer: (Explanation) -> String?
) -> String {
  explanations.map { e in body(e) + (footer(e).map { "\n" + $0 } ?? "") }.joined(separator: "\n")
    + (explanations.isEmpty ? "" : "\n")
}

/// JSON Lines, with a `"sensitivity"` member when probing.
struct ProbedJSONLines: ExplanationRenderer {
  let lines: JSONLinesRenderer
  let probe: SensitivityProbe?
  init(settings: RenderSettings) {
    lines = JSONLinesRenderer(context: settings.context)
    probe = settings.probe
  }
  func header() -> String { "" }
  func render(_ explanations: [Explanation]) -> String {
    guard let probe else { return lines.render(explanations) }
    var out = ""
    for e in explanations {
      let check = probe.probe(row: e.inputs, explanation: e)
      lines.append(e, to: &out, members: "\"sensitivity\":" + SensitivityFooterRenderer.json(check))
    }
    return out
  }
}

/// Wide CSV, with its header line unless turned off.
struct CSVWithHeader: ExplanationRenderer {
  let csv: CSVRenderer
  let includesHeader: Bool
  init(settings: RenderSettings) {
    csv = CSVRenderer(context: settings.context)
    includesHeader = settings.csvHeader
  }
  func header() -> String {
    guard includesHeader else { return "" }
    return csv.context.interactions ? csv.interactionHeader() : csv.header()
  }
  func render(_ explanations: [Explanation]) -> String {
    csv.context.interactions ? csv.interactionLines(explanations) : csv.render(explanations)
  }
}

/// For each row explained for several outputs, only the output with the largest prediction
/// (the predicted class: softmax and the logistic link are monotone in the margin).
public func predictedClassOnly(_ explanations: [Explanation]) -> [Explanation] {
  guard explanations.contains(where: { ($0.output ?? 0) > 0 }) else { return explanations }
  var kept: [Explanation] = []
  for e in explanations {
    if let last = kept.last, last.row == e.row {
      if e.prediction > last.prediction { kept[kept.count - 1] = e }
    } else {
      kept.append(e)
    }
  }
  return kept
}
