import GlassboxData
import GlassboxTestSupport
import Testing

private let schemaCard: ModelCard = {
  ModelCard(features: [
    ModelCard.Feature(name: "age", unit: "years"),
    ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)]), sensitive: true),
    ModelCard.Feature(name: "city", kind: .categorical(labels: [("New York, NY", 5), ("Boston", 7)])),
  ])
}()

/// age (numeric), sex (categorical), hours (numeric, not on the card).
private let schema = FeatureSchema(names: ["age", "sex", "hours"], card: schemaCard)

/// Encodes all of `text` (a CSV file) with `schema`.
private func encodeAll(_ text: String, schema: FeatureSchema = schema, in dir: TemporaryDirectory) throws -> [Double] {
  let (reader, path) = try openCSV(text, in: dir)
  let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
  var all: [Double] = []
  var out: [Double] = []
  while let block = try reader.nextBlock(maxRecords: 2) {
    try encoder.encode(block, into: &out)
    #expect(out.count == block.count * schema.count)
    all += out
  }
  return all
}

private func expectSame(_ a: [Double], _ b: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
  // NaN-aware exact comparison.
  expectClose(a, b, rel: 0, abs: 0, sourceLocation: sourceLocation)
}

@Suite("Feature encoder")
struct FeatureEncoderTests {
  @Test func columnsAreMatchedByNameInAnyOrder() throws {
    let dir = try TemporaryDirectory()
    let text = """
      id,hours,sex,extra,age
      1,40,Male,foo,39
      2,,Female,bar,NA
      3,35.5, 1 ,x,50
      4,20,?,y,22
      5,1e1, Female ,z,-3

      """
    let (reader, path) = try openCSV(text, in: dir)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    #expect(encoder.columnIndex == [4, 2, 1])
    let values = try encodeAll(text, in: dir)
    expectSame(values, [
      39, 1, 40,
      .nan, 0, .nan,
      50, 1, 35.5,
      22, .nan, 20,
      -3, 0, 10,
    ])
  }

  @Test func encodeOneRecordIntoABuffer() throws {
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("sex,age,hours\nFemale,30,8\nMale,,9\n", in: dir)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    let block = try #require(try reader.nextBlock(maxRecords: 10))
    var row = [Double](repeating: -1, count: 3)
    try row.withUnsafeMutableBufferPointer { try encoder.encode(block, record: 1, into: $0) }
    expectSame(row, [.nan, 1, 9])
  }

  @Test func missingFeatureColumn() throws {
    let columns = ["age", "hours", "id"]
    let error = #expect(throws: DataError.self) {
      try FeatureEncoder(schema: schema, columns: columns, source: "in.csv")
    }
    #expect(error == .missingColumn(path: "in.csv", column: "sex", available: columns))
    #expect(error?.description.contains("'sex'") == true)
    #expect(error?.kind == .data)
  }

  @Test func unknownLabelNamesLineColumnAndValue() throws {
    let dir = try TemporaryDirectory()
    // The bad record starts on line 4 (the quoted id spans lines 2–3).
    let (reader, path) = try openCSV("id,age,sex,hours\n\"a\nb\",1,Male,2\nc,3,Other,4\n", in: dir)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    let block = try #require(try reader.nextBlock(maxRecords: 10))
    var out: [Double] = []
    let error = #expect(throws: DataError.self) { try encoder.encode(block, into: &out) }
    #expect(error == .unknownLabel(
      InputLocation(file: path, line: 4, column: "sex", value: "Other"), known: ["Female", "Male"]))
  }

  @Test func numericCodeMustBeOnTheCard() throws {
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("age,sex,hours\n1,0,2\n1,2,2\n", in: dir)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    let block = try #require(try reader.nextBlock(maxRecords: 10))
    var row = [0.0, 0, 0]
    try row.withUnsafeMutableBufferPointer { try encoder.encode(block, record: 0, into: $0) }
    #expect(row == [1, 0, 2])
    let error = #expect(throws: DataError.self) {
      try row.withUnsafeMutableBufferPointer { try encoder.encode(block, record: 1, into: $0) }
    }
    #expect(location(of: error) == InputLocation(file: path, line: 3, column: "sex", value: "2"))
  }

  @Test func badNumberNamesLineColumnAndValue() throws {
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("age,sex,hours\n1,Male,2\n\n30,Female,12abc\n", in: dir)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    let block = try #require(try reader.nextBlock(maxRecords: 10))
    var out: [Double] = []
    let error = try #require(#expect(throws: DataError.self) { try encoder.encode(block, into: &out) })
    #expect(error == .notANumber(InputLocation(file: path, line: 4, column: "hours", value: "12abc")))
    let text = error.description
    #expect(!text.contains("\n"))
    #expect(text.contains("\(path):4"))
    #expect(text.contains("column 'hours'"))
    #expect(text.contains("value '12abc'"))
  }

  @Test func schemaWithoutCardIsAllNumeric() throws {
    let plain = FeatureSchema(names: ["b", "a"])
    #expect(plain.features == [ModelCard.Feature(name: "b"), ModelCard.Feature(name: "a")])
    #expect(plain.card == nil && plain.count == 2)
    let dir = try TemporaryDirectory()
    expectSame(try encodeAll("a,b\n1,2\n,nan\n", schema: plain, in: dir), [2, 1, .nan, .nan])
    let error = #expect(throws: DataError.self) { try encodeAll("a,b\n1,Male\n", schema: plain, in: dir) }
    if case .notANumber? = error {} else { Issue.record("expected notANumber, got \(String(describing: error))") }
  }
}

@Suite("Instance specifications")
struct InstanceTests {
  static let schema = FeatureSchema(names: ["age", "sex", "city"], card: schemaCard)

  @Test func labelsAndNumbers() throws {
    let row = try FeatureEncoder.encode(instance: "age=39, sex=Male, city=Boston", schema: Self.schema)
    #expect(row == [39, 1, 7])
    // Order does not matter; numeric codes on the card are accepted.
    let codes = try FeatureEncoder.encode(instance: "city=5,sex=0,age=-2.5e1", schema: Self.schema)
    #expect(codes == [-25, 0, 5])
  }

  @Test func quotedValueWithAComma() throws {
    let row = try FeatureEncoder.encode(instance: #"city="New York, NY",sex=Female,age=1"#, schema: Self.schema)
    #expect(row == [1, 0, 5])
  }

  @Test func missingValues() throws {
    let row = try FeatureEncoder.encode(instance: "age=,sex=NA,city=?", schema: Self.schema)
    #expect(row.allSatisfy(\.isNaN) && row.count == 3)
  }

  @Test(arguments: [
    ("age=1,sex=Male,city=Boston,height=3", "height"),
    ("age=1,age=2,sex=Male,city=Boston", "twice"),
    ("age=1,sex=Male", "city"),
    ("age,sex=Male,city=Boston", "has no '='"),
    ("age=abc,sex=Male,city=Boston", "abc"),
    ("age=1,sex=Other,city=Boston", "Other"),
    ("", "age"),
  ])
  func invalidInstances(spec: String, mentions: String) {
    let error = #expect(throws: DataError.self) { try FeatureEncoder.encode(instance: spec, schema: Self.schema) }
    guard case .invalidInstance(let s, let problem)? = error else {
      Issue.record("expected invalidInstance, got \(String(describing: error))")
      return
    }
    #expect(s == spec)
    #expect(problem.contains(mentions), "\(problem)")
    #expect(error?.kind == .usage)
  }
}

@Suite("Feature schema display")
struct DisplayValueTests {
  @Test func displayValues() {
    let s = FeatureSchema(names: ["age", "sex", "zip"], card: schemaCard)
    #expect(s.features[2] == ModelCard.Feature(name: "zip"))  // not on the card: numeric
    #expect(s.displayValue(.nan, feature: 0) == .missing)
    #expect(s.displayValue(.nan, feature: 1) == .missing)
    #expect(s.displayValue(39, feature: 0) == .number(39))
    #expect(s.displayValue(1, feature: 1) == .label("Male"))
    #expect(s.displayValue(0, feature: 1) == .label("Female"))
    #expect(s.displayValue(2, feature: 1) == .number(2))  // a code the card does not list
    #expect(s.displayValue(5, feature: 2) == .number(5))
  }
}
