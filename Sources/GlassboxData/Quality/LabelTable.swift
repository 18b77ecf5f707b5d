/// A categorical feature's card labels, looked up by the cell's bytes without building a
/// `String` (the hot path of checking a categorical cell).
///
/// Open addressing with linear probing over a power-of-two table at most half full; a
/// hit is confirmed by comparing bytes. Cells with non-ASCII bytes that miss are retried
/// as `String`s, so labels match exactly as `FeatureEncoder` matches them (Unicode
/// canonical equivalence included).
struct LabelTable: Sendable {
  private var bytes: [UInt8] = []
  private var offsets: [Int] = [0]
  private var codes: [Double] = []
  private var slots: [Int32]
  private let mask: Int
  private let byString: [String: Double]

  /// A table of `labels`; the first of two equal labels wins.
  /// - Complexity: O(total label bytes).
  init(labels: [(label: String, code: Double)]) {
    var size = 8
    while size < labels.count * 2 { size *= 2 }
    slots = [Int32](repeating: -1, count: size)
    mask = size - 1
    byString = Dictionary(labels.map { ($0.label, $0.code) }, uniquingKeysWith: { a, _ in a })
    for (label, code) in labels {
      let key = Array(label.utf8)
      let found = key.withUnsafeBufferPointer { lookup($0) }
      guard found == nil else { continue }
      let h = key.withUnsafeBytes { RowHash.hash($0) }
      var s = Int(truncatingIfNeeded: h) & mask
      while slots[s] >= 0 { s = (s + 1) & mask }
      slots[s] = Int32(codes.count)
      bytes.append(contentsOf: key)
      offsets.append(bytes.count)
      codes.append(code)
    }
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

  private func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Double? {
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
