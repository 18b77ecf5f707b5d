import GlassboxExplainers
import GlassboxSystem

/// SHAP interaction values (`explain --interactions`): the explanation's usual report plus
/// its interactions.
///
/// - JSON: the usual line with `"interactions":{"main_effects":[{"feature","value"}],
///   "pairs":[{"features":[a,b],"value"}]}`, every pair i < j whose value is not 0, in
///   feature order; `value` is the matrix entry Φ_ij (the pair's effect is 2 Φ_ij).
/// - table and Markdown: the waterfall, then the `top` strongest pairs.
/// - CSV: one line per row, output and feature pair (`CSVRenderer.interactionLines`).
struct InteractionRenderer: PayloadRenderer {
  func handles(_ payload: any ExplanationPayload) -> Bool { payload is InteractionMatrix }

  func jsonLine(_ e: Explanation, renderer: JSONLinesRenderer, members: String?) -> String {
    guard let matrix = e.interactions else { return "" }
    let names = renderer.quotedNames
    var member = "\"interactions\":{\"main_effects\":["
    for i in 0..<matrix.featureCount {
      if i > 0 { member += "," }
      member += "{\"feature\":" + names[i] + ",\"value\":" + NumberFormatting.json(matrix.value(i, i)) + "}"
    }
    member += "],\"pairs\":["
    var first = true
    for i in 0..<matrix.featureCount {
      for j in (i + 1)..<max(i + 1, matrix.featureCount) where matrix.value(i, j) != 0 {
        if !first { member += "," }
        first = false
        member += "{\"features\":[" + names[i] + "," + names[j] + "],\"value\":"
        member += NumberFormatting.json(matrix.value(i, j)) + "}"
      }
    }
    member += "]}"
    var out = ""
    renderer.append(Self.plain(e), to: &out, members: members.map { member + "," + $0 } ?? member)
    return out
  }

  func table(_ e: Explanation, renderer: WaterfallRenderer) -> String {
    var out = renderer.render(Self.plain(e))
    let pairs = strongest(e, renderer.context)
    if pairs.isEmpty { return out }
    out += "\n" + renderer.style.bold("  strongest interactions (Φ_ij, each pair's effect is twice it)") + "\n"
    let width = min(pairs.map(\.label.count).max() ?? 0, max(16, renderer.style.width / 2))
    for (label, value) in pairs {
      let name = label.count > width ? String(label.prefix(width - 1)) + "…" : label
      out += "  " + name + String(repeating: " ", count: max(0, width - name.count)) + "  "
      out += renderer.style.paint(NumberFormatting.signed(value, places: 4), raises: value >= 0) + "\n"
    }
    return out
  }

  func markdown(_ e: Explanation, renderer: MarkdownRenderer) -> String {
    var out = renderer.render(Self.plain(e))
    let pairs = strongest(e, renderer.context)
    if pairs.isEmpty { return out }
    out += "\n| feature pair | interaction Φ_ij |\n|---|---:|\n"
    for (label, value) in pairs { out += "| \(renderer.escape(label)) | " + NumberFormatting.signed(value, places: 4) + " |\n" }
    return out
  }

  /// The explanation without its payload (the usual report of its attributions).
  static func plain(_ e: Explanation) -> Explanation {
    var copy = e
    copy.payload = nil
    return copy
  }

  /// The `top` strongest pairs of `e`, labelled "a × b" (none without interactions).
  private func strongest(_ e: Explanation, _ context: ReportContext) -> [(label: String, value: Double)] {
    (e.interactions?.strongestPairs(context.top) ?? []).map { pair in
      let names = context.schema.names
      return (TerminalSafe.escaped(names[pair.i]) + " × " + TerminalSafe.escaped(names[pair.j]), pair.value)
    }
  }
}

extension CSVRenderer {
  /// The header of the long interaction CSV (with its newline).
  func interactionHeader() -> String {
    (context.hasIDs ? "id,row" : "row") + ",class,feature,other_feature,interaction\n"
  }

  /// One line per explanation and feature pair i ≤ j (i == j: the main effect), in feature
  /// order, with the matrix entry Φ_ij.
  /// - Complexity: O(explanations · F²).
  func interactionLines(_ explanations: [Explanation]) -> String {
    let names = context.schema.names.map { TextEscaping.csvCell($0) }
    var out = ""
    for e in explanations {
      guard let matrix = e.interactions else { continue }
      var prefix = context.hasIDs ? TextEscaping.csvCell(e.id ?? "") + "," : ""
      prefix += String(e.row) + "," + (e.output.map(String.init) ?? "") + ","
      for i in 0..<matrix.featureCount {
        for j in i..<matrix.featureCount {
          out += prefix + names[i] + "," + names[j] + "," + NumberFormatting.csv(matrix.value(i, j)) + "\n"
        }
      }
    }
    return out
  }
}
