@testable import GlassboxData
import GlassboxNumerics
import GlassboxTestSupport
import Testing

/// The fast paths of reading data against the plain computations they replace.
@Suite("Ingest fast paths")
struct IngestFastPathTests {
  /// The radix sort gives `sorted()` bit for bit, including the arrival order of -0.0 and
  /// 0.0 (equal for `<`, so a stable sort keeps them as they came).
  @Test(arguments: 0..<12 as Range<UInt64>)
  func radixSortEqualsSorted(seed: UInt64) {
    var rng = Xoshiro256StarStar(seed: seed)
    func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    let n = [0, 1, 5, 63, 64, 65, 1000, 5000][pick(8)]
    let kind = pick(5)
    let values: [Double] = (0..<n).map { _ in
      switch kind {
      case 0: return Double(pick(90))  // few whole values
      case 1: return [-0.0, 0.0, 1.0, -1.0][pick(4)]  // signed zeros in any order
      case 2:  // any finite double
        let d = Double(bitPattern: rng.next())
        return d.isFinite ? d : 0.5
      case 3: return (Double(pick(2_000_001)) - 1_000_000) / 1024  // fractions, both signs
      default: return [1e-300, -1e300, 5e-324, -5e-324, 42.0, -0.0, 0.0][pick(7)] * Double(1 + pick(3))
      }
    }
    let expected = values.sorted()
    let got = SortedValues.ascending(values)
    #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "seed \(seed), n \(n), kind \(kind)")
  }

  @Test func radixSortKeepsTheOrderOfSignedZeros() {
    var values: [Double] = []
    for k in 0..<200 { values.append(k % 3 == 0 ? -0.0 : (k % 3 == 1 ? 0.0 : Double(k % 7) - 3.5)) }
    let got = SortedValues.ascending(values)
    #expect(got.map(\.bitPattern) == values.sorted().map(\.bitPattern))
    let zeros = got.filter { $0 == 0 }.map { $0.sign == .minus }
    let arrival = values.filter { $0 == 0 }.map { $0.sign == .minus }
    #expect(zeros == arrival)
    #expect(zeros.count == 134)  // 67 of each, interleaved
  }

  /// Labels of every length around the 8- and 16-byte key words, labels that differ only in
  /// the middle (same first and last 8 bytes), duplicates (the first wins), and misses.
  @Test func labelTableEqualsADictionary() {
    var labels: [(label: String, code: Double)] = []
    for length in 0...40 { labels.append((String(repeating: "a", count: length), Double(length))) }
    labels.append(("AAAAAAAAxAAAAAAAA", 100))
    labels.append(("AAAAAAAAyAAAAAAAA", 101))
    labels.append(("AAAAAAAAxAAAAAAAA", 102))  // a duplicate: code 100 stays
    labels.append(("Married-civ-spouse", 103))
    labels.append(("Married-AF-spouse", 104))
    labels.append(("caf\u{E9}", 105))
    let table = LabelTable(labels: labels)
    var dictionary: [String: Double] = [:]
    for (label, code) in labels where dictionary[label] == nil { dictionary[label] = code }
    var cells = Array(dictionary.keys)
    cells += ["b", "aaaaaaab", "baaaaaaa", "AAAAAAAAzAAAAAAAA", "Married-civ-spous", "Married-civ-spouse-", "cafe"]
    cells += ["  aaa\t", " Married-AF-spouse ", "cafe\u{301}"]  // spaces around; the same text decomposed
    var hits = 0
    for cell in cells {
      let bytes = Array(cell.utf8) + [0]
      let got = bytes.withUnsafeBufferPointer { table.code(UnsafeBufferPointer(rebasing: $0[0..<($0.count - 1)])) }
      let trimmed = String(decoding: bytes.dropLast(), as: UTF8.self).trimmingSpaces()
      let expected = dictionary[trimmed]
      #expect(got == expected, "cell '\(cell)'")
      if got != nil { hits += 1 }
    }
    #expect(hits == dictionary.count + 3)
  }

  /// With bad cells in several rows and columns, encoding throws the first in row order
  /// (the column-at-a-time pass falls back to the row-major one).
  @Test func encoderReportsTheFirstBadCellInRowOrder() throws {
    let card = ModelCard(features: [
      ModelCard.Feature(name: "age"),
      ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)])),
      ModelCard.Feature(name: "hours"),
    ])
    let schema = FeatureSchema(names: ["age", "sex", "hours"], card: card)
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("age,sex,hours\n30,Male,40\n31,Female,x\nzz,Robot,40\n", in: dir)
    let encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: path)
    let block = try #require(try reader.nextBlock(maxRecords: 10))
    var out: [Double] = []
    let error = #expect(throws: DataError.self) { try encoder.encode(block, into: &out) }
    #expect(error == .notANumber(InputLocation(file: path, line: 3, column: "hours", value: "x")))
  }

  /// The profile of rows added a feature at a time equals the rules computed plainly:
  /// counts, extremes, signs, whole numbers, category shares (codes below 64, at 64 and
  /// beyond, fractional), quartiles by nearest rank.
  @Test(arguments: [1, 7, 500] as [Int])
  func profileEqualsPlainComputation(chunk: Int) {
    let card = ModelCard(features: [
      ModelCard.Feature(name: "x"),
      ModelCard.Feature(name: "c", kind: .categorical(labels: [("a", 0), ("b", 3), ("big", 64), ("huge", 1000), ("half", 2.5)])),
    ])
    let schema = FeatureSchema(names: ["x", "c"], card: card)
    var rng = Xoshiro256StarStar(seed: 11)
    func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    var rows: [Double] = []
    for _ in 0..<1000 {
      rows.append(pick(10) == 0 ? .nan : (pick(9) == 0 ? -0.0 : Double(pick(200) - 50) / 4))
      rows.append(pick(10) == 0 ? .nan : [0, 3, 64, 1000, 2.5, 3, 0][pick(7)])
    }
    var builder = ReferenceProfile.Builder(schema: schema, source: "rows")
    var start = 0
    while start < 1000 {
      let end = min(1000, start + chunk)
      builder.add(encodedRows: Array(rows[(2 * start)..<(2 * end)]))
      start = end
    }
    let profile = builder.profile()
    #expect(profile.rows == 1000)
    let xs = stride(from: 0, to: rows.count, by: 2).map { rows[$0] }
    let cs = stride(from: 1, to: rows.count, by: 2).map { rows[$0] }
    let x = profile.features[0]!, c = profile.features[1]!
    let validX = xs.filter { !$0.isNaN }
    #expect(x.cells == 1000 && x.missing == xs.count - validX.count)
    #expect(x.minimum == validX.min()! && x.maximum == validX.max()!)
    #expect(x.negatives == validX.filter { $0 < 0 }.count)
    #expect(x.wholeNumbersOnly == validX.allSatisfy { $0 == $0.rounded(.towardZero) })
    let sorted = validX.sorted()
    #expect(x.lowerQuartile == sorted[Int((0.25 * Double(sorted.count)).rounded(.up)) - 1])
    #expect(x.upperQuartile == sorted[Int((0.75 * Double(sorted.count)).rounded(.up)) - 1])
    let validC = cs.filter { !$0.isNaN }
    let missingShare = Double(cs.count - validC.count) / 1000
    #expect(c.categories == [0, 3, 64, 1000, 2.5])
    for (k, code) in c.categories.enumerated() {
      let share = (1 - missingShare) * Double(validC.filter { $0 == code }.count) / Double(validC.count)
      #expect(c.expectedShares[k] == share, "code \(code)")
    }
    #expect(c.expectedShares.last == missingShare)
    #expect(c.wholeNumbersOnly == false)  // 2.5
  }
}
