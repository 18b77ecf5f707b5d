import Foundation
import Testing

/// A model that overflows for some input: the run stops with exit 65 naming the row and
/// the value, instead of writing null or empty cells (issue #18, item 9).
@Suite("only finite numbers leave glassbox, end to end")
struct FiniteOutputEndToEndTests {
  /// Margin = 1e300·a + b: finite for ordinary inputs, +∞ once a > ~1.8e8.
  let model = """
    {"format":"glassbox-linear","features":["a","b"],"coefficients":[1e300,1],"intercept":0,\
    "means":[0,0],"link":"identity"}
    """

  @Test("--data: the overflowing row fails with its line and row; earlier rows are fine")
  func batchRowNamed() throws {
    let scratch = ScratchFolder()
    let modelPath = scratch.write("m.json", model)
    let data = scratch.write("x.csv", "a,b\n1e-300,1\n2e-300,2\n1e10,3\n3e-300,4\n")
    let run = try Glassbox.run(["explain", "--model", modelPath, "--data", data, "--format", "csv"])
    #expect(run.status == 65, "stderr: \(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1, "stderr: \(run.stderr)")
    // 1e10 is the third data row (index 2), on line 4 after the header.
    #expect(run.stderr.contains("x.csv:4 (data row 2): the prediction is inf"), "stderr: \(run.stderr)")
    #expect(!run.stdout.contains("inf") && !run.stdout.contains("null"), "stdout: \(run.stdout)")

    let fine = scratch.write("y.csv", "a,b\n1e-300,1\n2e-300,2\n")
    let ok = try Glassbox.run(["explain", "--model", modelPath, "--data", fine, "--format", "csv"])
    #expect(ok.status == 0, "stderr: \(ok.stderr)")
  }

  @Test("--instance: an overflowing instance fails naming --instance and the value")
  func instanceNamed() throws {
    let scratch = ScratchFolder()
    let modelPath = scratch.write("m.json", model)
    let log = scratch.path + "/audit.log"
    let run = try Glassbox.run(["explain", "--model", modelPath, "--instance", "a=-1e10,b=1", "--audit", log])
    #expect(run.status == 65, "stderr: \(run.stderr)")
    #expect(run.stderr.contains("--instance: the prediction is -inf"), "stderr: \(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1, "stderr: \(run.stderr)")
    // No audit record was written for the value glassbox could not compute.
    let verify = try Glassbox.run(["audit", "verify", log])
    #expect(verify.stdout.contains("intact: 0 record(s)"), "stdout: \(verify.stdout) stderr: \(verify.stderr)")
    // The same instance with a finite margin is recorded.
    let okLog = scratch.path + "/ok.log"
    let ok = try Glassbox.run(["explain", "--model", modelPath, "--instance", "a=-1e-300,b=1", "--audit", okLog])
    #expect(ok.status == 0, "stderr: \(ok.stderr)")
    let okVerify = try Glassbox.run(["audit", "verify", okLog])
    #expect(okVerify.stdout.contains("intact: 1 record(s)"), "stdout: \(okVerify.stdout) stderr: \(okVerify.stderr)")
  }
}
