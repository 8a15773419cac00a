// swift-tools-version:6.0
// libFuzzer targets for writ's parsers of untrusted bytes. A package of its
// own so that the main package's `swift build` and `swift test` never see
// these targets; scripts/fuzz builds it with
// `-sanitize=fuzzer,address -parse-as-library` into `.build-fuzz`. Each
// target's `@main` hands its test function to libFuzzer's driver, which
// fuzzes, or with file arguments runs just those inputs (how a saved crash
// is replayed).
import PackageDescription

let fuzzTargets = [
    "FuzzTOML", "FuzzRecords", "FuzzSSHSig", "FuzzAllowedSigners", "FuzzAuditEvent", "FuzzCommit", "FuzzTree",
]

let package = Package(
    name: "writ-fuzz",
    dependencies: [
        .package(name: "writ", path: "..")
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        // libFuzzer's driver entry point.
        .systemLibrary(name: "CLibFuzzer"),
        // libgit2, for the tree target to write raw tree objects.
        .systemLibrary(name: "CFuzzGit2", pkgConfig: "libgit2"),
    ]
        + fuzzTargets.map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "WritKit", package: "writ")]
                    + (name == "FuzzTree" ? ["CFuzzGit2"] : [])
            )
        }
)
