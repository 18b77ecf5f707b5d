import GlassboxData
import GlassboxSystem

/// Renders a `CheckReport` as a terminal table or as one JSON document.
///
/// JSON (documented in docs/data-checks.md):
/// `{"rows":N,"data":"d.csv","background":"b.csv","errors":E,"warnings":W,
///   "findings":[{"row":10,"line":12,"column":"age","kind":"type","severity":"error",
///   "value":"abc","detail":"..."}],"counts":[...],"columns":[{"name":"age","missing":0,
///   "psi":0.02,...}],"duplicates":{...},"label":{...}}`; rows are zero-based as in
/// `explain`; numbers print in their shortest exact form; absent values are `null`.
public struct CheckRenderer: Sendable {
  /// The model's name for the title.
  public let model: String
  public let style: TerminalStyle
  /// Findings listed in the table before the rest are summarized by count.
  public let tableFindings: Int
  /// Findings of one kind and column listed in the table.
  public let perKind: Int

  public init(model: String, style: TerminalStyle = TerminalStyle(), tableFindings: Int = 40, perKind: Int = 5) {
    self.model = model
    self.style = style
    self.tableFindings = tableFindings
    self.perKind = perKind
  }

  // MARK: - JSON

  /// The report as one JSON object, one finding, count or column per line.
  /// - Complexity: O(findings + counts + columns + label classes).
  public func json(_ report: CheckReport) -> String {
    var out = "{\"rows\":" + String(report.rows)
    out += ",\"data\":" + TextEscaping.jsonString(report.source)
    out += ",\"background\":" + (report.background.map(TextEscaping.jsonString) ?? "null")
    out += ",\"model\":" + TextEscaping.jsonString(model)
    out += ",\"errors\":" + String(report.errorCount) + ",\"warnings\":" + String(report.warningCount)
    out += ",\"findings\":[" + list(report.findings.map(json)) + "]"
    out += ",\"counts\":[" + list(report.counts.map(json)) + "]"
    out += ",\"columns\":[" + list(report.columns.map(json)) + "]"
    out += ",\"duplicates\":{\"rows\":" + String(report.duplicateRows)
    out += ",\"complete\":" + (report.duplicatesComplete ? "true" : "false") + "}"
    out += ",\"label\":"
    if let label = report.label {
      let labelled = label.classes.reduce(0) { $0 + $1.count }
      out += "{\"column\":" + TextEscaping.jsonString(label.column) + ",\"missing\":" + String(label.missing)
      out += ",\"truncated\":" + (label.truncated ? "true" : "false") + ",\"classes\":["
      out += label.classes.map { c in
        "{\"value\":" + TextEscaping.jsonString(c.value) + ",\"count\":" + String(c.count)
          + ",\"share\":" + NumberFormatting.json(Double(c.count) / Double(max(labelled, 1))) + "}"
      }.joined(separator: ",")
      out += "]}"
    } else {
      out += "null"
    }
    return out + "}\n"
  }

  private func list(_ items: [String]) -> String {
    items.isEmpty ? "" : "\n" + items.joined(separator: ",\n") + "\n"
  }

  private func json(_ f: Finding) -> String {
    var out = "{\"row\":" + (f.row.map(String.init) ?? "null")
    out += ",\"line\":" + (f.line.map(String.init) ?? "null")
    out += ",\"column\":" + (f.column.map(TextEscaping.jsonString) ?? "null")
    out += ",\"kind\":\"" + f.kind.rawValue + "\",\"severity\":\"" + f.severity.rawValue + "\""
    out += ",\"value\":" + (f.value.map(TextEscaping.jsonString) ?? "null")
    return out + ",\"detail\":" + TextEscaping.jsonString(f.detail) + "}"
  }

  private func json(_ c: CheckReport.Count) -> String {
    "{\"kind\":\"" + c.kind.rawValue + "\",\"column\":" + (c.column.map(TextEscaping.jsonString) ?? "null")
      + ",\"severity\":\"" + c.severity.rawValue + "\",\"count\":" + String(c.count)
      + ",\"shown\":" + String(c.shown) + "}"
  }

  private func json(_ c: CheckReport.Column) -> String {
    var out = "{\"name\":" + TextEscaping.jsonString(c.name) + ",\"type\":\"" + c.type + "\""
    out += ",\"required\":" + (c.required ? "true" : "false") + ",\"present\":" + (c.present ? "true" : "false")
    out += ",\"missing\":" + String(c.missing) + ",\"invalid\":" + String(c.invalid)
    out += ",\"out_of_range\":" + String(c.outOfRange)
    out += ",\"out_of_distribution\":" + String(c.outOfDistribution)
    out += ",\"impossible\":" + String(c.impossible)
    out += ",\"min\":" + NumberFormatting.json(c.minimum) + ",\"max\":" + NumberFormatting.json(c.maximum)
    out += ",\"mean\":" + NumberFormatting.json(c.mean)
    out += ",\"psi\":" + (c.psi.map(NumberFormatting.json) ?? "null")
    out += ",\"stability\":" + (c.stability.map { "\"" + $0.rawValue + "\"" } ?? "null")
    return out + "}"
  }

  // MARK: - Table

  /// A readable report: verdict, counts, a sample of the findings (errors first), columns,
  /// duplicates and label balance.
  /// - Complexity: O(findings shown + counts + columns + label classes).
  public func table(_ report: CheckReport) -> String {
    // The title's parts, joined with " · " and continued on an indented line where the
    // next part would run past the width.
    var parts = ["Data check", report.source, "\(report.rows) rows", model]
    if let background = report.background { parts.append("background \(background)") }
    var title = parts[0]
    var lineLength = title.count
    for part in parts.dropFirst() {
      if lineLength + 3 + part.count <= style.width {
        title += " · " + part
        lineLength += 3 + part.count
      } else {
        title += "\n  " + part
        lineLength = 2 + part.count
      }
    }
    var out = title.split(separator: "\n").map { style.bold(String($0)) + "\n" }.joined()
    let verdict = "\(report.errorCount) error\(report.errorCount == 1 ? "" : "s"), "
      + "\(report.warningCount) warning\(report.warningCount == 1 ? "" : "s")"
    out += "  " + (report.hasErrors ? style.paint(verdict, raises: true) : verdict) + "\n"

    if !report.counts.isEmpty {
      out += "\n" + style.bold("Counts") + "\n"
      let nameWidth = max(6, report.counts.map { ($0.column ?? "(rows)").count }.max() ?? 6)
      out += "  " + pad("kind", 19) + "  " + pad("column", nameWidth) + "  " + pad("severity", 8) + "  count\n"
      for c in report.counts {
        let line = "  " + pad(c.kind.rawValue, 19) + "  " + pad(c.column ?? "(rows)", nameWidth) + "  "
          + pad(c.severity.rawValue, 8) + "  " + String(c.count)
        out += (c.severity == .error ? style.paint(line, raises: true) : line) + "\n"
      }
    }

    let shown = sample(report.findings)
    if !shown.isEmpty {
      out += "\n" + style.bold("Findings") + style.dim(" (errors first; at most \(perKind) of each kind and column here)") + "\n"
      let places = shown.map(place)
      let placeWidth = min(max(places.map(\.count).max() ?? 0, 8), 40)
      let kindWidth = shown.map(\.kind.rawValue.count).max() ?? 8
      for (f, p) in zip(shown, places) {
        let head = "  " + pad(p, placeWidth) + "  " + pad(f.severity.rawValue, 7) + "  " + pad(f.kind.rawValue, kindWidth) + "  "
        // The detail wraps under itself (or, on a narrow terminal, under the place) rather
        // than being cut: its end often says which row or value is meant.
        let indent = style.width - head.count >= 30 ? head.count : 6
        let text = TextWrapping.wrap(
          TerminalSafe.escaped(f.detail), firstWidth: style.width - head.count, width: style.width, indent: indent)
        out += (f.severity == .error ? style.paint(head, raises: true) : head) + text.joined(separator: "\n") + "\n"
      }
      let total = report.counts.reduce(0) { $0 + $1.count }
      if total > shown.count {
        out += style.dimWrapped(
          "  … ", "\(total - shown.count) more: --format json lists up to --max-findings of each kind and column")
      }
    }

    out += columnsTable(report.columns)
    out += "\n"
    out += "Duplicates: \(report.duplicateRows) row\(report.duplicateRows == 1 ? "" : "s") repeat an earlier row"
    out += report.duplicatesComplete ? "\n" : " (incomplete: too many distinct rows to track them all)\n"
    if let label = report.label {
      let labelled = max(1, label.classes.reduce(0) { $0 + $1.count })
      let classes = label.classes.prefix(10).map {
        "\(TerminalSafe.quote($0.value)) \($0.count) (\(NumberFormatting.fixed(100 * Double($0.count) / Double(labelled), places: 1))%)"
      }
      out += "Label '\(TerminalSafe.quote(label.column))': " + classes.joined(separator: ", ")
      if label.classes.count > 10 || label.truncated { out += ", …" }
      if label.missing > 0 { out += "; \(label.missing) missing" }
      out += "\n"
    }
    return out
  }

  /// The per-column table: one table when the terminal is wide enough, else two stacked
  /// tables (the counts, then the values and drift), each naming the column.
  private func columnsTable(_ columns: [CheckReport.Column]) -> String {
    let nameWidth = max(6, columns.map(\.name.count).max() ?? 6)
    let lead = { (c: CheckReport.Column) in "  " + pad(c.name, nameWidth) }
    let countsHeader = "  " + pad("type", 11) + "  missing  invalid  range  o.o.d.  imposs."
    let countsCells = { (c: CheckReport.Column) in
      "  " + pad(c.present ? c.type : "(absent)", 11) + self.right(c.missing, 9) + self.right(c.invalid, 9)
        + self.right(c.outOfRange, 7) + self.right(c.outOfDistribution, 8) + self.right(c.impossible, 9)
    }
    let valuesHeader = "        min        max       mean     psi  stability"
    let valuesCells = { (c: CheckReport.Column) in
      var cells = ""
      for x in [c.minimum, c.maximum, c.mean] { cells += self.right(x.isNaN ? "" : NumberFormatting.readable(x), 11) }
      cells += self.right(c.psi.map { NumberFormatting.fixed($0, places: 3) } ?? "", 8)
      return cells + "  " + (c.stability?.rawValue ?? "")
    }
    let header = "  " + pad("column", nameWidth)
    var out = ""
    if header.count + countsHeader.count + valuesHeader.count <= style.width {
      out += "\n" + style.bold("Columns") + "\n" + header + countsHeader + valuesHeader + "\n"
      for c in columns { out += lead(c) + countsCells(c) + valuesCells(c) + "\n" }
      return out
    }
    out += "\n" + style.bold("Columns") + "\n" + header + countsHeader + "\n"
    for c in columns { out += lead(c) + countsCells(c) + "\n" }
    out += "\n" + style.bold("Column values and drift") + "\n" + header + valuesHeader + "\n"
    for c in columns { out += lead(c) + valuesCells(c) + "\n" }
    return out
  }

  /// Findings for the table: errors before warnings, at most `perKind` per (kind,
  /// column), at most `tableFindings` in all, each group in row order.
  private func sample(_ findings: [Finding]) -> [Finding] {
    var taken: [String: Int] = [:]
    var picked: [Finding] = []
    for severity in [Finding.Severity.error, .warning] {
      for f in findings where f.severity == severity && picked.count < tableFindings {
        let key = f.kind.rawValue + "\u{0}" + (f.column ?? "")
        guard taken[key, default: 0] < perKind else { continue }
        taken[key, default: 0] += 1
        picked.append(f)
      }
    }
    return picked
  }

  private func place(_ f: Finding) -> String {
    var parts: [String] = []
    if let row = f.row { parts.append("row \(row)") }
    if let column = f.column { parts.append(column) }
    return parts.isEmpty ? "(file)" : parts.joined(separator: " ")
  }

  private func right(_ n: Int, _ width: Int) -> String { right(String(n), width) }

  private func right(_ s: String, _ width: Int) -> String {
    s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s
  }
}
