import Testing

/// Whether `a` and `b` agree within `|a − b| ≤ max(abs, rel · max(|a|, |b|))`.
///
/// Two NaNs count as equal (a missing value matches a missing value), equal infinities
/// too; NaN against a number, or infinities of opposite sign, never do.
public func isClose(_ a: Double, _ b: Double, rel: Double = 1e-12, abs: Double = 0) -> Bool {
  if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
  if a == b { return true }  // also equal infinities
  if !a.isFinite || !b.isFinite { return false }
  let scale = max(Swift.abs(a), Swift.abs(b))
  return Swift.abs(a - b) <= max(abs, rel * scale)
}

/// Records a test issue unless `a` and `b` agree to a relative tolerance `rel` or an
/// absolute tolerance `abs` (whichever is looser). See `isClose` for NaN and infinities.
///
/// Use `abs` when the expected value may be 0: a purely relative tolerance then
/// demands exact equality.
public func expectClose(
  _ a: Double, _ b: Double, rel: Double = 1e-12, abs: Double = 0,
  _ comment: Comment? = nil,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  if !isClose(a, b, rel: rel, abs: abs) {
    let context = comment.map { " (\($0))" } ?? ""
    Issue.record(
      "\(a) is not close to \(b): difference \(a - b), rel \(rel), abs \(abs)\(context)",
      sourceLocation: sourceLocation)
  }
}

/// The element-wise version of `expectClose`; also records an issue when the lengths
/// differ. Reports at most the first 10 mismatching indices.
public func expectClose(
  _ a: [Double], _ b: [Double], rel: Double = 1e-12, abs: Double = 0,
  _ comment: Comment? = nil,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let context = comment.map { " (\($0))" } ?? ""
  guard a.count == b.count else {
    Issue.record("lengths differ: \(a.count) vs \(b.count)\(context)", sourceLocation: sourceLocation)
    return
  }
  var reported = 0
  for k in a.indices where !isClose(a[k], b[k], rel: rel, abs: abs) {
    if reported < 10 {
      Issue.record(
        "[\(k)]: \(a[k]) is not close to \(b[k]): difference \(a[k] - b[k]), rel \(rel), abs \(abs)\(context)",
        sourceLocation: sourceLocation)
    }
    reported += 1
  }
  if reported > 10 {
    Issue.record("... and \(reported - 10) more mismatches\(context)", sourceLocation: sourceLocation)
  }
}
