// swift-tools-version:6.0
// JidoGuard: a JidoCode-compatible, hardened session persistence core and the tools around it.
// No third-party Swift packages: Foundation, Glibc, Synchronization, Dispatch, XCTest/Swift Testing,
// and OpenSSL's libcrypto through a system library target.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Test targets: same language mode, ordinary (public) imports.
let testSettings: [SwiftSetting] = [.swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "JidoGuard",
    products: [
        .library(name: "JidoCore", targets: ["JidoCore"]),
        // The fuzzers' invariant checks, for Fuzz/'s separate package (a product so it can depend on them).
        .library(name: "JidoFuzzChecks", targets: ["JidoFuzzChecks"]),
        .executable(name: "jido-audit", targets: ["jido-audit"]),
        .executable(name: "jido-session", targets: ["jido-session"]),
        .executable(name: "jido-bench", targets: ["jido-bench"]),
        .executable(name: "jido-stress", targets: ["jido-stress"]),
    ],
    targets: [
        // OpenSSL libcrypto (Debian: libssl-dev), found through pkg-config.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // The few libc entry points Swift's Glibc module hides without _GNU_SOURCE.
        .target(name: "CSystemShims"),
        // Where a byte value occurs in a region, by SIMD compares (AVX2 or SSE2; Swift cannot express movemask), for the line scans.
        .target(name: "CByteSearch"),
        .target(
            name: "JidoCore",
            dependencies: ["CByteSearch", "CLibCrypto", "CSystemShims"],
            swiftSettings: strict
        ),
        // The fuzzers' invariants, written once: Fuzz/ links them into the libFuzzer targets, and
        // JidoCoreTests replays Corpus/ through them. Not @testable: JidoCore exposes what they need as `package`.
        .target(name: "JidoFuzzChecks", dependencies: ["JidoCore"], swiftSettings: strict),
        // The audit: checks, findings, baselines and safe fixes (no output formatting, no argv).
        // Schemas/ holds the JSON Schemas of the report and the baseline (data, not sources; the tests validate
        // real output against them).
        .target(name: "JidoAudit", dependencies: ["JidoCore"], exclude: ["Schemas"], swiftSettings: strict),
        // What the command-line tools share: the option parser and command specs (help, usage, completions and
        // man page generated from them), the key options (--home, --secret-file, --hostname), --otp, reading a
        // FILE argument, and the root command's driver (standard streams, exit statuses).
        .target(name: "JidoCommandLine", dependencies: ["JidoAudit", "JidoCore", "JidoToolSupport"], swiftSettings: strict),
        .target(name: "JidoAuditCLI", dependencies: ["JidoAudit", "JidoCommandLine", "JidoCore", "JidoToolSupport"], swiftSettings: strict),
        .executableTarget(name: "jido-audit", dependencies: ["JidoAuditCLI"], swiftSettings: strict),
        // jido-session: list, show, export and import session files (the executable is one line).
        .target(name: "JidoSessionCLI", dependencies: ["JidoAudit", "JidoCommandLine", "JidoCore", "JidoToolSupport"], swiftSettings: strict),
        .executableTarget(name: "jido-session", dependencies: ["JidoSessionCLI", "JidoCommandLine"], swiftSettings: strict),
        // What the tools share: the exit statuses and the usage error (all three), a seeded generator and a
        // small option parser (jido-bench and jido-stress).
        .target(name: "JidoToolSupport", swiftSettings: strict),
        .executableTarget(name: "jido-bench", dependencies: ["JidoCore", "JidoAudit", "JidoToolSupport"], swiftSettings: strict),
        // The stress harness: scenarios in a library (testable), a one-line executable.
        .target(name: "JidoStress", dependencies: ["JidoCore", "JidoAudit", "JidoToolSupport"], swiftSettings: strict),
        .executableTarget(name: "jido-stress", dependencies: ["JidoStress"], swiftSettings: strict),
        // Spawned by the tests for cross-process races and unprivileged access; not a product.
        .executableTarget(name: "jido-test-helper", dependencies: ["JidoCore"], swiftSettings: strict),
        // Helpers shared by the test targets (vectors, temporary directories, child processes).
        .target(name: "JidoTestSupport", dependencies: ["JidoCommandLine"], path: "Tests/JidoTestSupport", swiftSettings: testSettings),
        .testTarget(name: "JidoCoreTests", dependencies: ["JidoCore", "JidoFuzzChecks", "JidoTestSupport", "jido-test-helper"],
                    exclude: ["PublicAPI.txt"], swiftSettings: testSettings),
        .testTarget(name: "JidoAuditTests", dependencies: ["JidoAudit", "JidoCore", "JidoTestSupport"], swiftSettings: testSettings),
        .testTarget(name: "JidoAuditCLITests", dependencies: ["JidoAuditCLI", "JidoAudit", "JidoCommandLine", "JidoCore", "JidoTestSupport", "jido-audit"],
                    swiftSettings: testSettings),
        .testTarget(name: "JidoSessionCLITests", dependencies: ["JidoSessionCLI", "JidoCommandLine", "JidoCore", "JidoTestSupport", "jido-session"],
                    swiftSettings: testSettings),
        .testTarget(name: "JidoToolSupportTests", dependencies: ["JidoToolSupport"], swiftSettings: testSettings),
        .testTarget(name: "JidoStressTests", dependencies: ["JidoStress", "JidoCore", "JidoTestSupport", "jido-stress"], swiftSettings: testSettings),
        // JidoGuard against JidoCode's real code (../shared/oracle; the only tests that read ../shared): skipped
        // with one line when the oracle is not beside the checkout.
        .testTarget(name: "JidoInteropTests", dependencies: ["JidoCore", "JidoTestSupport", "JidoToolSupport", "jido-audit", "JidoSessionCLI"],
                    swiftSettings: testSettings),
    ]
)
