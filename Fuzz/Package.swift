// swift-tools-version:6.0
// JidoGuard fuzzers: a separate package so the main package's `swift build`/`swift test` never need
// libFuzzer. Build with `Fuzz/build` (ASan + libFuzzer, release); see Fuzz/README.md.
//
// Each fuzzer is an executable target whose only entry point is `LLVMFuzzerTestOneInput`
// (`@_cdecl`); libFuzzer supplies `main`. A target without `main.swift` is compiled by SwiftPM with
// `-parse-as-library`, so no top-level code is emitted and libFuzzer's `main` is the one linked.
//
// The invariant checks live in `Sources/FuzzCommon/FuzzChecks.swift`; the main package's tests replay
// the corpus through a byte-identical copy (`Tests/JidoCoreTests/FuzzReplay/FuzzChecks.swift`), and a
// test fails when the two copies differ (SwiftPM refuses target paths outside a package's root, so
// neither package can compile the other's file in place).
//
// `FuzzChecks` uses `@testable import JidoCore` (for the internal `CanonicalLayout` scanner): release
// builds need `-Xswiftc -enable-testing`, which `Fuzz/build` and `oss-fuzz/build.sh` pass.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory, so the main package's identity is the name
/// of the folder this checkout lives in (`jidoguard`, `wt-fuzz`, `src`, ...), not "JidoGuard".
let mainPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

/// The main package's test settings, so that FuzzChecks.swift compiles the same in both packages.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny")]

let fuzzers = ["decode", "verify", "session", "differential"]

let package = Package(
    name: "JidoGuardFuzz",
    products: fuzzers.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(path: "..")],
    targets: [
        .target(
            name: "FuzzCommon",
            dependencies: [.product(name: "JidoCore", package: mainPackage)],
            swiftSettings: settings
        ),
    ] + fuzzers.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzCommon"],
            swiftSettings: settings
        )
    }
)
