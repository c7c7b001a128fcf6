// swift-tools-version:6.0
// JidoGuard fuzzers: a separate package so the main package's `swift build`/`swift test` never need
// libFuzzer. Build with `Fuzz/build` (ASan + libFuzzer, release); see Fuzz/README.md.
//
// Each fuzzer is an executable target whose only entry point is `LLVMFuzzerTestOneInput`
// (`@_cdecl`); libFuzzer supplies `main`. A target without `main.swift` is compiled by SwiftPM with
// `-parse-as-library`, so no top-level code is emitted and libFuzzer's `main` is the one linked.
//
// The invariants are not here: they are the main package's `JidoFuzzChecks` library (Sources/JidoFuzzChecks/),
// which the main package's tests also replay the corpus through. This package adds only the libFuzzer
// glue (`FuzzCommon/FuzzEntry.swift`: a violated invariant becomes a crash) and one entry point per
// fuzzer. `JidoFuzzChecks` imports JidoCore without `@testable` (what it needs is `package` there),
// so release builds need no `-enable-testing`.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory, so the main package's identity is the name
/// of the folder this checkout lives in (`jidoguard`, `wt-fuzz`, `src`, ...), not "JidoGuard".
let mainPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

/// The main package's test settings.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny")]

let fuzzers = ["decode", "verify", "session", "differential", "fastpath"]
let checks: Target.Dependency = .product(name: "JidoFuzzChecks", package: mainPackage)

let package = Package(
    name: "JidoGuardFuzz",
    products: fuzzers.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzCommon", dependencies: [checks], swiftSettings: settings),
    ] + fuzzers.map { name in
        .executableTarget(name: name, dependencies: ["FuzzCommon", checks], swiftSettings: settings)
    }
)
