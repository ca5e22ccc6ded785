// swift-tools-version: 6.0
// Weave: an explicit-state model checker and Z3 prover for kernel protocols.
//
// Layers depend downward only. Each line names a module and every module it may import
// (Tests/WeaveDriverTests/LayeringTests.swift reads these lines and fails on any other
// import in Sources/, and on a dependency below that they do not allow):
//   layer WeaveSource:
//   layer WeaveSyntax: WeaveSource
//   layer WeaveIR: WeaveSource
//   layer WeaveSema: WeaveSource WeaveSyntax WeaveIR
//   layer CWeaveSupport:
//   layer WeaveExplorer: WeaveSource WeaveIR CWeaveSupport
//   layer CWeaveMPI:
//   layer WeaveMPI: CWeaveMPI WeaveExplorer
//   layer CZ3:
//   layer WeaveZ3: CZ3
//   layer WeaveProver: WeaveSource WeaveIR WeaveZ3
//   layer WeaveReport: WeaveSource WeaveIR
//   layer WeaveDriver: WeaveSource WeaveIR WeaveSema WeaveExplorer WeaveProver WeaveReport WeaveMPI
//   layer weave: WeaveDriver ArgumentParser
// Syntax and the IR are both built on Source only (the IR never sees the syntax); the two
// back ends are independent; only WeaveZ3 imports the CZ3 C module; reports read the
// neutral results beside Trace (WeaveIR), which the driver fills from either engine; the
// command line parses arguments and calls the driver; only WeaveMPI imports the CWeaveMPI
// C module, which loads Open MPI at run time (so `weave` runs without it, except
// `--distributed`).
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Weave",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "weave", targets: ["weave"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Z3 from Debian: `apt-get install libz3-dev` (the .ci/run script installs it).
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", pkgConfig: "z3",
                       providers: [.apt(["libz3-dev"])]),
        .target(name: "WeaveSource", swiftSettings: strict),
        .target(name: "WeaveSyntax", dependencies: ["WeaveSource"], swiftSettings: strict),
        .target(name: "WeaveIR", dependencies: ["WeaveSource"], swiftSettings: strict),
        .target(name: "WeaveSema", dependencies: ["WeaveSource", "WeaveSyntax", "WeaveIR"], swiftSettings: strict),
        // The search loop touches a few class fields per transition; Swift's dynamic
        // exclusivity checks on them cost ~12% of all instructions (callgrind). The
        // engine's mutable state is confined to one search thread, so they are off here.
        // A prefetch hint for the visited set (Swift has no intrinsic for it).
        .target(name: "CWeaveSupport"),
        .target(name: "WeaveExplorer", dependencies: ["WeaveSource", "WeaveIR", "CWeaveSupport"],
                swiftSettings: strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "WeaveZ3", dependencies: ["CZ3"], swiftSettings: strict),
        // Open MPI, dlopen'ed when `--distributed` runs (Debian: openmpi-bin, libopenmpi-dev).
        .target(name: "CWeaveMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "WeaveMPI", dependencies: ["CWeaveMPI", "WeaveExplorer"], swiftSettings: strict),
        .target(name: "WeaveProver", dependencies: ["WeaveSource", "WeaveIR", "WeaveZ3"], swiftSettings: strict),
        .target(name: "WeaveReport", dependencies: ["WeaveIR", "WeaveSource"], swiftSettings: strict),
        .target(name: "WeaveDriver",
                dependencies: ["WeaveSource", "WeaveIR", "WeaveSema",
                               "WeaveExplorer", "WeaveProver", "WeaveReport", "WeaveMPI"],
                swiftSettings: strict),
        .executableTarget(name: "weave",
                          dependencies: ["WeaveDriver",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),
        .testTarget(name: "WeaveSyntaxTests", dependencies: ["WeaveSyntax", "WeaveSource"], swiftSettings: strict),
        .testTarget(name: "WeaveSemaTests", dependencies: ["WeaveSema", "WeaveSyntax", "WeaveIR", "WeaveSource"], swiftSettings: strict),
        .testTarget(name: "WeaveExplorerTests", dependencies: ["WeaveExplorer", "WeaveDriver", "WeaveIR", "WeaveSema", "WeaveSource"], swiftSettings: strict),
        .testTarget(name: "WeaveZ3Tests", dependencies: ["WeaveZ3"], swiftSettings: strict),
        .testTarget(name: "WeaveDriverTests", dependencies: ["WeaveDriver", "WeaveSema", "WeaveExplorer", "WeaveIR", "WeaveSource", "WeaveProver"], swiftSettings: strict),
        .testTarget(name: "WeaveReportTests", dependencies: ["WeaveReport", "WeaveDriver", "WeaveExplorer", "WeaveIR", "WeaveSema", "WeaveSource"], swiftSettings: strict),
        .testTarget(name: "WeaveProverTests", dependencies: ["WeaveProver", "WeaveSema", "WeaveExplorer", "WeaveIR", "WeaveDriver"], swiftSettings: strict),
    ]
)
