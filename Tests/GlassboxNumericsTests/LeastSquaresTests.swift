import GlassboxNumerics
import GlassboxTestSupport
import Testing

private let solvers: [LeastSquaresSolver] = [.qr, .svd]

/// Checks that `body` throws `.rankDeficient` with `columns` columns; returns the rank.
@discardableResult
private func expectRankDeficient(
  columns: Int, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws(LinearAlgebraError) -> [Double]
) -> Int? {
  do {
    let solution = try body()
    Issue.record("expected rankDeficient, got a solution \(solution)", sourceLocation: sourceLocation)
  } catch {
    if case .rankDeficient(_, let rank, let n) = error {
      #expect(n == columns, sourceLocation: sourceLocation)
      #expect(rank < columns, sourceLocation: sourceLocation)
      return rank
    }
    Issue.record("expected rankDeficient, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

@Suite("Least squares")
struct LeastSquaresTests {
  /// Columns 1, x, x² at x = −2…2.
  static let quadratic = Matrix((-2...2).map { (x: Int) -> [Double] in
    let t = Double(x)
    return [1, t, t * t]
  })

  @Test(arguments: solvers)
  func recoversExactCoefficientsOfANoiselessSystem(solver: LeastSquaresSolver) throws {
    let beta = [2.0, -1.0, 0.5]
    // y = 2 − x + x²/2 at x = −2, −1, 0, 1, 2.
    let y: [Double] = [6, 3.5, 2, 1.5, 2]  // 2+2+2, 2+1+0.5, 2, 2−1+0.5, 2−2+2
    let solution = try leastSquares(Self.quadratic, y, solver: solver)
    expectClose(solution, beta, rel: 1e-12, abs: 1e-13)
  }

  @Test(arguments: solvers)
  func squareSystemIsSolvedExactly(solver: LeastSquaresSolver) throws {
    // 2a + b = 5, a − 3b = −8  →  a = 1, b = 3.
    let solution = try leastSquares(Matrix([[2, 1], [1, -3]]), [5, -8], solver: solver)
    expectClose(solution, [1, 3], rel: 1e-13, abs: 1e-14)
  }

  @Test(arguments: solvers)
  func weightedLineMatchesNormalEquationsByHand(solver: LeastSquaresSolver) throws {
    let x = [0.0, 1, 2, 3, 4]
    let y = [1.0, 3, 2, 5, 4]
    let w = [1.0, 2, 1, 0.5, 3]
    // Minimize Σ w (y − a − b x)². Normal equations
    //   [Sw  Swx ] [a]   [Swy ]
    //   [Swx Swxx] [b] = [Swxy]
    // Sw   = 1 + 2 + 1 + 0.5 + 3                 = 7.5
    // Swx  = 0 + 2 + 2 + 1.5 + 12                = 17.5
    // Swxx = 0 + 2 + 4 + 4.5 + 48                = 58.5
    // Swy  = 1 + 6 + 2 + 2.5 + 12                = 23.5
    // Swxy = 0 + 6 + 4 + 7.5 + 48                = 65.5
    // det  = 7.5·58.5 − 17.5² = 438.75 − 306.25  = 132.5
    // a = (58.5·23.5 − 17.5·65.5) / det = (1374.75 − 1146.25) / 132.5 = 228.5 / 132.5
    // b = (7.5·65.5 − 17.5·23.5) / det  = (491.25 − 411.25) / 132.5   = 80 / 132.5
    let design = Matrix(x.map { [1, $0] })
    let solution = try leastSquares(design, y, weights: w, solver: solver)
    expectClose(solution, [228.5 / 132.5, 80 / 132.5], rel: 1e-13)
  }

  @Test(arguments: solvers)
  func integerWeightsEqualRepeatedRowsAndZeroWeightsDropRows(solver: LeastSquaresSolver) throws {
    var rng = Xoshiro256StarStar(seed: 5)
    let rows = (0..<8).map { _ in [1, rng.nextUnitDouble(), rng.nextGaussian()] }
    let y = (0..<8).map { _ in rng.nextGaussian() }
    let w = [2.0, 1, 0, 3, 1, 1, 0, 2]
    var repeatedRows: [[Double]] = []
    var repeatedY: [Double] = []
    for i in 0..<8 {
      for _ in 0..<Int(w[i]) {
        repeatedRows.append(rows[i])
        repeatedY.append(y[i])
      }
    }
    let weighted = try leastSquares(Matrix(rows), y, weights: w, solver: solver)
    let repeated = try leastSquares(Matrix(repeatedRows), repeatedY, solver: solver)
    expectClose(weighted, repeated, rel: 1e-10, abs: 1e-12)
  }

  @Test func qrAndSVDAgreeOnANoisyProblem() throws {
    var rng = Xoshiro256StarStar(seed: 2024)
    let m = 40, n = 5
    let rows = (0..<m).map { _ in (0..<n).map { _ in rng.nextGaussian() } }
    let y = rows.map { r in r.enumerated().reduce(0) { $0 + Double($1.offset + 1) * $1.element } + 0.1 * rng.nextGaussian() }
    let w = (0..<m).map { _ in 0.5 + rng.nextUnitDouble() }
    let a = Matrix(rows)
    let qr = try leastSquares(a, y, weights: w, solver: .qr)
    let svd = try leastSquares(a, y, weights: w, solver: .svd)
    expectClose(qr, svd, rel: 1e-10, abs: 1e-12)
    // The residual is orthogonal to the weighted columns: Aᵀ W (y − Aβ) = 0.
    let fitted = try a.multiplied(by: qr)
    let weightedResidual = (0..<m).map { w[$0] * (y[$0] - fitted[$0]) }
    let gradient = try a.multiplied(by: weightedResidual, transposed: true)
    expectClose(gradient, [Double](repeating: 0, count: n), abs: 1e-10)
    // The noise is small, so the coefficients are near 1…5.
    expectClose(qr, [1, 2, 3, 4, 5], abs: 0.1)
  }

  @Test(arguments: solvers)
  func duplicateColumnIsRankDeficient(solver: LeastSquaresSolver) {
    let rows = (0..<6).map { i -> [Double] in let x = Double(i); return [x, x * x - 1, x] }
    let y = (0..<6).map { Double($0) * 0.3 + 1 }
    let rank = expectRankDeficient(columns: 3) { () throws(LinearAlgebraError) in
      try leastSquares(Matrix(rows), y, solver: solver)
    }
    if solver == .svd { #expect(rank == 2) }
  }

  @Test(arguments: solvers)
  func scaledCopyOfAColumnIsRankDeficient(solver: LeastSquaresSolver) {
    let rows = (0..<6).map { i -> [Double] in let x = Double(i); return [1, x, -3 * x] }
    expectRankDeficient(columns: 3) { () throws(LinearAlgebraError) in
      try leastSquares(Matrix(rows), [1, 2, 3, 4, 5, 7], solver: solver)
    }
  }

  @Test(arguments: solvers)
  func zeroColumnIsRankDeficient(solver: LeastSquaresSolver) {
    let rows = (0..<5).map { i -> [Double] in [1, 0, Double(i)] }
    expectRankDeficient(columns: 3) { () throws(LinearAlgebraError) in
      try leastSquares(Matrix(rows), [1, 2, 3, 4, 5], solver: solver)
    }
  }

  @Test(arguments: solvers)
  func fewerRowsThanColumnsIsRankDeficient(solver: LeastSquaresSolver) {
    let rank = expectRankDeficient(columns: 3) { () throws(LinearAlgebraError) in
      try leastSquares(Matrix([[1, 2, 3], [4, 5, 7]]), [1, 2], solver: solver)
    }
    #expect(rank == 2)
  }

  @Test(arguments: solvers)
  func zeroWeightsThatRemoveRankAreRankDeficient(solver: LeastSquaresSolver) {
    // Only one row keeps a positive weight: a line cannot be determined.
    let a = Matrix([[1, 0], [1, 1], [1, 2]])
    expectRankDeficient(columns: 2) { () throws(LinearAlgebraError) in
      try leastSquares(a, [1, 2, 3], weights: [0, 1, 0], solver: solver)
    }
  }

  @Test(arguments: solvers)
  func nonFiniteInputThrows(solver: LeastSquaresSolver) {
    let a = Matrix([[1, 0], [1, 1], [1, 2]])
    #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares")) {
      try leastSquares(a, [1, .nan, 3], solver: solver)
    }
    #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares")) {
      try leastSquares(a, [1, .infinity, 3], solver: solver)
    }
    var withNaN = a
    withNaN[2, 1] = .nan
    #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares")) {
      try leastSquares(withNaN, [1, 2, 3], solver: solver)
    }
    #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares weights")) {
      try leastSquares(a, [1, 2, 3], weights: [1, -1, 1], solver: solver)
    }
    #expect(throws: LinearAlgebraError.nonFinite(operation: "least squares weights")) {
      try leastSquares(a, [1, 2, 3], weights: [1, .nan, 1], solver: solver)
    }
  }

  @Test func dimensionMismatchThrows() {
    let a = Matrix([[1, 0], [1, 1], [1, 2]])
    #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "least squares", expected: "3 targets", found: "2")) {
      try leastSquares(a, [1, 2])
    }
    #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "least squares", expected: "3 weights", found: "4")) {
      try leastSquares(a, [1, 2, 3], weights: [1, 1, 1, 1])
    }
  }

  @Test func noColumnsGivesNoCoefficients() throws {
    #expect(try leastSquares(Matrix(rows: 3, columns: 0), [1, 2, 3]) == [])
  }

  @Test func errorDescriptionsAreOneLine() {
    let e = LinearAlgebraError.rankDeficient(routine: "dgels", rank: 2, columns: 3)
    #expect(e.description.contains("rank 2 of 3"))
    #expect(!e.description.contains("\n"))
  }
}

@Suite("Ridge regression")
struct RidgeTests {
  static let x = Matrix([[1, 2], [2, 1], [3, 5], [4, 3], [5, 6], [6, 4]])
  static let y = [3.0, 1, 8, 4, 9, 7]
  static let w = [1.0, 2, 0.5, 1, 1.5, 1]

  /// β = (XcᵀWXc + αI)⁻¹ XcᵀWyc with weighted centring, the 2×2 inverse written out.
  static func closedForm(_ x: Matrix, _ y: [Double], _ w: [Double], alpha: Double) -> (intercept: Double, beta: [Double]) {
    let m = y.count
    let sw = w.reduce(0, +)
    var mean0 = 0.0, mean1 = 0.0, meanY = 0.0
    for i in 0..<m {
      mean0 += w[i] * x[i, 0]
      mean1 += w[i] * x[i, 1]
      meanY += w[i] * y[i]
    }
    mean0 /= sw
    mean1 /= sw
    meanY /= sw
    // M = XcᵀWXc + αI = [[p, q], [q, r]], v = XcᵀW yc.
    var p = alpha, q = 0.0, r = alpha, v0 = 0.0, v1 = 0.0
    for i in 0..<m {
      let a = x[i, 0] - mean0, b = x[i, 1] - mean1, c = y[i] - meanY
      p += w[i] * a * a
      q += w[i] * a * b
      r += w[i] * b * b
      v0 += w[i] * a * c
      v1 += w[i] * b * c
    }
    // [[p, q], [q, r]]⁻¹ = [[r, −q], [−q, p]] / (pr − q²).
    let det = p * r - q * q
    let beta0 = (r * v0 - q * v1) / det
    let beta1 = (-q * v0 + p * v1) / det
    return (meanY - mean0 * beta0 - mean1 * beta1, [beta0, beta1])
  }

  @Test(arguments: [0.0, 0.01, 0.7, 5, 1000])
  func matchesClosedForm(alpha: Double) throws {
    let fit = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: alpha)
    let expected = Self.closedForm(Self.x, Self.y, Self.w, alpha: alpha)
    expectClose(fit.coefficients, expected.beta, rel: 1e-10, abs: 1e-12)
    expectClose(fit.intercept, expected.intercept, rel: 1e-10, abs: 1e-12)
  }

  @Test func interceptIsNotPenalized() throws {
    // Shifting every target by 100 moves only the intercept, whatever α.
    let shifted = Self.y.map { $0 + 100 }
    let base = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: 3)
    let moved = try ridgeRegression(Self.x, shifted, weights: Self.w, alpha: 3)
    expectClose(moved.coefficients, base.coefficients, rel: 1e-10, abs: 1e-12)
    expectClose(moved.intercept, base.intercept + 100, rel: 1e-12)
    // A huge penalty shrinks β to 0 and leaves the weighted mean of y as intercept.
    let heavy = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: 1e12)
    let weightedMean = zip(Self.w, Self.y).reduce(0) { $0 + $1.0 * $1.1 } / Self.w.reduce(0, +)
    expectClose(heavy.coefficients, [0, 0], abs: 1e-9)
    expectClose(heavy.intercept, weightedMean, rel: 1e-9)
  }

  @Test func rSquaredFollowsItsDefinition() throws {
    for alpha in [0.0, 0.5, 20] {
      let fit = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: alpha)
      let sw = Self.w.reduce(0, +)
      let meanY = zip(Self.w, Self.y).reduce(0) { $0 + $1.0 * $1.1 } / sw
      var residual = 0.0, total = 0.0
      for i in 0..<Self.y.count {
        let prediction = fit.intercept + Self.x[i, 0] * fit.coefficients[0] + Self.x[i, 1] * fit.coefficients[1]
        residual += Self.w[i] * (Self.y[i] - prediction) * (Self.y[i] - prediction)
        total += Self.w[i] * (Self.y[i] - meanY) * (Self.y[i] - meanY)
      }
      expectClose(fit.rSquared, 1 - residual / total, rel: 1e-10)
      #expect(fit.rSquared <= 1)
    }
    // More penalty never improves the training fit.
    let r0 = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: 0).rSquared
    let r1 = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: 1).rSquared
    let r2 = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: 10).rSquared
    #expect(r0 >= r1 && r1 >= r2)
  }

  @Test func exactLinearDataIsRecoveredWithRSquaredOne() throws {
    // y = 1.5 + 2 x₀ − 0.5 x₁ exactly.
    let y = (0..<6).map { 1.5 + 2 * Self.x[$0, 0] - 0.5 * Self.x[$0, 1] }
    let fit = try ridgeRegression(Self.x, y, weights: Self.w, alpha: 0)
    expectClose(fit.coefficients, [2, -0.5], rel: 1e-12)
    expectClose(fit.intercept, 1.5, rel: 1e-12)
    expectClose(fit.rSquared, 1, rel: 1e-12)
  }

  @Test func alphaToZeroApproachesWeightedLeastSquares() throws {
    let design = Matrix((0..<6).map { [1, Self.x[$0, 0], Self.x[$0, 1]] })
    let ls = try leastSquares(design, Self.y, weights: Self.w)
    var previousGap = Double.infinity
    for alpha in [1.0, 1e-2, 1e-4, 1e-8] {
      let fit = try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: alpha)
      let gap = abs(fit.intercept - ls[0]) + abs(fit.coefficients[0] - ls[1]) + abs(fit.coefficients[1] - ls[2])
      #expect(gap < previousGap)
      previousGap = gap
    }
    #expect(previousGap < 1e-6)
  }

  @Test func invalidInputsThrow() {
    #expect(throws: LinearAlgebraError.self) { try ridgeRegression(Self.x, [1, 2], weights: Self.w, alpha: 1) }
    #expect(throws: LinearAlgebraError.self) { try ridgeRegression(Self.x, Self.y, weights: [1, 1], alpha: 1) }
    #expect(throws: LinearAlgebraError.nonFinite(operation: "ridge alpha")) {
      try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: -1)
    }
    #expect(throws: LinearAlgebraError.nonFinite(operation: "ridge alpha")) {
      try ridgeRegression(Self.x, Self.y, weights: Self.w, alpha: .nan)
    }
    #expect(throws: LinearAlgebraError.nonFinite(operation: "ridge weights")) {
      try ridgeRegression(Self.x, Self.y, weights: [Double](repeating: 0, count: 6), alpha: 1)
    }
    var withNaN = Self.x
    withNaN[3, 1] = .nan
    #expect(throws: LinearAlgebraError.self) { try ridgeRegression(withNaN, Self.y, weights: Self.w, alpha: 1) }
  }

  @Test func constantFeatureNeedsPenalty() throws {
    let constant = Matrix((0..<6).map { [Self.x[$0, 0], 4] })
    let error = #expect(throws: LinearAlgebraError.self) {
      try ridgeRegression(constant, Self.y, weights: Self.w, alpha: 0)
    }
    if case .rankDeficient = error {} else { Issue.record("expected rankDeficient, got \(String(describing: error))") }
    // With α > 0 the constant column simply gets coefficient 0.
    let fit = try ridgeRegression(constant, Self.y, weights: Self.w, alpha: 0.1)
    expectClose(fit.coefficients[1], 0, abs: 1e-12)
  }
}
