import GlassboxModels

/// Tree prediction throughput: GLASSBOX_PREDICT_BENCH names a tree model,
/// GLASSBOX_PREDICT_ROWS a CSV of encoded rows (cycled to GLASSBOX_PREDICT_COUNT rows,
/// default 5000). Prints the best of GLASSBOX_PREDICT_REPEAT (20) runs of the block-wise
/// predictor and of the row-by-row reference walk.
enum PredictBench {
  static func run() throws {
    let modelPath = try Bench.required("GLASSBOX_PREDICT_BENCH")
    guard let model = try ModelLoader.load(path: modelPath).model as? TreeEnsemble else {
      throw BenchError("\(modelPath) is not a tree ensemble")
    }
    let m = model.featureCount
    let (source, _) = try Bench.readNumbers(try Bench.required("GLASSBOX_PREDICT_ROWS"))
    guard !source.isEmpty else { throw BenchError("GLASSBOX_PREDICT_ROWS holds no rows") }
    let count = Bench.integer("GLASSBOX_PREDICT_COUNT", default: 5000)
    var rows: [Double] = []
    while rows.count < count * m { rows += source }
    rows = Array(rows[0..<(count * m)])
    var out = [Double](repeating: 0, count: count * model.outputCount)
    let clock = ContinuousClock()
    let repeats = Bench.integer("GLASSBOX_PREDICT_REPEAT", default: 20)
    for (label, fast) in [("fast", true), ("reference", false)] {
      var best = Double.infinity
      for _ in 0..<repeats {
        let t = clock.measure {
          rows.withUnsafeBufferPointer { r in
            out.withUnsafeMutableBufferPointer { o in
              if fast {
                model.predictMargins(r, count: count, into: o)
              } else {
                model.referenceMargins(r, count: count, into: o)
              }
            }
          }
        }
        best = min(best, Bench.seconds(t))
      }
      print("predict-bench \(label) rows=\(count) seconds=\(best) rows/s=\(Double(count) / best)")
    }
  }
}
