import GlassboxData
import GlassboxModels
import Testing

@testable import GlassboxExplainers

/// `LIMELeafTable` computes a row's terms either from blocks stored for every instance slot
/// at construction or from the row's own slot per row (`storesSlots`); both must give the
/// same expectations and contrasts bit for bit, whatever the slots.
@Suite("LIME leaf table: stored and per-row slot terms")
struct LIMELeafTableSlotsTests {
  @Test("Adult XGBoost: every slot of every feature (levels, missing, an unknown level) gives identical results")
  func storedAndPerRowAgree() throws {
    let loaded = try ModelLoader.load(path: LIMEExactReferenceTests.root + "/models/adult-xgboost.json")
    let ensemble = try #require(loaded.model as? TreeEnsemble)
    let background = try LIMEExactReferenceTests.completeAdultRows(loaded.schema)
    let statistics = try LIMETrainingStatistics(background: background, schema: loaded.schema, discretizer: .quartile)
    let laws = statistics.features.map(LIMEFeatureLaw.init)
    let m = laws.count
    let c = expValue(-1 / (limeDefaultKernelWidth(features: m) * limeDefaultKernelWidth(features: m))).squareRoot()
    let sampler = LIMESampler(statistics: statistics, kernelWidth: limeDefaultKernelWidth(features: m))
    let tilts = laws.indices.map { j in
      (0...(laws[j].levelCount + 1)).map { slot in
        let level = slot <= laws[j].levelCount ? slot : nil
        let missing = sampler.missingProbability(j, instanceMissing: level == laws[j].levelCount)
        return LIMETilt(laws[j], level: level, missing: missing, mismatch: c)
      }
    }
    let stored = try LIMELeafTable(ensemble, laws: laws, tilts: tilts, storesSlots: true)
    let perRow = try LIMELeafTable(ensemble, laws: laws, tilts: tilts, storesSlots: false)
    let gaussians = [LIMEGaussianTilt?](repeating: nil, count: m)
    // Row r takes slot (r + j) mod (slots of j) for feature j: every slot of every feature
    // appears once the rows pass the largest slot count.
    let rows = laws.map { $0.levelCount + 2 }.max()!
    var compared = 0
    for r in 0..<rows {
      let slots = laws.indices.map { j in (r + j) % (laws[j].levelCount + 2) }
      let a = stored.expectations(slots: slots, gaussians: gaussians)
      let b = perRow.expectations(slots: slots, gaussians: gaussians)
      #expect(a.expectation == b.expectation, "row \(r)")
      #expect(a.contrasts == b.contrasts, "row \(r)")
      #expect(a.contrasts.allSatisfy { $0.allSatisfy(\.isFinite) })
      compared += 1
    }
    #expect(m == 13 && compared == rows && rows > 40)
  }
}
