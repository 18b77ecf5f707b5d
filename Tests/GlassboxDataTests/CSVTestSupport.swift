import GlassboxData
import GlassboxTestSupport
import Testing

/// One CSV record as a test sees it.
struct Record: Equatable, CustomStringConvertible {
  var line: Int
  var row: Int
  var fields: [String]
  var description: String { "line \(line) row \(row) \(fields)" }
}

/// Reads every remaining record of `reader`, `maxRecords` per block, checking the
/// block invariants (row numbering, the 0 byte after each field) on the way.
func readAll(_ reader: CSVReader, maxRecords: Int = 1000) throws(DataError) -> [Record] {
  var records: [Record] = []
  while let block = try reader.nextBlock(maxRecords: maxRecords) {
    #expect(block.count >= 1 && block.count <= maxRecords)
    #expect(block.firstRow == records.count)
    #expect(block.columnCount == reader.columns.count)
    for r in 0..<block.count {
      var fields: [String] = []
      for c in 0..<block.columnCount {
        fields.append(block.string(r, c))
        block.withField(r, c) { bytes in
          // The promise that lets C parsers read a field in place.
          #expect(bytes.baseAddress.map { $0[bytes.count] } == 0)
        }
      }
      records.append(Record(line: block.lines[r], row: block.rowIndex(r), fields: fields))
    }
  }
  return records
}

/// Writes `text` to a fresh file and opens it; the directory lives as long as the reader's test.
func openCSV(
  _ text: String, in dir: TemporaryDirectory, name: String = "data.csv", columns: [String]? = nil
) throws -> (CSVReader, String) {
  let path = try dir.write(name, text)
  return (try CSVReader(path: path, columns: columns), path)
}

/// The location of a CSV error, or nil for other errors.
func location(of error: DataError?) -> InputLocation? {
  switch error {
  case .malformedCSV(let loc, _)?: return loc
  case .fieldCount(let loc, _, _)?: return loc
  case .notANumber(let loc)?: return loc
  case .unknownLabel(let loc, _)?: return loc
  default: return nil
  }
}
