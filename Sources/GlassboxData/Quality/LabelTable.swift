/// A categorical feature's card labels, looked up by the cell's bytes without building a
/// `String` (the hot path of checking a categorical cell).
///
/// Open addressing with linear probing over a power-of-two table at most half full; a
/// hit is confirmed by comparing bytes. Cells with non-ASCII bytes that miss are retried
/// as `String`s, so labels match exactly as `FeatureEncoder` matches them (Unicode
/// canonical equivalence included).
///
/// A final class, so that a copy (reading it out of an array, once per cell) is one retain,
/// not one per array it holds.
final class LabelTable: Sendable {
  private let bytes: [UInt8]
  private let offsets: [Int]
  private let codes: [Double]
  private let slots: [Int32]
  private let mask: Int
  private let byString: [String: Double]

  /// A table of `labels`; the first of two equal labels wins.
  /// - Complexity: O(total label bytes).
  init(labels: [(label: String, code: Double)]) {
    var size = 8
    while size < labels.count * 2 { size *= 2 }
    var slots = [Int32](repeating: -1, count: size)
    let mask = size - 1
    var bytes: [UInt8] = []
    var offsets = [0]
    var codes: [Double] = []
    for (label, code) in labels {
      let key = Array(label.utf8)
      let found = key.withUnsafeBufferPointer {
        Self.lookup($0, bytes: bytes, offsets: offsets, codes: codes, slots: slots, mask: mask)
      }
      guard found == nil else { continue }
      let h = key.withUnsafeBytes { RowHash.hash($0) }
      var s = Int(truncatingIfNeeded: h) & mask
      while slots[s] >= 0 { s = (s + 1) & mask }
      slots[s] = Int32(codes.count)
      bytes.append(contentsOf: key)
      offsets.append(bytes.count)
      codes.append(code)
    }
    self.bytes = bytes
    self.offsets = offsets
    self.codes = codes
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
    if let code = Self.lookup(trimmed, bytes: bytes, offsets: offsets, codes: codes, slots: slots, mask: mask) {
      return code
    }
    guard trimmed.contains(where: { $0 >= 0x80 }) else { return nil }
    return byString[FeatureEncoder.trimmedText(trimmed)]
  }

  private static func lookup(
    _ key: UnsafeBufferPointer<UInt8>, bytes: [UInt8], offsets: [Int], codes: [Double], slots: [Int32], mask: Int
  ) -> Double? {
    let h = RowHash.hash(UnsafeRawBufferPointer(key))
    var s = Int(truncatingIfNeeded: h) & mask
    while true {
      let k = Int(slots[s])
      if k < 0 { return nil }
      let start = offsets[k]
      let length = offsets[k + 1] - start
      if length == key.count {
        if length == 0 { return codes[k] }
        let same = bytes.withUnsafeBufferPointer { all -> Bool in
          guard let a = all.baseAddress, let b = key.baseAddress else { return false }
          return memcmp(a + start, b, length) == 0
        }
        if same { return codes[k] }
      }
      s = (s + 1) & mask
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
