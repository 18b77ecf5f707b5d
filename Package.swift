// swift-tools-version:6.0
import PackageDescription

/// glassbox: an explainability engine for tabular models, driven from the shell.
///
/// Modules depend one way only:
/// numerics → data → models → explainers → reports → CLI.
let package = Package(
  name: "glassbox",
  products: [
    .executable(name: "glassbox", targets: ["glassbox"]),
    .library(name: "GlassboxExplainers", targets: ["GlassboxExplainers"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
    .target(name: "GlassboxNumerics", dependencies: ["COpenBLAS"]),
    .target(name: "GlassboxData", dependencies: ["GlassboxNumerics"]),
    .target(name: "GlassboxModels", dependencies: ["GlassboxData", "GlassboxNumerics"]),
    .target(
      name: "GlassboxExplainers",
      dependencies: ["GlassboxModels", "GlassboxData", "GlassboxNumerics"]),
    .target(
      name: "GlassboxFairness",
      dependencies: ["GlassboxExplainers", "GlassboxModels", "GlassboxData", "GlassboxNumerics"]),
    .target(
      name: "GlassboxAudit",
      dependencies: [
        "GlassboxExplainers", "GlassboxModels", "GlassboxData",
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(
      name: "GlassboxReports",
      dependencies: [
        "GlassboxExplainers", "GlassboxModels", "GlassboxData", "GlassboxAudit", "GlassboxFairness",
      ]),
    .target(
      name: "GlassboxCLI",
      dependencies: [
        "GlassboxReports", "GlassboxAudit", "GlassboxExplainers", "GlassboxModels", "GlassboxData",
        "GlassboxNumerics", "GlassboxFairness",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Release binaries ship without DWARF (symbols stay, so backtraces keep names): 5 MB
    // instead of 23 MB, which an audited run hashes for `tool.binary_sha256`.
    .executableTarget(
      name: "glassbox", dependencies: ["GlassboxCLI"],
      linkerSettings: [.unsafeFlags(["-Xlinker", "--strip-debug"], .when(configuration: .release))]),

    .target(
      name: "GlassboxTestSupport",
      dependencies: ["GlassboxNumerics", "GlassboxData", "GlassboxModels"],
      path: "Tests/GlassboxTestSupport"),
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
      dependencies: ["GlassboxAudit", "GlassboxExplainers", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxFairnessTests", dependencies: ["GlassboxFairness", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxReportsTests",
      dependencies: ["GlassboxReports", "GlassboxExplainers", "GlassboxTestSupport"]),
    .testTarget(
      name: "GlassboxCLITests",
      dependencies: ["GlassboxCLI", "GlassboxTestSupport"]),
  ]
)
