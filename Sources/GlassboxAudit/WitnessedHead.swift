import GlassboxData
import GlassboxSystem

/// The head of a log as a witness saw it: how many lines it had, the RFC 6962 root over
/// them, and the hash of its last line, written to a file kept somewhere else.
///
/// One JSON line per head, appended (`glassbox audit witness LOG --to FILE`):
/// ```
/// {"type":"witness","time":"…","log":"audit.log","tree_size":201,"records":200,
///  "root":"sha256:<hex>","head":"sha256:<hex>"}
/// ```
/// `verify --witness FILE` proves each head is a prefix of the log with an RFC 6962
/// consistency proof (`ConsistencyProof`), so a log cut back or rewritten below a
/// witnessed size fails. `head` (the SHA-256 of line `tree_size`) is what `verify --head`
/// takes. Witness lines are not signed: their worth is that the log's writer cannot
/// change the place they are kept.
public struct WitnessedHead: Sendable, Equatable {
  /// Lines of the log (records and checkpoints) when it was witnessed.
  public var treeSize: Int
  /// Explanation records among them.
  public var records: Int
  /// The RFC 6962 root over the lines' hashes.
  public var root: [UInt8]
  /// SHA-256 of the last line (empty for an empty log).
  public var head: [UInt8]
  public var time: String
  /// The log's name as the witness was given it.
  public var log: String

  public init(treeSize: Int, records: Int, root: [UInt8], head: [UInt8], time: String, log: String) {
    self.treeSize = treeSize
    self.records = records
    self.root = root
    self.head = head
    self.time = time
    self.log = log
  }

  /// `head` as `sha256:<hex>` (64 zeros for an empty log), as `verify --head` takes it.
  public var headText: String { head.isEmpty ? AuditSchema.genesisHash : "sha256:" + AuditSchema.hex(head) }

  /// The witness line, with its `\n`.
  public var line: [UInt8] {
    var w = JSONLineWriter()
    w.beginObject()
    w.key("type")
    w.string("witness")
    w.key("time")
    w.string(time)
    w.key("log")
    w.string(log)
    w.treeState(size: treeSize, records: records, root: root)
    w.key("head")
    w.string(headText)
    w.endObject()
    return w.bytes + [UInt8(ascii: "\n")]
  }

  /// Reads a witness line.
  /// - Throws: `AuditError.malformedLine` naming the member at fault.
  public init(_ object: JSONObject, path: String, lineNumber: Int) throws(AuditError) {
    func fail(_ problem: String) -> AuditError { .malformedLine(path: path, line: lineNumber, problem: problem) }
    guard let size = object["tree_size"]?.number.flatMap({ Int(exactly: $0) }), size >= 0,
      let records = object["records"]?.number.flatMap({ Int(exactly: $0) }), records >= 0
    else { throw fail("tree_size and records must be whole numbers") }
    guard let root = Self.hash(object["root"]?.string) else { throw fail("root must be sha256:<64 hex digits>") }
    guard let head = Self.hash(object["head"]?.string) else { throw fail("head must be sha256:<64 hex digits>") }
    self.init(
      treeSize: size, records: records, root: root, head: size == 0 ? [] : head, time: object["time"]?.string ?? "",
      log: object["log"]?.string ?? "")
  }

  /// The 32 bytes of `sha256:<hex>`; nil for anything else.
  public static func hash(_ text: String?) -> [UInt8]? {
    guard let text, text.hasPrefix("sha256:"), let bytes = AuditSchema.bytes(fromHex: text.dropFirst(7)), bytes.count == 32
    else { return nil }
    return bytes
  }

  /// Every witness line of the file at `path`, in order.
  /// - Throws: `AuditError.cannotRead`; `.malformedLine` for a witness line that cannot be
  ///   read or a file without any.
  public static func load(path: String) throws(AuditError) -> [WitnessedHead] {
    let bytes: [UInt8]
    do {
      bytes = try ByteSource.contents(of: path)
    } catch {
      throw .cannotRead(path: path, reason: error.description)
    }
    var heads: [WitnessedHead] = []
    for (k, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
      guard let object = try? JSONParser.parse(Array(line), path: path).object, object["type"]?.string == "witness"
      else { continue }
      heads.append(try WitnessedHead(object, path: path, lineNumber: k + 1))
    }
    if heads.isEmpty {
      throw .malformedLine(path: path, line: 1, problem: "no witness line (write them with 'glassbox audit witness LOG --to FILE')")
    }
    return heads
  }

  /// Appends this head to the file at `path` (created with mode 0644 when absent) and
  /// syncs it.
  /// - Throws: `AuditError.cannotWrite`.
  public func append(toFile path: String) throws(AuditError) {
    do {
      let fd = try FileDescriptor.open(path, .writeOnly, options: [.append, .create], permissions: 0o644)
      defer { fd.close() }
      try fd.writeAll(line)
      try fd.sync()
    } catch {
      throw .cannotWrite(path: path, reason: error.reason)
    }
  }
}
