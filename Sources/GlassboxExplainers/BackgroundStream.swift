import GlassboxData

/// A background CSV read in chunks of encoded rows, so that an explainer that folds each
/// chunk into a summary (interventional TreeSHAP by decision patterns) never holds the
/// whole file.
///
/// Rows are encoded exactly as `Background.read` encodes them (same encoder, same column
/// matching), so a bad cell fails with the same one-line `DataError` naming the file and
/// line. Every chunk that passes is also added to a `ReferenceProfile.Builder` when
/// `profiling` is set, so the data checks' reference comes from the same single read.
///
/// Single owner: one explainer (or the command) reads it from start to end; it is
/// `@unchecked Sendable` only so that an `ExplainerSetup` can carry it.
///
/// - Complexity: O(chunkRows · features) memory for the chunk, plus the profile's sample
///   (O(features · 100,000) at most).
public final class BackgroundStream: @unchecked Sendable {
  /// Rows per chunk when not told otherwise (65,536 rows of 14 features: 7 MiB of doubles).
  public static let defaultChunkRows = 65_536

  /// The file's path, for messages and `Background.source`.
  public let source: String
  public let featureCount: Int
  /// The schema the rows are encoded by.
  public let schema: FeatureSchema
  /// Rows per chunk.
  public let chunkRows: Int
  /// Rows read so far.
  public private(set) var rowsRead = 0
  /// Chunks read so far.
  public private(set) var chunksRead = 0
  /// True once the end of the file was reached.
  public private(set) var isFinished = false

  private let reader: CSVReader
  private let encoder: FeatureEncoder
  private var profileBuilder: ReferenceProfile.Builder?

  /// Opens the background CSV at `path`.
  /// - Parameters:
  ///   - chunkRows: rows per chunk (tests make it tiny to split a small file).
  ///   - profiling: also build the `ReferenceProfile` of every row read.
  /// - Throws: `DataError` for a missing or malformed file or header.
  public init(path: String, schema: FeatureSchema, chunkRows: Int = defaultChunkRows, profiling: Bool = false) throws {
    precondition(chunkRows > 0, "a chunk holds at least one row")
    reader = try CSVReader(path: path)
    encoder = try FeatureEncoder(schema: schema, columns: reader.columns, source: reader.sourceName)
    source = path
    featureCount = schema.count
    self.schema = schema
    self.chunkRows = chunkRows
    profileBuilder = profiling ? ReferenceProfile.Builder(schema: schema, source: path) : nil
  }

  /// The next chunk of at most `chunkRows` encoded rows (row-major), nil at the end.
  /// - Throws: `DataError` for a bad record (file and line);
  ///   `ExplainerError.invalidBackground` when the file has no data rows at all.
  public func next() throws -> [Double]? {
    guard !isFinished else { return nil }
    var chunk: [Double] = []
    // Room for a whole chunk (up to the default size) up front, so the rows are encoded
    // in place without regrowing: pages a shorter file never fills are never touched.
    chunk.reserveCapacity(min(chunkRows, Self.defaultChunkRows) * featureCount)
    var rows = 0
    while rows < chunkRows, let block = try reader.nextBlock(maxRecords: min(4096, chunkRows - rows)) {
      try encoder.encode(block, appendingTo: &chunk)
      rows += block.count
    }
    if rows < chunkRows { isFinished = true }
    if rows == 0 {
      guard rowsRead > 0 else { throw ExplainerError.invalidBackground(path: source, problem: "it has no data rows") }
      return nil
    }
    rowsRead += rows
    chunksRead += 1
    profileBuilder?.add(encodedRows: chunk)
    return chunk
  }

  /// Every row not read yet, with the rows of `first` (an earlier chunk) in front: the
  /// whole background, for the algorithms that need every row at once.
  public func readAll(after first: [Double] = []) throws -> Background {
    var all = first
    while let chunk = try next() { all.append(contentsOf: chunk) }
    guard !all.isEmpty else { throw ExplainerError.invalidBackground(path: source, problem: "it has no data rows") }
    return Background(rows: all, featureCount: featureCount, source: source)
  }

  /// True when the file can be read again from the start (a regular file, not standard
  /// input or a pipe).
  public var canReopen: Bool { reader.totalBytes != nil }

  /// The same file opened again from its first row (same chunks, no profiling).
  public func reopened() throws -> BackgroundStream {
    try BackgroundStream(path: source, schema: schema, chunkRows: chunkRows)
  }

  /// Reads what is left (for the profile) and returns the profile of every row, nil
  /// unless `profiling`.
  public func finishProfile() throws -> ReferenceProfile? {
    while try next() != nil {}
    return profileBuilder?.profile()
  }
}
