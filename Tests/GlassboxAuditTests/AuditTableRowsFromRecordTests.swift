import Foundation
import GRDB
import GlassboxAudit
@testable import GlassboxAuditStores
import GlassboxData
import GlassboxExplainers
import GlassboxTestSupport
import Testing

@Suite("Query-table rows built from the record, paged reading, windowed table checks")
struct AuditTableRowsFromRecordTests {
  /// `income` numeric, `region` categorical, `sex` categorical and sensitive, `age` numeric and sensitive.
  func schema() -> FeatureSchema {
    let card = ModelCard(features: [
      ModelCard.Feature(name: "income"),
      ModelCard.Feature(name: "region", kind: .categorical(labels: [("North \"N\"", 0), ("Süd", 1)])),
      ModelCard.Feature(name: "sex", kind: .categorical(labels: [("Female", 0), ("Male", 1)]), sensitive: true),
      ModelCard.Feature(name: "age", sensitive: true),
    ])
    return FeatureSchema(names: ["income", "region", "sex", "age"], card: card)
  }

  /// Explanations with the values whose spelling in a line is not the number itself:
  /// NaN and infinities (`null`), ±0, missing inputs, labels, escapes, standard errors
  /// with and without a NaN, fewer inputs than attributions, huge rows, outputs and ids.
  func explanations() -> [Explanation] {
    var out: [Explanation] = []
    for row in 0..<6 {
      let phi = [0.25 * Double(row) - 0.5, -0.0, 0.0, 1e-300 * Double(row + 1)]
      out.append(
        Explanation(
          row: row, output: row % 2 == 0 ? nil : row, space: .raw, prediction: phi.reduce(-1, +), baseValue: -1,
          attributions: phi, inputs: [50_000 + Double(row) / 3, Double(row % 2), Double(row % 2), 17.5 + Double(row)]))
    }
    var unusual = Explanation(
      row: 1 << 60, output: 3, space: .probability, prediction: .nan, baseValue: .infinity,
      attributions: [-.infinity, -2, -3, -1], standardErrors: [0.5, 0.25, 0, 1e-9], inputs: [.nan, .nan, 1, .nan],
      notes: ["a note"])
    unusual.id = "applicant \"7\"\n\té"
    out.append(unusual)
    var partialErrors = out[2]
    partialErrors.standardErrors = [0.1, .nan, 0.3, 0.4]
    partialErrors.id = ""
    out.append(partialErrors)
    var shortInputs = out[3]
    shortInputs.inputs = [1, 0]
    shortInputs.standardErrors = [0.1, 0.2]
    out.append(shortInputs)
    return out
  }

  @Test(arguments: [false, true])
  func rowsBuiltFromTheRecordEqualTheRowsDerivedFromItsLine(redacted: Bool) throws {
    let redactor = redacted ? Redactor(key: Array("0123456789abcdef0123456789abcdef".utf8)) : nil
    let sources: [DataSource] = [
      .file(FileReference(path: "d.csv", sha256: "cd")), .standardInput, .stream(path: "-", sha256: "ef"), .instance,
    ]
    for data in sources {
      var context = auditContext(schema: schema())
      context.data = data
      let builder = AuditRecordBuilder(context: context, redactor: redactor, tableRows: true)
      var chain = HashChain()
      for record in builder.records(explanations(), milliseconds: 1_700_000_000_123) {
        var line: [UInt8] = []
        let previous = chain.head.lastHash
        chain.appendRecord(body: record.body, to: &line)
        let derived = AuditTableRows(line: Array(line.dropLast()), seq: 0)
        let built = try #require(record.tableRows).chained(prevHash: previous, hash: chain.head.lastHash)
        #expect(derived.records.count == 1 && derived.attributions.count >= 2)
        #expect(built == derived, "\(String(decoding: line, as: UTF8.self))")
      }
      // The body alone is what `bodies` gives, without rows.
      #expect(AuditRecordBuilder(context: context, redactor: redactor).records([explanations()[0]]).first?.tableRows == nil)
    }
  }

  @Test func keysetPagesVisitEveryRowOnceInOrderAndStopWhenAsked() {
    let keys = [-7, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]
    for pageRows in 1...12 {
      var fetches = 0
      var seen: [Int] = []
      KeysetPages.forEach(
        after: Int.min, pageRows: pageRows,
        fetch: { after, limit in
          fetches += 1
          return keys.filter { $0 > after }.prefix(limit).map { (key: $0, value: $0 * 10) }
        },
        { key, value in
          #expect(value == key * 10)
          seen.append(key)
          return true
        })
      #expect(seen == keys)
      #expect(fetches == keys.count / pageRows + 1)
      var stopped: [Int] = []
      KeysetPages.forEach(
        after: 3, pageRows: pageRows, fetch: { after, limit in keys.filter { $0 > after }.prefix(limit).map { ($0, ()) } },
        { key, _ in
          stopped.append(key)
          return stopped.count < 4
        })
      #expect(stopped == [5, 8, 13, 21])
    }
  }

  /// Writes `count` records through the SQLite store.
  func database(_ dir: TemporaryDirectory, count: Int) throws -> String {
    let path = dir.file("audit.db")
    let trail = try AuditTrail(store: SQLiteLogStore(path: path), context: auditContext())
    for start in stride(from: 0, to: count, by: 4) {
      try trail.record((start..<min(count, start + 4)).map { sampleExplanation(row: $0) })
    }
    try trail.finish()
    return path
  }

  /// The first difference a windowed check of `windowLines` finds.
  func windowedMismatch(_ path: String, windowLines: Int) throws -> (seq: Int, table: String)? {
    let store = SQLiteLogStore(path: path)
    var check = DerivedTablesCheck(store: store, windowLines: windowLines)
    var failure: AuditError?
    try store.forEachStoredLine { line in
      do throws(AuditError) { try check.add(line) } catch {
        failure = error
        return false
      }
      return true
    }
    if let failure { throw failure }
    return try check.finish()
  }

  @Test(arguments: [1, 3, 4, 1000])
  func aWindowedCheckFindsTheFirstEditWhicheverWindowItIsIn(windowLines: Int) throws {
    let dir = try TemporaryDirectory()
    let path = try database(dir, count: 10)
    #expect(try windowedMismatch(path, windowLines: windowLines) == nil)
    #expect(try AuditVerifier.verify(store: SQLiteLogStore(path: path)).failure == nil)
    try tamper(path) { db in try db.execute(sql: "UPDATE attributions SET attribution = attribution + 1e-9 WHERE seq = 8") }
    let changed = try windowedMismatch(path, windowLines: windowLines)
    #expect(changed?.seq == 8 && changed?.table == "attributions")
    try tamper(path) { db in try db.execute(sql: "DELETE FROM records WHERE seq = 5") }
    let deleted = try windowedMismatch(path, windowLines: windowLines)
    #expect(deleted?.seq == 5 && deleted?.table == "records")
    // Rows for a position after the last line: only the last comparison can see them.
    let otherDir = try TemporaryDirectory()
    let clean = try database(otherDir, count: 10)
    try tamper(clean) { db in try db.execute(sql: "INSERT INTO reason_codes (seq, rank, feature, phi) VALUES (50, 1, 'age', -1)") }
    let added = try windowedMismatch(clean, windowLines: windowLines)
    #expect(added?.seq == 50 && added?.table == "reason_codes")
    let report = try AuditVerifier.verify(store: SQLiteLogStore(path: clean))
    #expect(report.failure?.problem == .tables && report.failure?.seq == 50)
  }
}

@Suite("PostgreSQL URLs: TLS parameters as libpq reads them")
struct PostgresURLTests {
  @Test func sslmodeChoosesWhetherTLSIsOfferedOrEnforced() throws {
    let base = "postgres://auditor:secret@db.internal:5433/trail"
    let plain = try PostgresURL(base)
    #expect(!plain.configuration.tls.isAllowed)
    #expect(plain.location == "postgres://auditor@db.internal:5433/trail")
    #expect(!(try PostgresURL(base + "?sslmode=disable")).configuration.tls.isAllowed)
    let prefer = try PostgresURL(base + "?sslmode=prefer").configuration.tls
    #expect(prefer.isAllowed && !prefer.isEnforced)
    for mode in ["require", "verify-ca", "verify-full"] {
      let url = try PostgresURL(base + "?sslmode=" + mode)
      #expect(url.configuration.tls.isEnforced, "\(mode)")
      #expect(url.location == "postgres://auditor@db.internal:5433/trail?sslmode=" + mode)
    }
  }

  @Test func aBadParameterOrCertificateFileIsOneLineBeforeAnyConnection() throws {
    let base = "postgres://auditor@db.internal/trail"
    #expect(throws: AuditError.cannotRead(
      path: base + "?sslmode=always", reason: "sslmode must be one of disable, prefer, require, verify-ca, verify-full, not 'always'")
    ) { try PostgresURL(base + "?sslmode=always") }
    #expect(throws: AuditError.cannotRead(
      path: base + "?ssl=true", reason: "unknown parameter 'ssl'; the URL takes sslmode and sslrootcert")
    ) { try PostgresURL(base + "?ssl=true") }
    let dir = try TemporaryDirectory()
    try writeFile(dir.file("ca.pem"), Array("not a certificate\n".utf8))
    do {
      _ = try PostgresURL(base + "?sslmode=verify-full&sslrootcert=" + dir.file("ca.pem"))
      Issue.record("a file without a certificate was accepted")
    } catch {
      guard case .cannotRead(let path, let reason) = error else { throw error }
      #expect(path == dir.file("ca.pem") && reason.hasPrefix("not a usable PEM certificate file"))
    }
  }
}
