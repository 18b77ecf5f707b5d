import Foundation
import Testing

/// Headerless streaming as Spark's RDD.pipe or Hadoop Streaming drive it.
@Suite("glassbox streaming, end to end")
struct StreamingEndToEndTests {
  let model = "models/adult-logistic.json"
  let columns = "id,age,workclass,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"

  func dataLines(_ n: Int) throws -> [String] {
    let text = try String(contentsOfFile: Glassbox.root + "/datasets/adult.csv", encoding: .utf8)
    return text.split(separator: "\n").dropFirst().prefix(n).enumerated().map { "id-\($0.offset * 7)," + $0.element }
  }

  @Test("--columns reads a headerless input; --id-column leads every CSV line and JSON object")
  func headerlessWithIDs() throws {
    let lines = try dataLines(50)
    let run = try Glassbox.run(
      ["explain", "--model", model, "--data", "-", "--columns", columns, "--id-column", "id", "--format", "csv", "--no-header"],
      stdin: lines.joined(separator: "\n") + "\n")
    #expect(run.status == 0, "\(run.stderr)")
    let out = run.stdout.split(separator: "\n")
    #expect(out.count == 50)
    #expect(out[0].hasPrefix("id-0,0,,"))
    #expect(out[49].hasPrefix("id-343,49,,"))
    let json = try Glassbox.run(
      ["explain", "--model", model, "--data", "-", "--columns", columns, "--id-column", "id", "--format", "json"],
      stdin: lines[3] + "\n")
    #expect(try Glassbox.jsonLines(json.stdout)[0]["id"] as? String == "id-21")
  }

  @Test("any split of the input into partitions gives the same attributions, joined by id")
  func partitionIndependence() throws {
    let lines = try dataLines(300)
    func run(_ part: ArraySlice<String>) throws -> [String: Substring] {
      let r = try Glassbox.run(
        ["explain", "--model", model, "--data", "-", "--columns", columns, "--id-column", "id", "--format", "csv", "--no-header"],
        stdin: part.joined(separator: "\n") + "\n")
      #expect(r.status == 0, "\(r.stderr)")
      var byID: [String: Substring] = [:]
      for line in r.stdout.split(separator: "\n") {
        let cells = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        byID[String(cells[0])] = cells[2]  // drop the partition-local row number
      }
      return byID
    }
    let whole = try run(lines[...])
    var parts: [String: Substring] = [:]
    for range in [0..<17, 17..<150, 150..<151, 151..<300] { parts.merge(try run(lines[range])) { a, _ in a } }
    #expect(whole.count == 300)
    #expect(whole == parts)
  }

  @Test("each input line yields its output at once, before the input ends")
  func lineByLine() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Glassbox.binary)
    process.arguments = ["explain", "--model", model, "--data", "-", "--columns", columns, "--format", "csv", "--no-header"]
    process.currentDirectoryURL = URL(fileURLWithPath: Glassbox.root)
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer { process.terminate() }
    let lines = try dataLines(3)
    for (k, line) in lines.enumerated() {
      input.fileHandleForWriting.write(Data((line + "\n").utf8))
      // The answer for this line must arrive while the input is still open.
      let got = output.fileHandleForReading.availableDataWithin(seconds: 10)
      #expect(String(decoding: got, as: UTF8.self).hasPrefix("\(k),,"), "line \(k) got '\(String(decoding: got, as: UTF8.self))'")
    }
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
  }
}

extension FileHandle {
  /// Reads whatever arrives within `seconds` (at least one byte, or nothing on timeout).
  func availableDataWithin(seconds: Double) -> Data {
    var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
    guard poll(&poller, 1, Int32(seconds * 1000)) > 0 else { return Data() }
    usleep(50_000)  // let the rest of the line arrive
    return availableData
  }
}
