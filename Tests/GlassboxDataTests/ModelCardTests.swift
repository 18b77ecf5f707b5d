import GlassboxData
import GlassboxTestSupport
import Testing

private func card(_ text: String) throws(DataError) -> ModelCard {
  try ModelCard.parse(try JSONParser.parse(Array(text.utf8), path: "m.card.json"), path: "m.card.json")
}

/// Parses a card expecting `.invalidDocument`; returns (field, problem).
private func invalid(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (field: String, problem: String)? {
  do {
    _ = try card(text)
    Issue.record("expected invalidDocument", sourceLocation: sourceLocation)
  } catch {
    if case .invalidDocument(let path, let field, let problem) = error {
      #expect(path == "m.card.json", sourceLocation: sourceLocation)
      #expect(error.kind == .data, sourceLocation: sourceLocation)
      return (field, problem)
    }
    Issue.record("expected invalidDocument, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

let fullCard = """
  {
    "format": "glassbox-card",
    "version": 1,
    "name": "credit",
    "description": "Credit default model",
    "owner": "risk-team@example.com",
    "intended_use": "pre-screening",
    "limitations": "not for final decisions",
    "target": {"name": "default", "positive_class": "yes", "description": "defaults within 12 months"},
    "training_data": {"path": "data/train.csv", "sha256": "ab12", "rows": 32561},
    "features": [
      {"name": "age", "type": "numeric", "description": "age in years", "unit": "years",
       "range": [17, 90], "required": true},
      {"name": "sex", "type": "categorical", "labels": {"Female": 0, "Male": 1}, "sensitive": true},
      {"name": "income"}
    ]
  }
  """

@Suite("Model card")
struct ModelCardTests {
  @Test func fullCard() throws {
    let c = try card(GlassboxDataTests.fullCard)
    #expect(c.name == "credit")
    #expect(c.description == "Credit default model")
    #expect(c.owner == "risk-team@example.com")
    #expect(c.intendedUse == "pre-screening")
    #expect(c.limitations == "not for final decisions")
    // Target and TrainingData have no public initializers: compare field by field.
    #expect(c.target?.name == "default")
    #expect(c.target?.positiveClass == "yes")
    #expect(c.target?.description == "defaults within 12 months")
    #expect(c.trainingData?.path == "data/train.csv")
    #expect(c.trainingData?.sha256 == "ab12")
    #expect(c.trainingData?.rows == 32561)
    #expect(c.features.map(\.name) == ["age", "sex", "income"])

    let age = c.features[0]
    #expect(age == ModelCard.Feature(
      name: "age", kind: .numeric, description: "age in years", unit: "years", sensitive: false,
      range: 17...90, required: true))
    #expect(!age.isCategorical)
    #expect(age.label(for: 0) == nil)

    let sex = c.features[1]
    #expect(sex.kind == .categorical(labels: [("Female", 0), ("Male", 1)]))
    #expect(sex.kind != .categorical(labels: [("Male", 1), ("Female", 0)]))
    #expect(sex.isCategorical && sex.sensitive && !sex.required)
    #expect(sex.label(for: 1) == "Male")
    #expect(sex.label(for: 0) == "Female")
    #expect(sex.label(for: 2) == nil)
    #expect(sex.description == nil && sex.unit == nil && sex.range == nil)

    #expect(c.features[2] == ModelCard.Feature(name: "income"))
    #expect(c.feature(named: "sex") == sex)
    #expect(c.feature(named: "zip") == nil)
  }

  @Test func minimalCardAndNulls() throws {
    let c = try card(#"{"features": [{"name": "x", "unit": null, "range": null, "sensitive": null}], "owner": null}"#)
    #expect(c == ModelCard(features: [ModelCard.Feature(name: "x")]))
    #expect(c.name == nil && c.owner == nil && c.target == nil && c.trainingData == nil)
    let target = try card(#"{"features": [], "target": {"name": "y"}, "training_data": {"path": "t.csv"}}"#)
    #expect(target.target?.name == "y")
    #expect(target.target?.positiveClass == nil && target.target?.description == nil)
    #expect(target.trainingData?.path == "t.csv")
    #expect(target.trainingData?.sha256 == nil && target.trainingData?.rows == nil)
  }

  @Test func loadFromFile() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("model.card.json", GlassboxDataTests.fullCard)
    #expect(try ModelCard.load(path: path) == (try card(GlassboxDataTests.fullCard)))
    #expect(throws: DataError.self) { try ModelCard.load(path: dir.file("absent.card.json")) }
    let broken = try dir.write("broken.card.json", "{\"features\": [}")
    let error = #expect(throws: DataError.self) { try ModelCard.load(path: broken) }
    if case .malformedJSON(let p, _, _, _)? = error { #expect(p == broken) } else { Issue.record("got \(String(describing: error))") }
  }

  @Test func wrongTypes() throws {
    let name = try #require(invalid(#"{"features": [{"name": 5}]}"#))
    #expect(name.field == "features[0].name")
    #expect(name.problem.contains("expected a string, found a number"))
    let sensitive = try #require(invalid(#"{"features": [{"name": "a"}, {"name": "b", "sensitive": "yes"}]}"#))
    #expect(sensitive.field == "features[1].sensitive")
    #expect(sensitive.problem.contains("true or false"))
    #expect(invalid(#"[1]"#)?.field == "card")
    #expect(invalid(#"{"features": {}}"#)?.field == "features")
    #expect(invalid(#"{"features": [3]}"#)?.field == "features[0]")
    #expect(invalid(#"{"features": [], "owner": 1}"#)?.field == "owner")
    #expect(invalid(#"{"features": [], "target": "y"}"#)?.field == "target")
    #expect(invalid(#"{"features": [], "target": {}}"#)?.field == "target.name")
    #expect(invalid(#"{"features": [], "training_data": {"path": "p", "rows": "many"}}"#)?.field == "training_data.rows")
    #expect(invalid(#"{"features": [{"name": "a", "labels": {"x": 0}, "type": "categorical", "unit": 3}]}"#)?.field == "features[0].unit")
  }

  @Test func missingRequiredFields() throws {
    let features = try #require(invalid(#"{"name": "m"}"#))
    #expect(features.field == "features")
    #expect(features.problem.contains("missing"))
    #expect(invalid(#"{"features": [{"type": "numeric"}]}"#)?.field == "features[0].name")
    #expect(invalid(#"{"features": [{"name": "c", "type": "categorical"}]}"#)?.field == "features[0].labels")
  }

  @Test func unknownType() throws {
    let f = try #require(invalid(#"{"features": [{"name": "a", "type": "ordinal"}]}"#))
    #expect(f.field == "features[0].type")
    #expect(f.problem.contains("ordinal"))
  }

  @Test func duplicateFeature() throws {
    let f = try #require(invalid(#"{"features": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}"#))
    #expect(f.field == "features[2]")
    #expect(f.problem.contains("'a'"))
  }

  @Test func duplicateCode() throws {
    let f = try #require(invalid(#"{"features": [{"name": "c", "type": "categorical", "labels": {"A": 0, "B": 1, "C": 0}}]}"#))
    #expect(f.field == "features[0].labels.C")
    #expect(f.problem.contains("two labels"))
  }

  @Test func nonNumericCode() throws {
    let f = try #require(invalid(#"{"features": [{"name": "c", "type": "categorical", "labels": {"A": "zero"}}]}"#))
    #expect(f.field == "features[0].labels.A")
    #expect(f.problem.contains("found a string"))
  }

  @Test func labelsMustBeANonEmptyObject() throws {
    #expect(invalid(#"{"features": [{"name": "c", "type": "categorical", "labels": ["A", "B"]}]}"#)?.field == "features[0].labels")
    #expect(invalid(#"{"features": [{"name": "c", "type": "categorical", "labels": {}}]}"#)?.field == "features[0].labels")
  }

  @Test func ranges() throws {
    let reversed = try #require(invalid(#"{"features": [{"name": "a", "range": [5, 1]}]}"#))
    #expect(reversed.field == "features[0].range")
    #expect(invalid(#"{"features": [{"name": "a", "range": [1]}]}"#)?.field == "features[0].range")
    #expect(invalid(#"{"features": [{"name": "a", "range": [1, 2, 3]}]}"#)?.field == "features[0].range")
    #expect(invalid(#"{"features": [{"name": "a", "range": "1-2"}]}"#)?.field == "features[0].range")
    #expect(invalid(#"{"features": [{"name": "a", "range": [1, "x"]}]}"#)?.field == "features[0].range[1]")
    let point = try card(#"{"features": [{"name": "a", "range": [3, 3]}]}"#)
    #expect(point.features[0].range == 3...3)
  }

  @Test func formatAndVersion() throws {
    #expect(invalid(#"{"format": "other", "features": []}"#)?.field == "format")
    #expect(invalid(#"{"version": 2, "features": []}"#)?.field == "version")
    #expect(try card(#"{"format": "glassbox-card", "version": 1, "features": []}"#).features.isEmpty)
  }

  @Test(arguments: [
    ("models/a.json", "models/a.card.json"),
    ("a.txt", "a.card.json"),
    ("dir.v2/model", "dir.v2/model.card.json"),
    ("model", "model.card.json"),
    ("/abs/path/m.tar.gz", "/abs/path/m.tar.card.json"),
  ])
  func sidecarPath(model: String, card: String) {
    #expect(ModelCard.sidecarPath(forModel: model) == card)
  }
}
