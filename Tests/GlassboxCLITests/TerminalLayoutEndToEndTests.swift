import Foundation
import Testing

/// The terminal reports at 80 and 160 columns: nothing runs past the width, labels stay
/// whole while bars shrink, the axis marks the base value and the prediction, and long
/// text wraps with an indent instead of being cut.
@Suite("Terminal layout at 80 and 160 columns")
struct TerminalLayoutEndToEndTests {
  static let xgboost = Glassbox.root + "/models/adult-xgboost.json"
  static let logistic = Glassbox.root + "/models/adult-logistic.json"
  static let train = Glassbox.root + "/datasets/adult.csv"
  static let test = Glassbox.root + "/datasets/adult-test.csv"

  /// The lines of a run at `columns`, with the widest line's width on screen.
  func lines(_ arguments: [String], columns: Int) throws -> [String] {
    let run = try Glassbox.run(arguments, environment: ["COLUMNS": String(columns), "NO_COLOR": "1"])
    #expect(run.status == 0, "\(arguments): \(run.stderr)")
    return run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  @Test("the waterfall fits, keeps labels whole and marks base value and prediction", arguments: [80, 160])
  func waterfall(columns: Int) throws {
    let out = try lines(
      ["explain", "--model", Self.xgboost, "--data", Self.train, "--rows", "1", "--format", "table"], columns: columns)
    let widest = out.map(\.count).max() ?? 0
    #expect(widest <= columns, "a line is \(widest) columns wide at \(columns)")
    // The longest label of this row is printed whole.
    let label = "hours-per-week = 13 hours per week"
    let row = try #require(out.first { $0.contains(label) })
    // The number stays near its label: bars are at most 48 columns wide.
    let valueStart = try #require(row.range(of: "-1.061")).lowerBound
    let gap = row.distance(from: row.range(of: label)!.upperBound, to: valueStart)
    #expect(gap <= 52, "the value sits \(gap) columns after its label")
    let axis = try #require(out.first { $0.contains("●") && $0.contains("◆") && $0.contains("─") })
    // Base value −1.189 lies left of the prediction −0.667 on this row's axis.
    #expect(axis.firstIndex(of: "●")! < axis.firstIndex(of: "◆")!)
    #expect(out.contains { $0.contains("● base value  ◆ prediction") })
  }

  @Test("check's tables fit and findings are not cut", arguments: [80, 160])
  func check(columns: Int) throws {
    let out = try lines(
      ["check", "--model", Self.logistic, "--data", Self.test, "--background", Self.train, "--format", "table"],
      columns: columns)
    let widest = out.map(\.count).max() ?? 0
    #expect(widest <= columns, "a line is \(widest) columns wide at \(columns)")
    #expect(!out.contains { $0.contains("…") && $0.contains("repeats") })
    // A duplicate names the row it repeats, and the text is there in full.
    #expect(out.contains { $0.contains("repeats row ") && $0.hasSuffix("cell for cell") })
    // Every column's drift is shown, in one table or in the second one.
    #expect(out.filter { $0.hasSuffix("stable") }.count == 13)
  }

  @Test("bias tables fit, with a legend for the bars", arguments: [80, 160])
  func bias(columns: Int) throws {
    let out = try lines(
      ["bias", "--model", Self.logistic, "--data", Self.test, "--sensitive", "sex", "--label", "income",
       "--format", "table", "--bootstrap", "50"], columns: columns)
    let widest = out.map(\.count).max() ?? 0
    #expect(widest <= columns, "a line is \(widest) columns wide at \(columns)")
    #expect(out.contains { $0.hasPrefix("bars: selection rate") })
    // The label-based rates are shown at both widths (inline, or in their own table).
    #expect(out.contains { $0.contains("tpr") && $0.contains("accuracy") })
    #expect(out.contains { $0.hasPrefix("Female") && $0.contains("0.471") })
  }

  @Test("an --instance is called an instance")
  func instanceHeading() throws {
    let instance = """
      age=30,workclass=Private,education=Bachelors,education-num=13,marital-status=Never-married,\
      occupation=Sales,relationship=Not-in-family,race=White,sex=Male,capital-gain=0,capital-loss=0,\
      hours-per-week=40,native-country=United-States
      """
    let table = try lines(["explain", "--model", Self.logistic, "--instance", instance, "--format", "table"], columns: 80)
    #expect(table.first?.hasPrefix("Instance · adult-logistic.json") == true, "\(table.first ?? "")")
    let markdown = try lines(["explain", "--model", Self.logistic, "--instance", instance, "--format", "markdown"], columns: 80)
    #expect(markdown.first == "### Instance")
  }
}
