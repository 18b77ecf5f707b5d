import GlassboxData
@testable import GlassboxExplainers
import GlassboxModels
import GlassboxTestSupport
import Testing

@Suite("TreeSHAP equals the libraries' path-dependent SHAP values")
struct TreeSHAPFixtureTests {
  @Test("the index lists the tree cases, with all their files")
  func indexListsTheCases() {
    FixtureIndex.expectComplete(FixtureIndex.cases(kind: "trees"))
  }

  @Test("classic contributions and base values match", arguments: TreeFixture.cases())
  func contributions(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = try fixture.flat("contribs")  // [row][k][F+1], bias last
    let m = fixture.featureCount
    let k = fixture.outputCount
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      let explainer = TreeSHAP(ensemble: model, algorithm: .classic)
      let explanations = try explainer.explain(fixture.rows, featureCount: m)
      #expect(explanations.count == fixture.rowCount * k)
      var worst = 0.0
      var worstAdditivity = 0.0
      var identical = true
      for (i, e) in explanations.enumerated() {
        let start = i * (m + 1)
        let row = Array(expected[start..<(start + m + 1)])
        let scale = max(1e-300, row.map(abs).max() ?? 0)
        for j in 0..<m {
          worst = max(worst, abs(e.attributions[j] - row[j]) / scale)
          if e.attributions[j] != row[j] { identical = false }
        }
        worst = max(worst, abs(e.baseValue - row[m]) / max(1, abs(row[m])))
        if e.baseValue != row[m] { identical = false }
        worstAdditivity = max(worstAdditivity, e.additivityGap)
      }
      if name.hasPrefix("xgb") {
        #expect(identical, "\(path): not bit-identical to pred_contribs, max rel error \(worst)")
        #expect(worstAdditivity <= 1e-5, "\(path): additivity gap \(worstAdditivity)")
      } else {
        #expect(worst <= 1e-9, "\(path): max rel error \(worst)")
        #expect(worstAdditivity <= 1e-9, "\(path): additivity gap \(worstAdditivity)")
      }
      print("\(name) \(path.split(separator: "/").last ?? ""): max rel error \(worst), additivity \(worstAdditivity), bit-identical \(identical)")
    }
  }

  /// The fast algorithm (double) against the classic one in double (1e-9 of the row's
  /// largest |φ|) and against the libraries: xgboost within 1e-5 of the row's largest
  /// |attribution| (its float32 rounding), lightgbm and scikit-learn within 1e-9.
  @Test("fast contributions match classic double and the libraries", arguments: TreeFixture.cases())
  func fastContributions(_ name: String) throws {
    let fixture = try TreeFixture(name)
    let expected = try fixture.flat("contribs")  // [row][k][F+1], bias last
    let m = fixture.featureCount
    let k = fixture.outputCount
    for path in fixture.modelPaths {
      let model = try fixture.load(path)
      let fast = try TreeSHAP(ensemble: model).explain(fixture.rows, featureCount: m)
      let reference = classicDouble(model, fixture.rows, count: fixture.rowCount)
      #expect(fast.count == fixture.rowCount * k)
      var worstLibrary = 0.0
      var worstClassic = 0.0
      var worstAdditivity = 0.0
      for (i, e) in fast.enumerated() {
        let row = Array(expected[(i * (m + 1))..<((i + 1) * (m + 1))])
        let scale = max(1e-300, row[0..<m].map(abs).max() ?? 0)
        let classicRow = Array(reference[(i * m)..<((i + 1) * m)])
        let classicScale = max(1e-300, classicRow.map(abs).max() ?? 0)
        for j in 0..<m {
          worstLibrary = max(worstLibrary, abs(e.attributions[j] - row[j]) / scale)
          worstClassic = max(worstClassic, abs(e.attributions[j] - classicRow[j]) / classicScale)
        }
        worstAdditivity = max(worstAdditivity, e.additivityGap)
      }
      let libraryTolerance = name.hasPrefix("xgb") ? 1e-5 : 1e-9
      #expect(worstClassic <= 1e-9, "\(path): fast vs classic double \(worstClassic)")
      #expect(worstLibrary <= libraryTolerance, "\(path): fast vs library \(worstLibrary)")
      #expect(worstAdditivity <= libraryTolerance, "\(path): additivity gap \(worstAdditivity)")
      print(
        "\(name) \(path.split(separator: "/").last ?? "") fast: vs library \(worstLibrary), vs classic double \(worstClassic), additivity \(worstAdditivity)")
    }
  }

  /// The classic algorithm in double for every tree (fast tables disabled).
  func classicDouble(_ model: TreeEnsemble, _ rows: [Double], count: Int) -> [Double] {
    let explainer = TreeSHAP(ensemble: model, algorithm: .fast, limits: .init(treeEntries: 0))
    var out = [Double](repeating: 0, count: count * model.outputCount * model.featureCount)
    rows.withUnsafeBufferPointer { r in
      out.withUnsafeMutableBufferPointer { explainer.contributions(r, count: count, into: $0) }
    }
    return out
  }
}
