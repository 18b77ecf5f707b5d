import GlassboxExplainers

/// How terminal text is drawn: width and whether ANSI colors are allowed.
public struct TerminalStyle: Sendable {
  /// Total columns available.
  public var width: Int
  /// Emit ANSI colors (red raises the output, blue lowers it, as in shap's plots).
  public var color: Bool

  public init(width: Int = 100, color: Bool = false) {
    self.width = max(50, min(width, 200))
    self.color = color
  }

  func paint(_ text: String, raises: Bool) -> String {
    guard color else { return text }
    return (raises ? "\u{1B}[31m" : "\u{1B}[34m") + text + "\u{1B}[0m"
  }

  func dim(_ text: String) -> String { color ? "\u{1B}[2m" + text + "\u{1B}[0m" : text }
  func bold(_ text: String) -> String { color ? "\u{1B}[1m" + text + "\u{1B}[0m" : text }
}

/// The top contributions of one explanation, the rest folded into one item.
struct RankedContributions {
  struct Item {
    var label: String
    var value: Double
    var standardError: Double?
  }
  var items: [Item]
  var folded: (count: Int, value: Double)?

  init(_ e: Explanation, context: ReportContext) {
    let order = e.attributions.indices.sorted {
      let a = abs(e.attributions[$0]), b = abs(e.attributions[$1])
      return a != b ? a > b : $0 < $1
    }
    let k = max(1, context.top)
    let shown = Array(order.prefix(k))
    items = shown.map { j in
      Item(
        label: context.schema.names[j] + " = " + context.describeValue(e.inputs[j], feature: j),
        value: e.attributions[j], standardError: e.standardErrors?[j])
    }
    let rest = order.dropFirst(shown.count)
    folded = rest.isEmpty ? nil : (rest.count, rest.reduce(0) { $0 + e.attributions[$1] })
  }
}
