extension DatasetCheck {
  /// The report for everything absorbed so far: column statistics, PSI and drift,
  /// label balance, and the findings kept with exact counts.
  /// - Complexity: O(features · bins + findings kept + label classes · log classes).
  public func report() -> CheckReport {
    let schema = checker.schema
    let m = schema.count
    var columns: [CheckReport.Column] = []
    var drift: [Finding] = []
    for j in 0..<m {
      let feature = schema.features[j]
      let t = tallies[j]
      var c = CheckReport.Column(
        name: schema.names[j], type: feature.isCategorical ? "categorical" : "numeric",
        required: feature.required, present: checker.columnIndex[j] != nil)
      c.missing = t.missing
      c.invalid = t.invalid
      c.outOfRange = counts[key(.range, j)]
      c.outOfDistribution = counts[key(.outOfDistribution, j)]
      c.impossible = counts[key(.impossible, j)]
      if t.valid > 0, !feature.isCategorical {
        c.minimum = t.minimum
        c.maximum = t.maximum
        c.mean = t.sum / Double(t.valid)
      }
      if c.present, let profile = checker.reference?.features[j],
        let psi = PopulationStability.index(expected: profile.expectedShares, actual: t.bins)
      {
        let band = PopulationStability.Band(psi: psi)
        c.psi = psi
        c.stability = band
        let cells = t.bins.reduce(0, +)
        if band != .stable, cells >= configuration.driftMinimumRows {
          let psiText = spell((psi * 1000).rounded() / 1000)
          let bound = band == .moderate ? "0.1 ≤ PSI < 0.25" : "PSI ≥ 0.25"
          drift.append(Finding(
            column: schema.names[j], feature: j, kind: .drift, severity: .warning,
            detail: "PSI \(psiText) against the background: a \(band.rawValue) shift (\(bound))"))
        }
      }
      columns.append(c)
    }
    let balance = labelBalance()
    var tail = drift
    if let finding = balance.finding { tail.append(finding) }
    let head = checker.schemaFindings + extraFindings
    return CheckReport(
      source: checker.source, background: checker.reference?.source, rows: rows,
      findings: head + findings + tail, counts: countList(head + tail), columns: columns,
      duplicateRows: duplicates, duplicatesComplete: duplicatesComplete, label: balance.report)
  }

  /// Exact counts: the per-row tallies plus one per column- or file-level finding, in
  /// kind order, then column order.
  private func countList(_ whole: [Finding]) -> [CheckReport.Count] {
    let schema = checker.schema
    let m = schema.count
    var list: [CheckReport.Count] = []
    for kind in Finding.Kind.allCases {
      for slot in 0...m {
        let n = counts[key(kind, slot < m ? slot : nil)]
        guard n > 0 else { continue }
        let severity: Finding.Severity
        switch kind {
        case .type, .label, .range, .schema: severity = .error
        case .missing: severity = slot < m && schema.features[slot].required ? .error : .warning
        default: severity = .warning
        }
        list.append(CheckReport.Count(
          kind: kind, column: slot < m ? schema.names[slot] : nil, severity: severity, count: n,
          shown: shown[key(kind, slot < m ? slot : nil)]))
      }
      for f in whole where f.kind == kind {
        list.append(CheckReport.Count(kind: kind, column: f.column, severity: f.severity, count: 1, shown: 1))
      }
    }
    return list
  }

  /// Class counts of the label column and a warning when one class dominates.
  private func labelBalance() -> (report: CheckReport.LabelBalance?, finding: Finding?) {
    guard let labelName, labelIndex != nil else { return (nil, nil) }
    let order = Dictionary(uniqueKeysWithValues: labelOrder.enumerated().map { ($0.element, $0.offset) })
    let classes = labelOrder.map { (value: $0, count: labelCounts[$0] ?? 0) }.sorted {
      $0.count != $1.count ? $0.count > $1.count : (order[$0.value] ?? 0) < (order[$1.value] ?? 0)
    }
    let report = CheckReport.LabelBalance(
      column: labelName, missing: missingLabels, classes: classes, truncated: labelsTruncated)
    let labelled = classes.reduce(0) { $0 + $1.count }
    guard labelled > 0, let smallest = classes.last else { return (report, nil) }
    if classes.count == 1 {
      let finding = Finding(
        column: labelName, kind: .labelBalance, severity: .warning,
        detail: "every labelled row has the class '\(smallest.value)'")
      return (report, finding)
    }
    let share = Double(smallest.count) / Double(labelled)
    guard share < configuration.minorityShare else { return (report, nil) }
    let percent = spell((share * 1000).rounded() / 10)
    let limit = spell(configuration.minorityShare * 100)
    let finding = Finding(
      column: labelName, kind: .labelBalance, severity: .warning,
      detail: "the class '\(smallest.value)' has \(smallest.count) of \(labelled) labelled rows (\(percent)%, below \(limit)%)")
    return (report, finding)
  }
}

/// A fast 64-bit hash of a byte string, for duplicate detection (not cryptographic).
///
/// Eight bytes at a time through a multiply–rotate round, then the SplitMix64 finalizer
/// so every input bit affects every output bit.
enum RowHash {
  /// - Complexity: O(bytes).
  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    let k1: UInt64 = 0x9E37_79B9_7F4A_7C15
    let k2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    var h: UInt64 = 0x2545_F491_4F6C_DD1D ^ UInt64(bytes.count)
    var i = 0
    while i + 8 <= bytes.count {
      let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = ((h ^ (w &* k2)) << 31 | (h ^ (w &* k2)) >> 33) &* k1
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < bytes.count {
      tail |= UInt64(bytes[i]) << shift
      shift += 8
      i += 1
    }
    h = ((h ^ (tail &* k2)) << 31 | (h ^ (tail &* k2)) >> 33) &* k1
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
  }
}
