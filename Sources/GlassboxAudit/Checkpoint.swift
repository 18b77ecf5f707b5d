import GlassboxData

/// A signed statement of the log's state: how many lines precede it, how many of them
/// are explanation records, and the RFC 6962 root over their hashes.
///
/// The signature covers this text (UTF-8, each line ending in `\n`), in the spirit of
/// the transparency-log "signed note" checkpoints:
/// ```
/// glassbox-audit/1 checkpoint
/// tree_size <lines before the checkpoint>
/// records <explanation records among them>
/// root sha256:<hex>
/// time <UTC time>
/// ```
/// Kept outside the log (a ticket, a git tag, an auditor's mailbox), a checkpoint line
/// exposes any later truncation or rewrite of the lines it covers.
public struct Checkpoint: Sendable, Equatable {
  public var treeSize: Int
  public var records: Int
  /// The 32-byte Merkle root.
  public var root: [UInt8]
  public var time: String
  public var keyID: String
  /// The 64-byte Ed25519 signature of `message`.
  public var signature: [UInt8]

  public init(treeSize: Int, records: Int, root: [UInt8], time: String, keyID: String, signature: [UInt8]) {
    self.treeSize = treeSize
    self.records = records
    self.root = root
    self.time = time
    self.keyID = keyID
    self.signature = signature
  }

  /// The signed text.
  public var message: [UInt8] {
    Array(
      ("\(AuditSchema.name) checkpoint\ntree_size \(treeSize)\nrecords \(records)\n"
        + "root sha256:\(AuditSchema.hex(root))\ntime \(time)\n").utf8)
  }

  /// Signs the state with `key`.
  public static func signed(
    treeSize: Int, records: Int, root: [UInt8], milliseconds: Int64, key: AuditSigningKey
  ) -> Checkpoint {
    var c = Checkpoint(
      treeSize: treeSize, records: records, root: root, time: AuditClock.iso8601(milliseconds: milliseconds),
      keyID: key.publicKey.keyID, signature: [])
    c.signature = key.sign(c.message)
    return c
  }

  /// The body after the chain fields: `"type":"checkpoint",...}`.
  public func body() -> [UInt8] {
    var w = JSONLineWriter()
    w.key("type")
    w.string("checkpoint")
    w.key("time")
    w.string(time)
    w.treeState(size: treeSize, records: records, root: root)
    w.key("key_id")
    w.string(keyID)
    w.key("signature")
    w.string("ed25519:" + AuditSchema.hex(signature))
    w.endObject()
    return w.bytes
  }

  /// Reads a checkpoint from a parsed line.
  /// - Throws: `AuditError.malformedLine` naming the member at fault.
  public init(_ line: JSONObject, path: String, lineNumber: Int) throws(AuditError) {
    func fail(_ problem: String) -> AuditError { .malformedLine(path: path, line: lineNumber, problem: problem) }
    guard line["type"]?.string == "checkpoint" else { throw fail("not a checkpoint line") }
    guard let size = line["tree_size"]?.number.flatMap({ Int(exactly: $0) }), size >= 0,
      let records = line["records"]?.number.flatMap({ Int(exactly: $0) }), records >= 0
    else { throw fail("tree_size and records must be whole numbers") }
    guard let rootText = line["root"]?.string, rootText.hasPrefix("sha256:"),
      let root = AuditSchema.bytes(fromHex: rootText.dropFirst(7)), root.count == 32
    else { throw fail("root must be sha256:<64 hex digits>") }
    guard let signatureText = line["signature"]?.string, signatureText.hasPrefix("ed25519:"),
      let signature = AuditSchema.bytes(fromHex: signatureText.dropFirst(8)), signature.count == 64
    else { throw fail("signature must be ed25519:<128 hex digits>") }
    self.init(
      treeSize: size, records: records, root: root, time: line["time"]?.string ?? "",
      keyID: line["key_id"]?.string ?? "", signature: signature)
  }

  /// Reads the last checkpoint line of a file kept outside the log.
  public static func load(path: String) throws(AuditError) -> Checkpoint {
    let bytes: [UInt8]
    do {
      bytes = try ByteSource.contents(of: path)
    } catch {
      throw .cannotRead(path: path, reason: error.description)
    }
    let lines = bytes.split(separator: UInt8(ascii: "\n"))
    for (k, line) in lines.enumerated().reversed() {
      guard let object = try? JSONParser.parse(Array(line), path: path).object,
        object["type"]?.string == "checkpoint"
      else { continue }
      return try Checkpoint(object, path: path, lineNumber: k + 1)
    }
    throw .malformedLine(path: path, line: 1, problem: "no checkpoint line (copy one from the log: grep '\"type\":\"checkpoint\"')")
  }
}

extension JSONLineWriter {
  /// `"tree_size":n,"records":r,"root":"sha256:<hex>"`: a tree's state, as checkpoints and
  /// witnessed heads write it.
  mutating func treeState(size: Int, records: Int, root: [UInt8]) {
    key("tree_size")
    int(size)
    key("records")
    int(records)
    key("root")
    string("sha256:" + AuditSchema.hex(root))
  }
}
