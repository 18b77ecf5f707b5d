import GlassboxData
import GlassboxNumerics
import GlassboxTestSupport
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
  @Test func headerAndSimpleRecords() throws {
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("a, b ,c\n1,2,3\n4,5,6\n", in: dir)
    #expect(reader.columns == ["a", "b", "c"])  // spaces around names are trimmed
    #expect(reader.index(of: "b") == 1)
    #expect(reader.index(of: "z") == nil)
    #expect(reader.sourceName == path)
    #expect(reader.totalBytes == 20)
    let records = try readAll(reader)
    #expect(records == [
      Record(line: 2, row: 0, fields: ["1", "2", "3"]),
      Record(line: 3, row: 1, fields: ["4", "5", "6"]),
    ])
    #expect(reader.bytesConsumed == 20)
    #expect(try reader.nextBlock(maxRecords: 10) == nil)
  }

  @Test func quotedFieldsWithCommasAndDoubledQuotes() throws {
    let dir = try TemporaryDirectory()
    let text = "name,note,n\n\"Smith, J\",\"He said \"\"hi\"\"\",\"\"\n\"\"\"\",\"a,b,,c\",x\n"
    let (reader, _) = try openCSV(text, in: dir)
    let records = try readAll(reader)
    #expect(records.map(\.fields) == [
      ["Smith, J", "He said \"hi\"", ""],
      ["\"", "a,b,,c", "x"],
    ])
    #expect(records.map(\.line) == [2, 3])
  }

  @Test func embeddedNewlinesAdvanceLineNumbers() throws {
    let dir = try TemporaryDirectory()
    // line 1: header; record 1 on lines 2–3; record 2 on lines 4–6 (CRLF inside quotes
    // and a CRLF record end); record 3 on line 7.
    let text = "id,text\n1,\"a\nb\"\n2,\"c\r\nd\ne\"\r\n3,plain\n"
    let (reader, _) = try openCSV(text, in: dir)
    let records = try readAll(reader)
    #expect(records == [
      Record(line: 2, row: 0, fields: ["1", "a\nb"]),
      Record(line: 4, row: 1, fields: ["2", "c\r\nd\ne"]),
      Record(line: 7, row: 2, fields: ["3", "plain"]),
    ])
  }

  @Test func crlfLineEnds() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("a,b\r\n1,2\r\n3,4\r\n", in: dir)
    #expect(reader.columns == ["a", "b"])
    #expect(try readAll(reader) == [
      Record(line: 2, row: 0, fields: ["1", "2"]),
      Record(line: 3, row: 1, fields: ["3", "4"]),
    ])
  }

  @Test func byteOrderMarkIsSkipped() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("x,y\n1,2\n".utf8))
    let reader = try CSVReader(path: path)
    #expect(reader.columns == ["x", "y"])
    #expect(try readAll(reader) == [Record(line: 2, row: 0, fields: ["1", "2"])])
  }

  @Test func blankLinesAreSkippedButCounted() throws {
    let dir = try TemporaryDirectory()
    // 1 header, 2 blank, 3 record, 4 blank (CRLF), 5 blank, 6 record, 7 blank.
    let (reader, _) = try openCSV("a,b\n\n1,2\n\r\n\n3,4\n\n", in: dir)
    #expect(try readAll(reader) == [
      Record(line: 3, row: 0, fields: ["1", "2"]),
      Record(line: 6, row: 1, fields: ["3", "4"]),
    ])
  }

  @Test func blankLinesBeforeTheHeader() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("\n\na,b\n1,2\n", in: dir)
    #expect(reader.columns == ["a", "b"])
    #expect(try readAll(reader) == [Record(line: 4, row: 0, fields: ["1", "2"])])
  }

  @Test func lastLineWithoutNewline() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("a,b\n1,2\n3,\"x y\"", in: dir)
    #expect(try readAll(reader).map(\.fields) == [["1", "2"], ["3", "x y"]])
  }

  @Test func emptyFields() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("a,b,c\n1,2,\n,,\n,5,6\n7,8,", in: dir)
    #expect(try readAll(reader).map(\.fields) == [
      ["1", "2", ""], ["", "", ""], ["", "5", "6"], ["7", "8", ""],
    ])
  }

  @Test func headerOnlyGivesNoRecords() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("a,b", in: dir)
    #expect(reader.columns == ["a", "b"])
    #expect(try reader.nextBlock(maxRecords: 5) == nil)
  }

  @Test func unicodeFields() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("città,名前\n\"Zürich, CH\",日本😀\n", in: dir)
    #expect(reader.columns == ["città", "名前"])
    #expect(try readAll(reader).map(\.fields) == [["Zürich, CH", "日本😀"]])
  }

  @Test func blocksRespectMaxRecordsAndNumberRows() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("v\n0\n1\n2\n3\n4\n", in: dir)
    var sizes: [Int] = []
    var firstRows: [Int] = []
    while let block = try reader.nextBlock(maxRecords: 2) {
      sizes.append(block.count)
      firstRows.append(block.firstRow)
      for r in 0..<block.count { #expect(block.string(r, 0) == String(block.rowIndex(r))) }
    }
    #expect(sizes == [2, 2, 1])
    #expect(firstRows == [0, 2, 4])
  }

  @Test func headerlessInputWithGivenColumns() throws {
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("1,2\n3,4\n", in: dir, columns: ["p", "q"])
    #expect(reader.columns == ["p", "q"])
    #expect(try readAll(reader) == [
      Record(line: 1, row: 0, fields: ["1", "2"]),
      Record(line: 2, row: 1, fields: ["3", "4"]),
    ])
    let (bad, _) = try openCSV("1,2\n3\n", in: dir, name: "bad.csv", columns: ["p", "q"])
    let error = #expect(throws: DataError.self) { try readAll(bad) }
    #expect(error == .fieldCount(InputLocation(file: dir.file("bad.csv"), line: 2), found: 1, expected: 2))
    _ = path
  }

  @Test func headerlessEmptyInputHasNoRecords() throws {
    let dir = try TemporaryDirectory()
    let (reader, _) = try openCSV("", in: dir, columns: ["p"])
    #expect(try reader.nextBlock(maxRecords: 3) == nil)
  }

  // MARK: - Errors

  @Test func unterminatedQuoteReportsTheRecordStart() throws {
    let dir = try TemporaryDirectory()
    // Record 1 spans lines 2–3; the broken record starts on line 4.
    let (reader, path) = try openCSV("a,b\n1,\"x\ny\"\n2,\"never closed\nmore\n", in: dir)
    var seen: [Record] = []
    let error = #expect(throws: DataError.self) {
      while let block = try reader.nextBlock(maxRecords: 10) {
        for r in 0..<block.count { seen.append(Record(line: block.lines[r], row: block.rowIndex(r), fields: [block.string(r, 0), block.string(r, 1)])) }
      }
    }
    #expect(seen == [Record(line: 2, row: 0, fields: ["1", "x\ny"])])
    guard case .malformedCSV(let loc, let problem)? = error else {
      Issue.record("expected malformedCSV, got \(String(describing: error))")
      return
    }
    #expect(loc == InputLocation(file: path, line: 4))
    #expect(problem.contains("never closed"))
    #expect(error?.kind == .data)
  }

  @Test func characterAfterClosingQuote() throws {
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("a,b\n1,2\n\"x\"y,2\n", in: dir)
    let error = #expect(throws: DataError.self) { try readAll(reader) }
    guard case .malformedCSV(let loc, let problem)? = error else {
      Issue.record("expected malformedCSV, got \(String(describing: error))")
      return
    }
    #expect(loc == InputLocation(file: path, line: 3))
    #expect(problem.contains("'y'"))
    #expect(try #require(error).description.hasPrefix("\(path):3: malformed CSV"))
  }

  @Test func fieldCountMismatchReportsItsLine() throws {
    let dir = try TemporaryDirectory()
    let (reader, path) = try openCSV("a,b\n\"x\ny\",2\n1,2,3\n", in: dir)
    let error = #expect(throws: DataError.self) { try readAll(reader) }
    #expect(error == .fieldCount(InputLocation(file: path, line: 4), found: 3, expected: 2))
    let (short, shortPath) = try openCSV("a,b,c\n1,2,3\n\n4\n", in: dir, name: "short.csv")
    let shortError = #expect(throws: DataError.self) { try readAll(short) }
    #expect(shortError == .fieldCount(InputLocation(file: shortPath, line: 4), found: 1, expected: 3))
  }

  @Test(arguments: ["", "\n\n\r\n", "\u{FEFF}"])
  func emptyInput(text: String) throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("empty.csv", text)
    #expect(throws: DataError.emptyInput(path: path)) { try CSVReader(path: path) }
  }

  @Test func duplicateHeader() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.write("dup.csv", "a,b, a\n1,2,3\n")
    #expect(throws: DataError.duplicateColumn(path: path, column: "a")) { try CSVReader(path: path) }
    #expect(throws: DataError.duplicateColumn(path: path, column: "x")) {
      try CSVReader(path: path, columns: ["x", "y", "x"])
    }
  }

  @Test func directoryCannotBeOpened() throws {
    let dir = try TemporaryDirectory()
    let error = #expect(throws: DataError.self) { try CSVReader(path: dir.path) }
    guard case .cannotOpen(let path, _)? = error else {
      Issue.record("expected cannotOpen, got \(String(describing: error))")
      return
    }
    #expect(path == dir.path)
    #expect(error?.kind == .noInput)
  }

  @Test func missingFileCannotBeOpened() throws {
    let dir = try TemporaryDirectory()
    let missing = dir.file("nope.csv")
    let error = #expect(throws: DataError.self) { try CSVReader(path: missing) }
    guard case .cannotOpen(let path, let reason)? = error else {
      Issue.record("expected cannotOpen, got \(String(describing: error))")
      return
    }
    #expect(path == missing)
    #expect(reason.contains("No such file"))
    #expect(error?.kind == .noInput)
    #expect(try #require(error).description.contains(missing))
  }
}

/// Generated CSV documents read with every chunk and block size give the same records.
@Suite("CSV reader, generated inputs")
struct CSVPropertyTests {
  struct Generated {
    var text: [UInt8]
    var columns: [String]
    var records: [Record]
  }

  /// A random document and its ground truth: quoted and unquoted fields with commas,
  /// quotes, LF and CRLF inside quotes, unicode, blank lines, LF/CRLF record ends, an
  /// optional BOM and an optional final line end.
  static func generate(seed: UInt64) -> Generated {
    var rng = Xoshiro256StarStar(seed: seed)
    func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    let pieces = ["a", "b", "7", "-1.5", " ", "é", "日本", "😀", ",", "\"", "\n", "\r\n", "x y"]
    let columnCount = 1 + pick(4)
    let columns = (0..<columnCount).map { "c\($0)" }
    var text: [UInt8] = pick(3) == 0 ? [0xEF, 0xBB, 0xBF] : []
    text += Array(columns.joined(separator: ",").utf8)
    text += pick(2) == 0 ? Array("\n".utf8) : Array("\r\n".utf8)
    var line = 2
    var records: [Record] = []
    let recordCount = pick(60)
    for r in 0..<recordCount {
      while pick(5) == 0 {  // blank lines
        text += pick(2) == 0 ? Array("\n".utf8) : Array("\r\n".utf8)
        line += 1
      }
      var fields: [String] = []
      var newlines = 0
      for c in 0..<columnCount {
        var field = ""
        for _ in 0..<pick(6) { field += pieces[pick(pieces.count)] }
        // Bytes, not Characters: "\r\n" is a single Character in Swift.
        let needsQuotes = field.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        // A lone empty field would make a blank line: quote it.
        let quote = needsQuotes || pick(5) == 0 || (columnCount == 1 && field.isEmpty)
        if quote {
          text += Array(("\"" + field.replacingQuotes() + "\"").utf8)
          newlines += field.utf8.filter { $0 == 0x0A }.count
        } else {
          text += Array(field.utf8)
        }
        if c < columnCount - 1 { text.append(UInt8(ascii: ",")) }
        fields.append(field)
      }
      records.append(Record(line: line, row: r, fields: fields))
      line += 1 + newlines
      let last = r == recordCount - 1
      if !last || pick(2) == 0 {
        text += pick(2) == 0 ? Array("\n".utf8) : Array("\r\n".utf8)
      }
    }
    return Generated(text: text, columns: columns, records: records)
  }

  // Each seed also reads once with the default 1 MiB chunk, which is slow in debug
  // builds (ByteSource zero-fills the whole chunk), so the seed count stays modest.
  @Test(arguments: 0..<24 as Range<UInt64>)
  func chunkAndBlockSizesDoNotChangeTheRecords(seed: UInt64) throws {
    let generated = Self.generate(seed: seed)
    let dir = try TemporaryDirectory()
    let path = try dir.write("gen.csv", bytes: generated.text)
    let reference = try readAll(try CSVReader(path: path))
    #expect(reference == generated.records)
    for chunk in [1, 2, 3, 7, 64] {
      for maxRecords in [1, 2, 5, 1000] {
        let reader = try CSVReader(source: try ByteSource(path: path), chunkSize: chunk)
        #expect(reader.columns == generated.columns)
        let records = try readAll(reader, maxRecords: maxRecords)
        #expect(records == generated.records, "chunk \(chunk), maxRecords \(maxRecords)")
        #expect(reader.bytesConsumed == generated.text.count)
      }
    }
  }

  /// The records the bulk path for plain records hands back to the general parser (a quote
  /// opening a field, a quote inside an unquoted field, blank lines, a bare CR, a record
  /// cut by the end of a read chunk, no final line end) read the same at every chunk size.
  @Test func plainAndOtherRecordsMixAtEveryChunkSize() throws {
    let text = "a,b,c\n1,2,3\n4,\"5,5\",6\n\n7,x\"y,9\r\n10,11,\"\"\r12,13,14\n\r\n15,,\n,,\n16,17,18"
    let expected = [
      Record(line: 2, row: 0, fields: ["1", "2", "3"]),
      Record(line: 3, row: 1, fields: ["4", "5,5", "6"]),
      Record(line: 5, row: 2, fields: ["7", "x\"y", "9"]),
      Record(line: 6, row: 3, fields: ["10", "11", ""]),
      Record(line: 7, row: 4, fields: ["12", "13", "14"]),
      Record(line: 9, row: 5, fields: ["15", "", ""]),
      Record(line: 10, row: 6, fields: ["", "", ""]),
      Record(line: 11, row: 7, fields: ["16", "17", "18"]),
    ]
    let dir = try TemporaryDirectory()
    let path = try dir.write("mixed.csv", text)
    for chunk in [1, 2, 3, 5, 8, 13, 1 << 20] {
      for maxRecords in [1, 3, 1000] {
        let reader = try CSVReader(source: try ByteSource(path: path), chunkSize: chunk)
        #expect(try readAll(reader, maxRecords: maxRecords) == expected, "chunk \(chunk), maxRecords \(maxRecords)")
      }
    }
  }

  /// A plain record with one field too many or too few is reported at its own line,
  /// whichever path reads it.
  @Test(arguments: ["1,2\n3,4\n5,6,7\n", "1,2\n3,4\n5\n"])
  func plainRecordWithWrongFieldCount(text: String) throws {
    let dir = try TemporaryDirectory()
    let body = "a,b\n" + text
    let path = try dir.write("bad.csv", body)
    for chunk in [1, 4, 1 << 20] {
      let reader = try CSVReader(source: try ByteSource(path: path), chunkSize: chunk)
      let error = #expect(throws: DataError.self) { try readAll(reader) }
      let found = text.contains("5,6,7") ? 3 : 1
      #expect(error == .fieldCount(InputLocation(file: path, line: 4), found: found, expected: 2))
    }
  }

  @Test func headerlessGeneratedInput() throws {
    let generated = Self.generate(seed: 1234)
    // Drop the header line: everything up to and including its first LF.
    var body = generated.text
    if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
    body.removeSubrange(0...(try #require(body.firstIndex(of: 0x0A))))
    let dir = try TemporaryDirectory()
    let path = try dir.write("body.csv", bytes: body)
    for chunk in [1, 3, 64] {
      let reader = try CSVReader(source: try ByteSource(path: path), columns: generated.columns, chunkSize: chunk)
      let records = try readAll(reader, maxRecords: 3)
      #expect(records == generated.records.map { Record(line: $0.line - 1, row: $0.row, fields: $0.fields) })
    }
  }
}

extension String {
  fileprivate func replacingQuotes() -> String {
    var out = ""
    for ch in self { out += ch == "\"" ? "\"\"" : String(ch) }
    return out
  }
}
