import GlassboxData

/// Where a hash chain stands: what its next line continues.
public struct ChainHead: Sendable, Equatable {
  /// The next line's `seq` (1 for an empty log).
  public var nextSeq: Int
  /// SHA-256 of the last line's exact bytes (without `\n`); empty for an empty log, whose
  /// first line carries `AuditSchema.genesisHash`.
  public var lastHash: [UInt8]

  public init(nextSeq: Int, lastHash: [UInt8]) {
    self.nextSeq = nextSeq
    self.lastHash = lastHash
  }

  /// The head of an empty log.
  public static let empty = ChainHead(nextSeq: 1, lastHash: [])
}

/// The audit log's hash chain, with no I/O: it turns record bodies into the exact lines to
/// store, keeps `seq` and `prev_hash`, the RFC 6962 Merkle tree over every line's hash and
/// the count of records in it, decides when a signed checkpoint is due, and checks stored
/// lines one at a time for the verifier.
///
/// A line is `{"schema":"glassbox-audit/1","seq":N,"prev_hash":"sha256:<hex>",` followed by
/// the body (which ends with `}`) and `\n`; `prev_hash` is the SHA-256 of the previous
/// line's bytes without its `\n`. A store keeps lines; the chain never reads or writes one.
public struct HashChain: Sendable {
  /// What the next line continues.
  public private(set) var head: ChainHead
  /// The Merkle tree over the hashes of the lines seen (when `tracksTree`).
  public private(set) var tree = MerkleFrontier()
  /// Explanation records (lines that are not checkpoints) among the lines in `tree`.
  public private(set) var recordsInTree = 0
  /// Whether lines are added to `tree` (needed for checkpoints).
  public let tracksTree: Bool
  /// Records between the checkpoints this chain writes; nil when it writes none.
  public let checkpointEvery: Int?
  /// Records appended since the last checkpoint this chain wrote.
  public private(set) var recordsSinceCheckpoint = 0

  /// A chain for a writer: with `checkpointEvery` (at least 1) it tracks the tree and
  /// makes a checkpoint due after that many of its own records.
  public init(head: ChainHead = .empty, checkpointEvery: Int? = nil) {
    precondition(checkpointEvery.map { $0 >= 1 } ?? true, "checkpointEvery must be at least 1")
    self.init(head: head, checkpointEvery: checkpointEvery, tracksTree: checkpointEvery != nil)
  }

  private init(head: ChainHead, checkpointEvery: Int?, tracksTree: Bool) {
    self.head = head
    self.checkpointEvery = checkpointEvery
    self.tracksTree = tracksTree
  }

  /// A chain for checking a log from its first line: it writes no checkpoint but tracks
  /// the tree, against which the log's checkpoints are checked.
  public static func verifying() -> HashChain {
    HashChain(head: .empty, checkpointEvery: nil, tracksTree: true)
  }

  // MARK: Writing

  /// Continues after the stored line `lastLine` (nil when the log is empty). The tree is
  /// left as it is: lines stored since it was last brought up to date go to `include`.
  /// - Returns: false when `lastLine` has no `seq` (it is not a record).
  /// - Complexity: O(line length): the line is parsed and hashed.
  public mutating func resume(after lastLine: [UInt8]?) -> Bool {
    guard let lastLine else {
      head = .empty
      return true
    }
    guard let seq = Self.seq(of: lastLine) else { return false }
    head = ChainHead(nextSeq: seq + 1, lastHash: AuditSchema.sha256(lastLine))
    return true
  }

  /// Adds a stored line (written by anyone) to the tree; nothing when not tracking.
  public mutating func include(storedLine line: [UInt8]) {
    guard tracksTree else { return }
    tree.append(AuditSchema.sha256(line))
    if !Self.isCheckpoint(line) { recordsInTree += 1 }
  }

  /// Empties the tree (for a writer whose lines did not reach the store: it is then
  /// rebuilt from the stored lines with `include`).
  public mutating func forgetTree() {
    tree = MerkleFrontier()
    recordsInTree = 0
  }

  /// The exact length, with its `\n`, of the line the next `appendRecord` or
  /// `appendCheckpoint` makes of a body of `bodyCount` bytes.
  public func lineLength(bodyCount: Int) -> Int {
    Self.schemaPrefix.count + Self.digitCount(head.nextSeq) + Self.prevHashKey.count + Self.hashTextLength + 2 + bodyCount + 1
  }

  /// Appends the line for the record `body` (from `AuditRecordBuilder`) to `out` and
  /// moves the head past it.
  /// - Complexity: O(body length): one SHA-256 over the line; one allocation (the hash).
  public mutating func appendRecord(body: [UInt8], to out: inout [UInt8]) {
    appendLine(body: body, isCheckpoint: false, to: &out)
    recordsSinceCheckpoint += 1
  }

  /// True when this chain writes checkpoints and `checkpointEvery` records were
  /// appended since its last one.
  public var isCheckpointDue: Bool {
    guard let checkpointEvery else { return false }
    return recordsSinceCheckpoint >= checkpointEvery
  }

  /// True when records were appended since the last checkpoint (a closing one is then due).
  public var hasRecordsSinceCheckpoint: Bool { checkpointEvery != nil && recordsSinceCheckpoint > 0 }

  /// A checkpoint over every line in the tree, signed with `key` at `milliseconds`.
  /// - Complexity: O(log lines) hashes, one Ed25519 signature.
  public func checkpoint(milliseconds: Int64, key: AuditSigningKey) -> Checkpoint {
    Checkpoint.signed(treeSize: tree.count, records: recordsInTree, root: tree.root, milliseconds: milliseconds, key: key)
  }

  /// Appends the line holding `checkpoint` to `out` and moves the head past it.
  public mutating func appendCheckpoint(_ checkpoint: Checkpoint, to out: inout [UInt8]) {
    appendLine(body: checkpoint.body(), isCheckpoint: true, to: &out)
    recordsSinceCheckpoint = 0
  }

  private static let schemaPrefix = Array("{\"schema\":\"\(AuditSchema.name)\",\"seq\":".utf8)
  private static let prevHashKey = Array(",\"prev_hash\":\"".utf8)
  private static let hashTextLength = AuditSchema.genesisHash.utf8.count
  private static let genesisBytes = Array(AuditSchema.genesisHash.utf8)
  private static let sha256Label = Array("sha256:".utf8)

  private mutating func appendLine(body: [UInt8], isCheckpoint: Bool, to out: inout [UInt8]) {
    let start = out.count
    out.append(contentsOf: Self.schemaPrefix)
    Self.appendDecimal(head.nextSeq, to: &out)
    out.append(contentsOf: Self.prevHashKey)
    if head.lastHash.isEmpty {
      out.append(contentsOf: Self.genesisBytes)
    } else {
      out.append(contentsOf: Self.sha256Label)
      AuditSchema.appendHex(head.lastHash, to: &out)
    }
    out.append(UInt8(ascii: "\""))
    out.append(UInt8(ascii: ","))
    out.append(contentsOf: body)
    let hash = out.withUnsafeBytes { AuditSchema.sha256(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    out.append(UInt8(ascii: "\n"))
    advance(lineHash: hash, isCheckpoint: isCheckpoint)
  }

  private static func digitCount(_ value: Int) -> Int {
    var digits = 1
    var rest = value
    while rest >= 10 || rest <= -10 {
      rest /= 10
      digits += 1
    }
    return value < 0 ? digits + 1 : digits
  }

  /// `value` in decimal, as `"\(value)"` spells it, without making a string.
  private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value < 0 { out.append(UInt8(ascii: "-")) }
    let start = out.count
    var rest = value.magnitude
    repeat {
      out.append(UInt8(ascii: "0") + UInt8(rest % 10))
      rest /= 10
    } while rest > 0
    out[start...].reverse()
  }

  // MARK: Checking

  /// Why a stored line does not continue the chain.
  public enum Break: Sendable, Equatable {
    /// The line's `seq` is not `head.nextSeq`.
    case seq
    /// The line's `prev_hash` is not the hash of the line before it (or the genesis value).
    case prevHash
  }

  /// The `prev_hash` text the next line must carry.
  public var expectedPrevHash: String {
    head.lastHash.isEmpty ? AuditSchema.genesisHash : "sha256:" + AuditSchema.hex(head.lastHash)
  }

  /// Checks that a stored line with these chain members continues the chain, without
  /// moving it: the `seq` first, then `prev_hash`.
  public func check(seq: Int, prevHash: String?) -> Break? {
    if seq != head.nextSeq { return .seq }
    if prevHash != expectedPrevHash { return .prevHash }
    return nil
  }

  /// Moves the head past a line whose SHA-256 is `lineHash` (one that passed `check`, or
  /// one just written), adding it to the tree when tracking.
  public mutating func advance(lineHash: [UInt8], isCheckpoint: Bool) {
    if tracksTree {
      tree.append(lineHash)
      if !isCheckpoint { recordsInTree += 1 }
    }
    head = ChainHead(nextSeq: head.nextSeq + 1, lastHash: lineHash)
  }

  // MARK: Reading chain members from stored bytes

  /// The `seq` of a record line; nil when the line is not a JSON object with one.
  /// - Complexity: O(line length): the line is parsed.
  public static func seq(of line: [UInt8]) -> Int? {
    guard let object = try? JSONParser.parse(line, path: "").object else { return nil }
    return object["seq"]?.number.flatMap { Int(exactly: $0) }
  }

  private static let seqMarker = Array(",\"seq\":".utf8)

  /// The `seq` written right after `schema`, read without parsing the line (nil when the
  /// line does not start that way), for the look-ahead of `verify`.
  /// - Complexity: O(1): only the first 64 bytes are looked at.
  public static func leadingSeq(of line: [UInt8]) -> Int? {
    let window = line.prefix(64)
    var k = window.startIndex
    while k + seqMarker.count <= window.endIndex {
      if window[k..<(k + seqMarker.count)].elementsEqual(seqMarker) {
        var value = 0
        var digits = 0
        var i = k + seqMarker.count
        while i < line.count, line[i] >= UInt8(ascii: "0"), line[i] <= UInt8(ascii: "9"), digits < 18 {
          value = value * 10 + Int(line[i] - UInt8(ascii: "0"))
          digits += 1
          i += 1
        }
        return digits > 0 ? value : nil
      }
      k += 1
    }
    return nil
  }

  private static let checkpointMarker = Array(",\"type\":\"checkpoint\"".utf8)

  /// True for a checkpoint line (its `type` follows the chain members).
  /// - Complexity: O(1): only the first 200 bytes are looked at.
  public static func isCheckpoint(_ line: [UInt8]) -> Bool {
    let window = line.prefix(200)
    guard window.count >= checkpointMarker.count else { return false }
    var k = window.startIndex
    while k + checkpointMarker.count <= window.endIndex {
      if window[k] == UInt8(ascii: ","), window[k..<(k + checkpointMarker.count)].elementsEqual(checkpointMarker) {
        return true
      }
      k += 1
    }
    return false
  }
}
