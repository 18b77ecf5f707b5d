import GlassboxData
import GlassboxModels

/// What `glassbox inspect` shows: the model's kind, link, size, and features with what
/// the card says of them.
public struct ModelDescription: Sendable {
  public let loaded: LoadedModel

  public init(loaded: LoadedModel) { self.loaded = loaded }

  private var facts: [(key: String, value: String)] {
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

  /// One JSON object with the same content.
  public func json() -> String {
    var out = "{"
    out += facts.map { TextEscaping.jsonString($0.key.replacingSpaces()) + ":" + TextEscaping.jsonString($0.value) }.joined(separator: ",")
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
