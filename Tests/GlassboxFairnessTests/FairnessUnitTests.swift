import GlassboxData
import GlassboxExplainers
import GlassboxFairness
import GlassboxModels
import GlassboxTestSupport
import Testing

@Suite("groupings, disparities, rules, proxies and probes")
struct FairnessUnitTests {
  @Test("groups sort by value; intersections only where rows exist; references")
  func grouping() throws {
    let g = Grouping(attributes: ["sex", "race"], values: [["M", "F", "M", "F", "M"], ["w", "b", "w", "w", "b"]])
    #expect(g.groups == [["F", "b"], ["F", "w"], ["M", "b"], ["M", "w"]])
    #expect(g.counts == [1, 1, 1, 2])
    #expect(g.membership == [3, 0, 3, 1, 2])
    #expect(try g.reference(nil) == 3)
    #expect(try g.reference("sex=F,race=w") == 1)
    #expect(try g.reference("M,b") == 2)
    #expect(try g.reference("sex=F") == 0)  // the first of the largest F groups (ties: first)
    #expect(throws: FairnessError.self) { try g.reference("sex=X") }
    let sex = g.marginal(0)
    #expect(sex.groups == [["F"], ["M"]] && sex.counts == [2, 3])
    #expect(try sex.reference("sex=F,race=w") == 0)
  }

  @Test("card codes become labels; empty cells are a missing group")
  func sensitiveValues() {
    let feature = ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)]))
    #expect(SensitiveValues.value(of: "1", feature: feature) == "Male")
    #expect(SensitiveValues.value(of: " Female ", feature: feature) == "Female")
    #expect(SensitiveValues.value(of: "", feature: feature) == Grouping.missingValue)
    #expect(SensitiveValues.value(of: "7", feature: nil) == "7")
  }

  @Test("undefined rates and metrics say why")
  func undefined() throws {
    var a = GroupTally(), b = GroupTally()
    a.add(score: 0.9, selected: true, positive: false)
    b.add(score: 0.1, selected: false, positive: false)
    #expect(a.value(.truePositiveRate).isNaN)
    #expect(a.undefinedReason(.truePositiveRate) == "no positive labels in the group")
    #expect(b.undefinedReason(.precision) == "no row of the group is selected")
    let d = Disparities([a, b], reference: 1, hasLabels: true)
    #expect(try #require(d.values[.disparateImpact]).isNaN)
    #expect(d.reasons[.disparateImpact] == "the reference group's selection rate is 0")
    #expect(d.reasons[.equalOpportunityDifference] == "fewer than two groups have a defined TPR")
    #expect(d.values[.demographicParityDifference] == 1)
    #expect(d.extremes[.demographicParityDifference] == .init(high: 0, low: 1))
    #expect(d.comparisons[0].selectionRateDifference == 1)
  }

  @Test("--fail-on rules parse and evaluate")
  func rules() throws {
    let r = try FailOnRule(parsing: "disparate_impact <= 0.8")
    #expect(r.metric == .disparateImpact && r.comparison == .lessOrEqual && r.limit == 0.8)
    #expect(try FailOnRule(parsing: "equalized_odds_difference>0.1").comparison == .greater)
    #expect(throws: FairnessError.self) { try FailOnRule(parsing: "disparity<0.8") }
    #expect(throws: FairnessError.self) { try FailOnRule(parsing: "disparate_impact=0.8") }
    #expect(throws: FairnessError.self) { try FailOnRule(parsing: "disparate_impact<x") }
    let outcomes = Outcomes(scores: [0.9, 0.9, 0.1, 0.9], labels: nil, threshold: 0.5)
    let report = try BiasAnalysis.run(
      attributes: ["g"], values: [["a", "a", "b", "b"]], outcomes: outcomes, attributions: nil, inputs: nil,
      categorical: [], configuration: BiasConfiguration(bootstrap: nil))
    let verdicts = try r.evaluate(report)
    #expect(verdicts.count == 1 && verdicts[0].breached && verdicts[0].value == 0.5)
    #expect(throws: FairnessError.self) { try FailOnRule(parsing: "equal_opportunity_difference>0.1").evaluate(report) }
  }

  @Test("labels: the positive value, 0/1 columns, and errors")
  func labels() throws {
    #expect(try LabelCoding.binary(["<=50K", ">50K"], positive: ">50K", column: "y", source: "d").labels == [false, true])
    #expect(try LabelCoding.binary(["0", "1", "1"], positive: ">50K", column: "y", source: "d").labels == [false, true, true])
    #expect(throws: FairnessError.self) { try LabelCoding.binary(["a", "b", "c"], positive: nil, column: "y", source: "d") }
    #expect(throws: FairnessError.self) { try LabelCoding.binary(["yes", "no"], positive: nil, column: "y", source: "d") }
    #expect(throws: FairnessError.self) { try LabelCoding.binary(["1", ""], positive: nil, column: "y", source: "d") }
  }

  @Test("AUC and normalized mutual information")
  func association() {
    #expect(Association.auc([1, 2, 3, 4], positive: [false, false, true, true]) == 1)
    #expect(Association.auc([4, 3, 2, 1], positive: [false, false, true, true]) == 1)  // direction-free
    #expect(Association.auc([1, 1, 1, 1], positive: [false, true, false, true]) == 0.5)
    expectClose(Association.auc([1, 2, 3, 4, .nan], positive: [false, true, false, true, true]), 0.75)
    let membership: [Int32] = [0, 0, 1, 1, 2, 2]
    #expect(Association.normalizedMutualInformation([5, 5, 7, 7, 9, 9], membership: membership, groupCount: 3, categorical: true) == 1)
    #expect(Association.normalizedMutualInformation([1, 2, 1, 2, 1, 2], membership: membership, groupCount: 3, categorical: true) == 0)
  }

  @Test("the probe: sensitive share and counterfactual flips on a linear model")
  func probe() throws {
    let card = ModelCard(features: [
      ModelCard.Feature(name: "x"),
      ModelCard.Feature(name: "sex", kind: .categorical(labels: [("F", 0), ("M", 1)]), sensitive: true),
      ModelCard.Feature(name: "age", sensitive: true),
    ])
    let model = LinearModel(
      featureNames: ["x", "sex", "age"], coefficients: [[1, 2, 0.1]], intercepts: [-1.5], transform: .logistic,
      means: [0, 0.5, 10])
    let schema = FeatureSchema(names: model.featureNames, card: card)
    let probe = try SensitivityProbe(model: model, schema: schema)
    #expect(probe.sensitiveFeatures == [1, 2])
    let row = [0.0, 1, 10]  // margin 1.5 → selected; as F: −0.5 → not
    let e = try LinearSHAP(model: model, background: nil).explain(row, featureCount: 3)[0]
    let check = probe.probe(row: row, explanation: e)
    // φ = [0, 2·0.5, 0] → the sensitive share is 1.
    expectClose(check.sensitiveShare, 1)
    #expect(check.decision == 1)
    #expect(check.counterfactuals.count == 1)
    let c = check.counterfactuals[0]
    #expect(c.from == "M" && c.to == "F" && c.decision == 0 && c.flipped && check.anyFlip)
    expectClose(c.score, 1 / (1 + exp(0.5)))
    #expect(check.notes == ["age is numeric: not probed"])
    #expect(throws: FairnessError.self) { try SensitivityProbe(model: model, schema: schema, sensitive: ["race"]) }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
