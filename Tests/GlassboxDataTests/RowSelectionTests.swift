import GlassboxData
import GlassboxSystem
import Testing

@Suite("Row selection")
struct RowSelectionTests {
  @Test func indicesAndRanges() throws {
    let s = try RowSelection("0,4,10-20")
    #expect(s.ranges == [0...0, 4...4, 10...20])
    #expect(s.count == 1 + 1 + 11)
    #expect(s.last == 20)
    let selected = Set([0, 4] + Array(10...20))
    for i in -2..<30 { #expect(s.contains(i) == selected.contains(i), "row \(i)") }
  }

  @Test func overlappingAndAdjacentRangesMerge() throws {
    let s = try RowSelection(" 10-20, 15-25 ,26, 3,2, 2, 40-40")
    // 2 and 3 touch; 10–20, 15–25 and 26 chain together.
    #expect(s.ranges == [2...3, 10...26, 40...40])
    #expect(s.count == 2 + 17 + 1)
    #expect(s.last == 40)
    #expect(try RowSelection("5-9,0-100").ranges == [0...100])
    #expect(try RowSelection("7") == RowSelection("7-7"))
  }

  @Test func containsMatchesBruteForceOnRandomSpecs() throws {
    var state: UInt64 = 12345
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    for _ in 0..<50 {
      var parts: [String] = []
      var truth = Set<Int>()
      for _ in 0..<(1 + next(6)) {
        let lo = next(60)
        if next(2) == 0 {
          parts.append("\(lo)")
          truth.insert(lo)
        } else {
          let hi = lo + next(10)
          parts.append("\(lo)-\(hi)")
          truth.formUnion(lo...hi)
        }
      }
      let s = try RowSelection(parts.joined(separator: ","))
      #expect(s.count == truth.count)
      #expect(s.last == truth.max())
      for i in 0..<80 where s.contains(i) != truth.contains(i) {
        Issue.record("\(parts): row \(i)")
      }
      // Ranges are sorted, disjoint and not adjacent.
      for (a, b) in zip(s.ranges, s.ranges.dropFirst()) { #expect(a.upperBound + 1 < b.lowerBound) }
    }
  }

  @Test(arguments: ["", " ", "a", "5-2", "-1", "1-2-3", "1,,2", "1-", "3,", "1.5", "0x3", "2-b"])
  func invalidSpecifications(spec: String) {
    let error = #expect(throws: DataError.self) { try RowSelection(spec) }
    guard case .invalidRowSpec(let s, _)? = error else {
      Issue.record("expected invalidRowSpec, got \(String(describing: error))")
      return
    }
    #expect(s == spec)
    #expect(error?.kind == .usage)
    #expect(error?.description.contains("0,4,10-20") == true)
  }

  @Test func backwardsRangeSaysSo() {
    let error = #expect(throws: DataError.self) { try RowSelection("5-2") }
    if case .invalidRowSpec(_, let problem)? = error { #expect(problem.contains("backwards")) }
  }
}

@Suite("Data errors")
struct DataErrorTests {
  @Test func kindsDecideExitStatus() {
    #expect(DataError.cannotOpen(path: "p", reason: "r").kind == .noInput)
    #expect(DataError.readFailed(path: "p", reason: "r").kind == .io)
    #expect(DataError.emptyInput(path: "p").kind == .data)
    #expect(DataError.invalidRowSpec(spec: "x", problem: "y").kind == .usage)
    #expect(DataError.invalidInstance(spec: "x", problem: "y").kind == .usage)
  }

  @Test func locationDescription() {
    #expect(InputLocation(file: "f.csv").description == "f.csv")
    #expect(InputLocation(file: "f.csv", line: 3).description == "f.csv:3")
    #expect(InputLocation(file: "f.csv", line: 3, column: "age", value: "x").description == "f.csv:3, column 'age', value 'x'")
    let long = String(repeating: "v", count: 100)
    let shown = InputLocation(file: "f", value: long).description
    #expect(shown == "f, value '" + String(repeating: "v", count: TerminalSafe.shownCharacters) + "... (100 bytes)'")
  }

  @Test func missingColumnListsAtMostTwelveColumns() {
    let columns = (0..<15).map { "c\($0)" }
    let text = DataError.missingColumn(path: "x.csv", column: "age", available: columns).description
    #expect(text.contains("c11, ..."))
    #expect(!text.contains("c12"))
  }
}
