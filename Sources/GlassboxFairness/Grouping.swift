import GlassboxSystem
import GlassboxData

/// The groups of a population: every row's combination of sensitive-attribute values.
///
/// With one attribute the groups are its values; with several, the combinations that
/// occur in the data (the intersections). Groups are sorted by their values, compared as
/// strings attribute by attribute, which is the order of a pandas `groupby` and of
/// fairlearn's `MetricFrame.by_group`. Combinations absent from the data are not groups.
public struct Grouping: Sendable, Equatable {
  /// The attribute (column) names.
  public let attributes: [String]
  /// Each group's values, parallel to `attributes`, in sorted order.
  public let groups: [[String]]
  /// The group index of every row.
  public let membership: [Int32]
  /// The number of rows in each group.
  public let counts: [Int]

  /// The value written for an empty sensitive cell.
  public static let missingValue = "(missing)"

  /// Groups rows by their attribute values.
  /// - Parameters:
  ///   - attributes: attribute names.
  ///   - values: `values[a][row]`, one array per attribute, all of the same length.
  /// - Complexity: O(rows · attributes + G log G) for G groups.
  public init(attributes: [String], values: [[String]]) {
    precondition(!attributes.isEmpty && attributes.count == values.count)
    let n = values[0].count
    precondition(values.allSatisfy { $0.count == n })
    var index: [[String]: Int32] = [:]
    var found: [[String]] = []
    var first = [Int32](repeating: 0, count: n)
    var key = [String](repeating: "", count: attributes.count)
    for r in 0..<n {
      for a in 0..<attributes.count { key[a] = values[a][r] }
      if let g = index[key] {
        first[r] = g
      } else {
        let g = Int32(found.count)
        index[key] = g
        found.append(key)
        first[r] = g
      }
    }
    let order = found.indices.sorted { found[$0].lexicographicallyPrecedes(found[$1]) }
    var rank = [Int32](repeating: 0, count: found.count)
    for (position, g) in order.enumerated() { rank[g] = Int32(position) }
    var counts = [Int](repeating: 0, count: found.count)
    var membership = first
    for r in 0..<n {
      membership[r] = rank[Int(first[r])]
      counts[Int(membership[r])] += 1
    }
    self.attributes = attributes
    self.groups = order.map { found[$0] }
    self.membership = membership
    self.counts = counts
  }

  /// The number of groups.
  public var count: Int { groups.count }
  /// The number of rows.
  public var rowCount: Int { membership.count }

  /// A person's name for group `g`: `Female` for one attribute, `sex=Female, race=Black`
  /// for several.
  public func name(_ g: Int) -> String {
    if attributes.count == 1 { return groups[g][0] }
    return zip(attributes, groups[g]).map { "\($0)=\($1)" }.joined(separator: ", ")
  }

  /// The grouping by attribute `a` alone.
  /// - Complexity: O(rows).
  public func marginal(_ a: Int) -> Grouping {
    let column = membership.map { groups[Int($0)][a] }
    return Grouping(attributes: [attributes[a]], values: [column])
  }

  /// The reference group named by `spec`, or the largest group when `spec` is nil.
  ///
  /// `spec` is `value` for one attribute, and `attr=value,attr=value` (or the values in
  /// attribute order, comma-separated) for several. Attributes of this grouping that the
  /// spec does not name are free: the largest group matching the named values is chosen.
  /// Names of attributes outside this grouping are ignored, so one spec serves the
  /// intersection and its marginals.
  /// - Throws: `FairnessError.invalidSetting` when no group matches.
  /// - Complexity: O(G · attributes).
  public func reference(_ spec: String?) throws(FairnessError) -> Int {
    guard let spec else { return largest(matching: [:]) }
    let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map { trimmed($0) }
    var wanted: [String: String] = [:]
    if parts.allSatisfy({ $0.contains("=") }) {
      for part in parts {
        let eq = part.firstIndex(of: "=")!
        let name = trimmed(part[..<eq])
        if attributes.contains(name) { wanted[name] = trimmed(part[part.index(after: eq)...]) }
      }
    } else if parts.count == attributes.count {
      for (name, value) in zip(attributes, parts) { wanted[name] = value }
    } else if attributes.count == 1 {
      wanted[attributes[0]] = spec
    } else {
      throw .invalidSetting(
        parameter: .reference,
        problem: "'\(spec)' names \(parts.count) value(s) for \(attributes.count) attributes; write \(attributes.map { "\($0)=VALUE" }.joined(separator: ","))")
    }
    let g = largest(matching: wanted)
    guard g >= 0 else {
      let known = (0..<count).prefix(12).map { name($0) }.joined(separator: "; ")
      throw .invalidSetting(parameter: .reference, problem: "no group matches '\(spec)'; the groups are: \(known)")
    }
    return g
  }

  /// The largest group whose values agree with `wanted` (first in order on ties), −1 if none.
  private func largest(matching wanted: [String: String]) -> Int {
    var best = -1
    for g in 0..<count {
      let fits = attributes.indices.allSatisfy { a in wanted[attributes[a]].map { $0 == groups[g][a] } ?? true }
      if fits && (best < 0 || counts[g] > counts[best]) { best = g }
    }
    return best
  }
}

/// Turns raw sensitive cells into group values.
public enum SensitiveValues {
  /// The group value of a cell: trimmed text; a card code (`1`) becomes its label
  /// (`Male`) when `feature` is categorical and lists it; an empty or NA cell is
  /// `Grouping.missingValue`.
  public static func value(of cell: String, feature: ModelCard.Feature?) -> String {
    let text = trimmed(Substring(cell))
    if text.isEmpty || text == "NA" || text == "NaN" || text == "?" { return Grouping.missingValue }
    if let feature, let code = Double(text), let label = feature.label(for: code) { return label }
    return text
  }
}

func trimmed(_ s: Substring) -> String {
  var t = s
  while let c = t.first, c == " " || c == "\t" { t.removeFirst() }
  while let c = t.last, c == " " || c == "\t" { t.removeLast() }
  return String(t)
}
