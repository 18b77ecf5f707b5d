// swift-tools-version:6.0
import PackageDescription

/// glassbox: an explainability engine for tabular models, driven from the shell.
///
/// Modules depend one way only:
/// system → numerics → data → models → explainers → fairness, audit → reports → pipeline → CLI.
let package = Package(
  name: "glassbox",
  products: [
    .executable(name: "glassbox", targets: ["glassbox"]),
    .library(name: "GlassboxExplainers", targets: ["GlassboxExplainers"]),
    .library(name: "GlassboxPipeline", targets: ["GlassboxPipeline"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    // Models behind HTTP (Open Inference Protocol v2, MLflow); a fault-injecting server in tests.
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
    // Systems layer: file descriptors, parallel loops, JSON writing, the user-facing error protocol.
    .target(name: "GlassboxSystem"),
    .target(name: "GlassboxNumerics", dependencies: ["COpenBLAS", "GlassboxSystem"]),
    .target(name: "GlassboxData", dependencies: ["GlassboxNumerics", "GlassboxSystem"]),
    .target(
      name: "GlassboxModels",
      dependencies: [
        "GlassboxSystem", "GlassboxData", "GlassboxNumerics",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),
    .target(
      name: "GlassboxExplainers",
      dependencies: ["GlassboxSystem", "GlassboxModels", "GlassboxData", "GlassboxNumerics"]),
    // Models glassbox does not hold: a command over a line protocol (docs/model-protocol.md).
    .target(
      name: "GlassboxRemote",
      dependencies: [
        "GlassboxSystem", "GlassboxNumerics", "GlassboxData", "GlassboxModels",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ]),
    .target(
      name: "GlassboxFairness",
      dependencies: ["GlassboxSystem", "GlassboxExplainers", "GlassboxModels", "GlassboxData", "GlassboxNumerics"]),
    .target(
      name: "GlassboxAudit",
      dependencies: [
        "GlassboxSystem", "GlassboxExplainers", "GlassboxModels", "GlassboxData",
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    // Audit logs in SQLite and PostgreSQL, apart from GlassboxAudit so that the audit core
    // (and its fuzz target) builds without the database clients.
    .target(
      name: "GlassboxAuditStores",
      dependencies: [
        "GlassboxAudit", "GlassboxSystem",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
      ]),
    .target(
      name: "GlassboxReports",
      dependencies: [
        "GlassboxSystem", "GlassboxNumerics", "GlassboxExplainers", "GlassboxModels", "GlassboxData", "GlassboxAudit",
        "GlassboxFairness",
      ]),
    // The pipeline: reading, checking and encoding rows, explaining them in input order,
    // scoring, audit appends; the registry of explanation methods.
    .target(
      name: "GlassboxPipeline",
      dependencies: [
        "GlassboxSystem", "GlassboxReports", "GlassboxAudit", "GlassboxExplainers", "GlassboxModels", "GlassboxData",
        "GlassboxFairness",
      ]),
    .target(
      name: "GlassboxCLI",
      dependencies: [
        "GlassboxSystem", "GlassboxPipeline", "GlassboxReports", "GlassboxAudit", "GlassboxAuditStores",
        "GlassboxExplainers", "GlassboxModels", "GlassboxData", "GlassboxNumerics", "GlassboxFairness", "GlassboxRemote",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Release binaries ship without DWARF (symbols stay, so backtraces keep names): 5 MB
    // instead of 23 MB, which an audited run hashes for `tool.binary_sha256`.
    .executableTarget(
      name: "glassbox", dependencies: ["GlassboxCLI"],
      linkerSettings: [.unsafeFlags(["-Xlinker", "--strip-debug"], .when(configuration: .release))]),
    // docs/library.md: a CSV streamed to explanations with the library alone.
    .executableTarget(
      name: "glassbox-library-example",
      dependencies: ["GlassboxPipeline", "GlassboxReports", "GlassboxExplainers", "GlassboxModels", "GlassboxData"],
      path: "examples/library"),
    // Timings for the bench/ scripts (no assertions; not built by the tests' targets).
    .executableTarget(
      name: "glassbox-bench",
      dependencies: ["GlassboxExplainers", "GlassboxModels", "GlassboxData", "GlassboxNumerics"],
      path: "bench/GlassboxBench"),

    .target(
      name: "GlassboxTestSupport",
      dependencies: ["GlassboxSystem", "GlassboxNumerics", "GlassboxData", "GlassboxModels"],
      path: "Tests/GlassboxTestSupport"),
    .testTarget(name: "GlassboxSystemTests", dependencies: ["GlassboxSystem"]),
    .testTarget(
      name: "GlassboxNumericsTests", dependencies: ["GlassboxNumerics", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxDataTests", dependencies: ["GlassboxData", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxModelsTests",
      dependencies: ["GlassboxModels", "GlassboxData", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxExplainersTests",
      dependencies: ["GlassboxExplainers", "GlassboxModels", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxAuditTests",
      dependencies: [
        "GlassboxAudit", "GlassboxAuditStores", "GlassboxExplainers", "GlassboxTestSupport",
        .product(name: "GRDB", package: "GRDB.swift"),
      ]),
    .testTarget(
      name: "GlassboxFairnessTests", dependencies: ["GlassboxFairness", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxReportsTests",
      dependencies: ["GlassboxReports", "GlassboxExplainers", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxPipelineTests",
      dependencies: ["GlassboxPipeline", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxRemoteTests",
      dependencies: [
        "GlassboxRemote", "GlassboxModels", "GlassboxData", "GlassboxNumerics", "GlassboxExplainers", "GlassboxTestSupport",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]),
    .testTarget(
      name: "GlassboxCLITests",
      dependencies: [
        "GlassboxCLI", "GlassboxTestSupport",
        // An in-process model server for the audit tests of --model-url models.
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ],
      exclude: ["Snapshots"]),
  ]
)
