import GlassboxData
import GlassboxExplainers
import GlassboxFairness

/// One self-contained HTML page about a model and a dataset (`glassbox report`): the model
/// card, the data checks, global importance with intervals, the beeswarm, dependence plots,
/// waterfalls of chosen rows, the bias summary with the attribution gap, and the hashes
/// that tie it to the audit trail.
///
/// The page is well-formed XML (XHTML syntax in an HTML5 document), with inline CSS and
/// SVG only: no scripts, fonts, images or links to anything outside it, so it can be mailed,
/// archived and printed (a print style sheet keeps a white background and avoids breaking
/// a plot across pages). Colours come from `PlotPalette`. Equal inputs give equal bytes: the
/// page holds no time of day unless the caller puts one in `hashes`.
/// - Complexity: O(features · (sample + rows shown)) plus the plots' own costs.
public struct HTMLReport: Sendable {
  /// A section: its anchor id, heading and body.
  public struct Section: Sendable {
    public var id: String
    public var heading: String
    public var body: String
  }

  public struct Contents: Sendable {
    public var model: ModelDescription
    public var dataName: String
    public var context: ReportContext
    public var check: CheckReport?
    public var summary: SummaryReport
    public var waterfalls: [Explanation] = []
    public var bias: BiasRenderer?
    /// Labelled hashes (model, card, data, audit head) and other provenance facts.
    public var provenance: [(key: String, value: String)] = []
    /// Features in the importance and beeswarm plots.
    public var top = 10
    /// Features with a dependence plot.
    public var dependenceCount = 3
    /// The strongest interaction pairs, when interaction values were computed.
    public var interactionPairs = 10
    /// What the attributions measure (the margin's unit, or probability).
    public var attributionUnit: String

    public init(model: ModelDescription, dataName: String, context: ReportContext, summary: SummaryReport) {
      self.model = model
      self.dataName = dataName
      self.context = context
      self.summary = summary
      attributionUnit = context.transform.marginUnit
    }
  }

  public let contents: Contents

  public init(_ contents: Contents) { self.contents = contents }

  /// The sections in page order (the bias section only with a bias report).
  public func sections() -> [Section] {
    var list = [modelSection(), checkSection(), importanceSection(), beeswarmSection(), dependenceSection()]
    if !contents.summary.interactions.isEmpty { list.append(interactionSection()) }
    list.append(waterfallSection())
    if let bias = contents.bias { list.append(biasSection(bias)) }
    list.append(provenanceSection())
    return list
  }

  /// The whole page.
  public func render() -> String {
    let title = "glassbox report: \(contents.context.modelName) on \(contents.dataName)"
    let list = sections()
    var out = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
    out += "<title>" + Self.escape(title) + "</title>\n<style>\n" + Self.styleSheet + "</style>\n</head>\n<body>\n"
    out += "<header>\n<h1>" + Self.escape(title) + "</h1>\n<p class=\"note\">\(contents.summary.rows) rows explained with "
      + Self.escape(contents.context.method) + " SHAP; figures are reproducible with the seed \(contents.summary.configuration.seed).</p>\n"
    out += "<nav aria-label=\"sections\"><ul>\n"
    for s in list { out += "<li><a href=\"#\(s.id)\">" + Self.escape(s.heading) + "</a></li>\n" }
    out += "</ul></nav>\n</header>\n<main>\n"
    for s in list {
      out += "<section id=\"\(s.id)\" aria-labelledby=\"\(s.id)-heading\">\n<h2 id=\"\(s.id)-heading\">" + Self.escape(s.heading) + "</h2>\n"
      out += s.body + "</section>\n"
    }
    return out + "</main>\n</body>\n</html>\n"
  }

  static func escape(_ text: String) -> String { SVGCanvas.escape(text) }

  /// A table from a header and rows of cells (escaped here); numeric columns align right.
  static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = [], caption: String? = nil) -> String {
    var out = "<table>\n" + (caption.map { "<caption>" + escape($0) + "</caption>\n" } ?? "") + "<thead><tr>"
    for (k, h) in header.enumerated() { out += "<th scope=\"col\"" + (numeric.contains(k) ? " class=\"num\"" : "") + ">" + escape(h) + "</th>" }
    out += "</tr></thead>\n<tbody>\n"
    for row in rows {
      out += "<tr>"
      for (k, cell) in row.enumerated() { out += "<td" + (numeric.contains(k) ? " class=\"num\"" : "") + ">" + escape(cell) + "</td>" }
      out += "</tr>\n"
    }
    return out + "</tbody>\n</table>\n"
  }

  static func paragraph(_ text: String, className: String = "note") -> String {
    "<p class=\"\(className)\">" + escape(text) + "</p>\n"
  }

  static func figure(_ svg: String, caption: String) -> String {
    "<figure>\n" + svg + "<figcaption>" + escape(caption) + "</figcaption>\n</figure>\n"
  }

  private func modelSection() -> Section {
    var body = ""
    if let card = contents.model.loaded.card {
      if let text = card.description { body += Self.paragraph(text, className: "card") }
      if let text = card.limitations { body += "<p class=\"card\"><strong>Limitations.</strong> " + Self.escape(text) + "</p>\n" }
    }
    body += Self.table(["fact", "value"], contents.model.facts.map { [$0.key, $0.value] }, caption: "The model")
    let features = contents.model.loaded.schema.features.map { f -> [String] in
      let type: String
      if case .categorical(let labels) = f.kind { type = "categorical (\(labels.count) labels)" } else { type = "numeric" }
      return [f.name, type, f.unit ?? "", f.sensitive ? "yes" : "", f.description ?? ""]
    }
    body += Self.table(["feature", "type", "unit", "sensitive", "description"], features, caption: "Features, as the card describes them")
    return Section(id: "model-card", heading: "Model card", body: body)
  }

  private func checkSection() -> Section {
    guard let report = contents.check else {
      return Section(id: "data-checks", heading: "Data checks", body: Self.paragraph("No data checks were run."))
    }
    var body = Self.paragraph(
      "\(report.rows) rows of \(report.source)" + (report.background.map { " against the background \($0)" } ?? "")
        + ": \(report.errorCount) error\(report.errorCount == 1 ? "" : "s"), \(report.warningCount) warning\(report.warningCount == 1 ? "" : "s").",
      className: report.hasErrors ? "verdict bad" : "verdict")
    if !report.counts.isEmpty {
      body += Self.table(
        ["kind", "column", "severity", "count"],
        report.counts.map { [$0.kind.rawValue, $0.column ?? "(rows)", $0.severity.rawValue, String($0.count)] }, numeric: [3],
        caption: "Findings per kind and column (exact counts)")
    }
    let shown = Array(report.findings.sorted { $0.severity > $1.severity }.prefix(20))
    if !shown.isEmpty {
      body += Self.table(
        ["row", "column", "severity", "kind", "finding"],
        shown.map { [$0.row.map(String.init) ?? "", $0.column ?? "", $0.severity.rawValue, $0.kind.rawValue, $0.detail] },
        caption: "The first findings, errors first (\(shown.count) of \(report.findings.count) kept)")
    }
    let drifted = report.columns.filter { $0.psi != nil }
    if !drifted.isEmpty {
      body += Self.table(
        ["column", "missing", "min", "max", "PSI"],
        drifted.map { c in
          [c.name, String(c.missing), c.minimum.isNaN ? "" : NumberFormatting.readable(c.minimum),
           c.maximum.isNaN ? "" : NumberFormatting.readable(c.maximum), c.psi.map { NumberFormatting.fixed($0, places: 3) } ?? ""]
        }, numeric: [1, 2, 3, 4], caption: "Columns against the background (PSI above 0.25 is a large shift)")
    }
    return Section(id: "data-checks", heading: "Data checks", body: body)
  }

  private var plots: SummaryPlots { SummaryPlots(report: contents.summary, top: contents.top) }

  private func importanceSection() -> Section {
    let s = contents.summary
    let body = Self.figure(plots.bar(), caption: "Mean |attribution| per feature over all \(s.rows) rows (exact); whiskers: bootstrap interval.")
      + Self.table(
        ["feature", "mean |attribution|", "interval", "mean attribution"],
        s.order.map { j in
          let item = s.importance[j]
          return [item.feature, NumberFormatting.fixed(item.meanAbsolute, places: 4),
                  item.interval.map { "[" + NumberFormatting.fixed($0.0, places: 4) + ", " + NumberFormatting.fixed($0.1, places: 4) + "]" } ?? "",
                  NumberFormatting.signed(item.mean, places: 4)]
        }, numeric: [1, 2, 3], caption: "Global importance in \(contents.attributionUnit)")
    return Section(id: "importance", heading: "Global importance", body: body)
  }

  private func beeswarmSection() -> Section {
    Section(
      id: "beeswarm", heading: "Beeswarm",
      body: Self.figure(plots.beeswarm(), caption: "How each feature's value pushes the output: a dot per sampled row."))
  }

  private func dependenceSection() -> Section {
    let features = plots.dependenceFeatures(contents.dependenceCount)
    var body = ""
    for j in features {
      body += Self.figure(plots.dependence(feature: j), caption: "Dependence of \(contents.summary.features[j]).")
    }
    return Section(id: "dependence", heading: "Dependence", body: body)
  }

  private func interactionSection() -> Section {
    let pairs = contents.summary.interactions.prefix(contents.interactionPairs)
    let body = Self.table(
      ["features", "mean |interaction|"], pairs.map { [$0.first + " × " + $0.second, NumberFormatting.fixed($0.meanAbsolute, places: 4)] },
      numeric: [1], caption: "The strongest SHAP interaction pairs (mean over rows of |φ_ij|)")
    return Section(id: "interactions", heading: "Interactions", body: body)
  }

  private func waterfallSection() -> Section {
    guard !contents.waterfalls.isEmpty else {
      return Section(id: "waterfalls", heading: "Chosen rows", body: Self.paragraph("No rows were chosen (report --rows)."))
    }
    let plot = WaterfallPlot(context: contents.context)
    let body = contents.waterfalls.map {
      Self.figure(plot.render($0), caption: "\(contents.context.heading($0)): orange raises the output, blue lowers it.")
    }.joined()
    return Section(id: "waterfalls", heading: "Chosen rows", body: body)
  }

  private func provenanceSection() -> Section {
    Section(
      id: "provenance", heading: "Audit trail",
      body: Self.paragraph("SHA-256 hashes of the files behind this page; the audit log's records name the same hashes.")
        + Self.table(["what", "value"], contents.provenance.map { [$0.key, $0.value] }, caption: "Provenance"))
  }

  /// Light colours only, so the page prints as it shows; plots do not break across pages.
  static let styleSheet = """
    :root { color: #222222; background: #ffffff; }
    body { font-family: sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
    h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #d9d9d9; padding-bottom: 0.2em; }
    table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.85em; }
    caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
    th, td { border-bottom: 1px solid #d9d9d9; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    .note { color: #767676; }
    .verdict { font-weight: bold; } .bad { color: #d55e00; }
    figure { margin: 1em 0; } figcaption { color: #767676; font-size: 0.9em; }
    svg { max-width: 100%; height: auto; }
    nav ul { columns: 2; }
    @media print {
      body { max-width: none; margin: 0; }
      nav { display: none; }
      figure, table { break-inside: avoid; }
      h2 { break-after: avoid; }
      a { color: inherit; text-decoration: none; }
    }

    """
}
