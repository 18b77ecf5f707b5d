import GlassboxData
import Testing

/// Inputs that must give an error, not trap. Each runs in a child process (an exit
/// test), so a trap fails only that test instead of ending the whole test run.
@Suite("No traps on hostile input")
struct CrashTests {
  @Test func hugeTrainingRowCountIsAnErrorNotATrap() async {
    await #expect(processExitsWith: .success) {
      let text = #"{"features": [], "training_data": {"path": "t.csv", "rows": 1e30}}"#
      do {
        _ = try ModelCard.parse(JSONParser.parse(Array(text.utf8), path: "c.json"), path: "c.json")
      } catch {
        guard let dataError = error as? DataError, case .invalidDocument(_, let field, _) = dataError,
          field == "training_data.rows"
        else { exit(2) }
      }
    }
  }

  @Test func rowSpecEndingAtIntMaxMerges() async {
    await #expect(processExitsWith: .success) {
      // Merging computes last.upperBound + 1 = Int.max + 1.
      // Either refusing the index or selecting exactly one row is fine.
      if let s = try? RowSelection("9223372036854775807,9223372036854775807") {
        guard s.ranges == [Int.max...Int.max], s.count == 1 else { exit(3) }
      }
    }
  }

  @Test func rowCountOfAHugeRangeDoesNotTrap() async {
    await #expect(processExitsWith: .success) {
      // 0…Int.max holds Int.max + 1 indices: the count must saturate or the spec be refused.
      if let s = try? RowSelection("0-9223372036854775807") { _ = s.count }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
