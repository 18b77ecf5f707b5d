import GlassboxData
import GlassboxModels

/// What `glassbox inspect` shows: the model's kind, link, size, and features with what
/// the card says of them.
public struct ModelDescription: Sendable {
  public let loaded: LoadedModel

  public init(loaded: LoadedModel) { self.loaded = loaded }

  var facts: [(key: String, value: String)] {
    var list: [(key: String, value: String)] = [("model", loaded.path), ("format", loaded.format)]
    if let describable = loaded.model as? any DescribableModel {
      list += describable.facts
    } else {
      list.append(("summary", loaded.model.summary))
    }
    list.append(("features", String(loaded.model.featureCount)))
    if let cardPath = loaded.cardPath { list.append(("card", cardPath)) }
    if let card = loaded.card {
      if let t = card.target {
        list.append(("target", t.name + (t.positiveClass.map { " (positive class \($0))" } ?? "")))
      }
      if let owner = card.owner { list.append(("owner", owner)) }
      if let use = card.intendedUse { list.append(("intended use", use)) }
      if let data = card.trainingData { list.append(("training data", data.path)) }
    }
    return list
  }

  /// A readable table. - Complexity: O(features).
  public func table() -> String {
    let keyWidth = facts.map { $0.key.count }.max() ?? 8
    var out = ""
    for (key, value) in facts { out += pad(key, keyWidth) + "  " + value + "\n" }
    out += "\n"
    let schema = loaded.schema
    let nameWidth = max(7, schema.names.map(\.count).max() ?? 7)
    out += pad("feature", nameWidth) + "  " + pad("type", 16) + "  " + pad("unit", 18) + "  sensitive  description\n"
    for f in schema.features {
      let type: String
      if case .categorical(let labels) = f.kind { type = "categorical (\(labels.count))" } else { type = "numeric" }
      out += pad(f.name, nameWidth) + "  " + pad(type, 16) + "  " + pad(f.unit ?? "", 18) + "  "
      out += pad(f.sensitive ? "yes" : "", 9) + "  " + (f.description ?? "") + "\n"
    }
    return out
  }

  /// Keys whose values are lists written as "a, b, c" ("none" for an empty list).
  static let listKeys: Set<String> = ["classes", "categorical features"]

  /// One fact as a typed JSON member: counts as numbers, yes/no as booleans, lists as
  /// arrays, "3 (a, b, c)" as the number with the names in `<key>_names`, else a string.
  static func typedMember(_ key: String, _ value: String) -> String {
    let name = key.replacingSpaces()
    func list(_ text: Substring) -> String {
      let items = text == "none" ? [] : text.split(separator: ",").map { String($0.drop { $0 == " " }) }
      return "[" + items.map(TextEscaping.jsonString).joined(separator: ",") + "]"
    }
    if listKeys.contains(key) { return TextEscaping.jsonString(name) + ":" + list(Substring(value)) }
    if let n = Int(value) { return TextEscaping.jsonString(name) + ":" + String(n) }
    if value == "yes" || value == "no" { return TextEscaping.jsonString(name) + ":" + (value == "yes" ? "true" : "false") }
    if let open = value.firstIndex(of: "("), value.hasSuffix(")"), let n = Int(value[..<open].trimmingSuffix(" ")) {
      let inner = value[value.index(after: open)..<value.index(before: value.endIndex)]
      return TextEscaping.jsonString(name) + ":" + String(n) + "," + TextEscaping.jsonString(name + "_names") + ":" + list(inner)
    }
    return TextEscaping.jsonString(name) + ":" + TextEscaping.jsonString(value)
  }

  /// One JSON object with the same content, typed: counts are numbers, flags booleans,
  /// lists arrays (`"outputs":1`, `"classes":["<=50K",">50K"]`), and the card's target as
  /// `target_column` and `positive_class` beside the readable `target`.
  public func json() -> String {
    var out = "{"
    out += facts.map { Self.typedMember($0.key, $0.value) }.joined(separator: ",")
    if let target = loaded.card?.target {
      out += ",\"target_column\":" + TextEscaping.jsonString(target.name)
      out += ",\"positive_class\":" + (target.positiveClass.map(TextEscaping.jsonString) ?? "null")
    }
    out += ",\"feature_list\":["
    out += loaded.schema.features.map { f in
      var item = "{\"name\":" + TextEscaping.jsonString(f.name)
      if case .categorical(let labels) = f.kind {
        item += ",\"type\":\"categorical\",\"labels\":{"
        item += labels.map { TextEscaping.jsonString($0.label) + ":" + NumberFormatting.json($0.code) }.joined(separator: ",")
        item += "}"
      } else {
        item += ",\"type\":\"numeric\""
      }
      if let unit = f.unit { item += ",\"unit\":" + TextEscaping.jsonString(unit) }
      item += ",\"sensitive\":" + (f.sensitive ? "true" : "false")
      return item + "}"
    }.joined(separator: ",")
    return out + "]}\n"
  }
}

extension String {
  func replacingSpaces() -> String { String(map { $0 == " " ? "_" : $0 }) }
}

extension Substring {
  fileprivate func trimmingSuffix(_ character: Character) -> Substring {
    var s = self
    while s.last == character { s = s.dropLast() }
    return s
  }
}
