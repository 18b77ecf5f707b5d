import GlassboxData
import GlassboxExplainers

/// JSON Lines: one object per explained row and output.
///
/// `{"row":0,"class":null,"output":"raw","prediction":-1.2,"base_value":-2.0,"method":"linear",
///   "attributions":[{"feature":"age","value":39,"attribution":0.41},...]}`; `value` is the
/// input as given (number, card label, or null when missing). Numbers are printed in their
/// shortest exact form, so they read back bit for bit.
public struct JSONLinesRenderer: Sendable {
  public let context: ReportContext
  let quotedNames: [String]

  public init(context: ReportContext) {
    self.context = context
    self.quotedNames = context.schema.names.map { TextEscaping.jsonString($0) }
  }

  /// The lines for `explanations`, each ending in a newline.
  /// - Complexity: O(explanations · features).
  public func render(_ explanations: [Explanation]) -> String {
    var out = ""
    out.reserveCapacity(explanations.count * (64 + 56 * quotedNames.count))
    for e in explanations { append(e, to: &out) }
    return out
  }

  /// Appends one line for `e`; `members` (e.g. `"sensitivity":{...}`) are added as the
  /// object's last members.
  public func append(_ e: Explanation, to out: inout String, members: String? = nil) {
    if let special = PayloadRenderers.renderer(for: e) {
      out += special.jsonLine(e, renderer: self, members: members)
      return
    }
    out += "{\"row\":"
    out += String(e.row)
    if let id = e.id { out += ",\"id\":" + TextEscaping.jsonString(id) }
    out += ",\"class\":"
    out += e.output.map(String.init) ?? "null"
    out += ",\"output\":\"" + e.space.rawValue + "\",\"prediction\":"
    out += NumberFormatting.json(e.prediction)
    out += ",\"base_value\":"
    out += NumberFormatting.json(e.baseValue)
    out += ",\"method\":\"" + context.method + "\""
    if let algorithm = context.algorithm { out += ",\"algorithm\":" + TextEscaping.jsonString(algorithm) }
    out += ",\"attributions\":["
    for j in 0..<e.attributions.count {
      if j > 0 { out += "," }
      out += "{\"feature\":"
      out += quotedNames[j]
      out += ",\"value\":"
      switch context.schema.displayValue(e.inputs[j], feature: j) {
      case .missing: out += "null"
      case .label(let l): out += TextEscaping.jsonString(l)
      case .number(let v): out += NumberFormatting.json(v)
      }
      out += ",\"attribution\":"
      out += NumberFormatting.json(e.attributions[j])
      if let se = e.standardErrors {
        out += ",\"std_error\":"
        out += NumberFormatting.json(se[j])
      }
      out += "}"
    }
    out += "]"
    if !e.notes.isEmpty {
      out += ",\"warnings\":[" + e.notes.map { TextEscaping.jsonString($0) }.joined(separator: ",") + "]"
    }
    if let members { out += "," + members }
    out += "}\n"
  }
}


/// Wide CSV: one line per explained row and output: `row,class,prediction,base_value,`
/// then one attribution column per feature (named by the feature).
public struct CSVRenderer: Sendable {
  public let context: ReportContext

  public init(context: ReportContext) { self.context = context }

  /// The header line (with its newline).
  public func header() -> String {
    var cells = context.hasIDs ? ["id", "row"] : ["row"]
    cells += ["class", "prediction", "base_value"]
    cells += context.schema.names.map { TextEscaping.csvCell($0) }
    return cells.joined(separator: ",") + "\n"
  }

  /// The data lines for `explanations`.
  /// - Complexity: O(explanations · features).
  public func render(_ explanations: [Explanation]) -> String {
    var out = ByteText(capacity: explanations.count * (40 + 22 * context.schema.count))
    for e in explanations {
      if context.hasIDs { out.write(TextEscaping.csvCell(e.id ?? "") + ",") }
      out.append(e.row)
      out.append(",")
      if let k = e.output { out.append(k) }
      out.append(",")
      NumberFormatting.appendCSV(e.prediction, to: &out)
      out.append(",")
      NumberFormatting.appendCSV(e.baseValue, to: &out)
      for a in e.attributions {
        out.append(",")
        NumberFormatting.appendCSV(a, to: &out)
      }
      out.append("\n")
    }
    return out.text
  }
}
