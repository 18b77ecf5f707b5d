/// A categorical feature's card labels, looked up by the cell's bytes without building a
/// `String` (the hot path of checking a categorical cell).
///
/// Open addressing with linear probing over a power-of-two table at most half full. A
/// label's key is its length and its first and last 8 bytes (zero-padded), which is the
/// whole label up to 16 bytes: a hit on such a label is confirmed by comparing the key
/// alone, a longer one also by its bytes. Cells with non-ASCII bytes that miss are retried
/// as `String`s, so labels match exactly as `FeatureEncoder` matches them (Unicode
/// canonical equivalence included).
///
/// A final class, so that a copy (reading it out of an array, once per cell) is one retain,
/// not one per array it holds.
final class LabelTable: Sendable {
  /// Per label: its length, its first and last words (`Key`), and its code.
  private let keys: [Key]
  private let codes: [Double]
  /// The bytes of labels longer than 16 bytes, at `offsets[k]`.
  private let bytes: [UInt8]
  private let offsets: [Int]
  private let slots: [Int32]
  private let mask: Int
  private let byString: [String: Double]

  /// The length and first and last 8 bytes of a label (zero-padded when shorter).
  private struct Key: Equatable {
    var length: Int
    var first: UInt64
    var last: UInt64

    @inline(__always)
    init(_ b: UnsafeBufferPointer<UInt8>) {
      length = b.count
      first = 0
      last = 0
      guard let p = b.baseAddress, length > 0 else { return }
      let raw = UnsafeRawPointer(p)
      if length >= 8 {
        first = raw.loadUnaligned(as: UInt64.self)
        last = raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
      } else {
        for i in 0..<length { first |= UInt64(p[i]) << (8 * UInt64(i)) }
      }
    }

    @inline(__always)
    var hash: Int {
      var h = (first &* 0x9E37_79B9_7F4A_7C15) ^ (last &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
      h ^= h >> 29
      h = h &* 0xBF58_476D_1CE4_E5B9
      return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
  }

  /// A table of `labels`; the first of two equal labels wins.
  /// - Complexity: O(total label bytes).
  init(labels: [(label: String, code: Double)]) {
    var size = 8
    while size < labels.count * 2 { size *= 2 }
    var slots = [Int32](repeating: -1, count: size)
    let mask = size - 1
    var keys: [Key] = []
    var codes: [Double] = []
    var bytes: [UInt8] = []
    var offsets: [Int] = []
    for (label, code) in labels {
      let utf8 = Array(label.utf8)
      let key = utf8.withUnsafeBufferPointer { Key($0) }
      var s = key.hash & mask
      var duplicate = false
      while slots[s] >= 0 {
        let k = Int(slots[s])
        if keys[k] == key && (key.length <= 16 || bytes[offsets[k]..<(offsets[k] + key.length)].elementsEqual(utf8)) {
          duplicate = true
          break
        }
        s = (s + 1) & mask
      }
      if duplicate { continue }
      slots[s] = Int32(keys.count)
      keys.append(key)
      codes.append(code)
      offsets.append(bytes.count)
      if key.length > 16 { bytes.append(contentsOf: utf8) }
    }
    self.keys = keys
    self.codes = codes
    self.bytes = bytes
    self.offsets = offsets
    self.slots = slots
    self.mask = mask
    byString = Dictionary(labels.map { ($0.label, $0.code) }, uniquingKeysWith: { a, _ in a })
  }

  /// The code of the label spelled by `cell` (spaces and tabs around it ignored).
  /// - Complexity: O(cell length) expected.
  func code(_ cell: UnsafeBufferPointer<UInt8>) -> Double? {
    var lo = 0
    var hi = cell.count
    while lo < hi, cell[lo] == 0x20 || cell[lo] == 0x09 { lo += 1 }
    while hi > lo, cell[hi - 1] == 0x20 || cell[hi - 1] == 0x09 { hi -= 1 }
    let trimmed = UnsafeBufferPointer(rebasing: cell[lo..<hi])
    if let code = lookup(trimmed) { return code }
    guard trimmed.contains(where: { $0 >= 0x80 }) else { return nil }
    return byString[FeatureEncoder.trimmedText(trimmed)]
  }

  @inline(__always)
  private func lookup(_ cell: UnsafeBufferPointer<UInt8>) -> Double? {
    let key = Key(cell)
    return slots.withUnsafeBufferPointer { slots in
      keys.withUnsafeBufferPointer { keys in
        var s = key.hash & mask
        while true {
          let k = Int(slots[s])
          if k < 0 { return nil }
          if keys[k] == key && (key.length <= 16 || sameBytes(k, cell)) { return codes[k] }
          s = (s + 1) & mask
        }
      }
    }
  }

  private func sameBytes(_ k: Int, _ cell: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.withUnsafeBufferPointer { all in
      guard let a = all.baseAddress, let b = cell.baseAddress else { return false }
      return memcmp(a + offsets[k], b, cell.count) == 0
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
