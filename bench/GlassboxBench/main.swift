// glassbox-bench: the Swift side of the benchmarks under bench/ (timings, no assertions;
// the unit tests never run it). Build it in release:
//
//   swift build -c release --scratch-path .build-bench --product glassbox-bench
//   .build-bench/release/glassbox-bench kernel|lime|treeshap|predict
//
// Each benchmark reads its inputs from environment variables (listed in its file) and
// prints its results on standard output in the form the bench scripts parse.
import GlassboxNumerics

let benchmarks: [String: () throws -> Void] = [
  "kernel": KernelBench.run,
  "lime": LIMEBench.run,
  "treeshap": TreeSHAPBench.run,
  "predict": PredictBench.run,
]

let usage = "usage: glassbox-bench \(benchmarks.keys.sorted().joined(separator: "|")) (inputs from environment variables; see bench/README.md)"
guard CommandLine.arguments.count == 2, let benchmark = benchmarks[CommandLine.arguments[1]] else {
  Bench.fail(usage, status: 64)
}
// Results must not depend on OpenBLAS's threading; the benchmarks time one thread.
BLASRuntime.setThreads(1)
do {
  try benchmark()
} catch {
  Bench.fail("glassbox-bench: error: \(error)", status: 1)
}
