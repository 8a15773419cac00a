// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "writ",
    products: [
        .library(name: "WritKit", targets: ["WritCore", "WritSystem", "WritGit", "WritOps"]),
        .executable(name: "writ", targets: ["writ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
    ],
    targets: [
        .systemLibrary(
            name: "Clibgit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // writ's C code around libgit2: option wrappers, the counting
        // allocator, the staging object database backend.
        .target(
            name: "CWritGit",
            dependencies: ["Clibgit2"]
        ),
        // The layers, bottom up; a target sees only what it depends on, so
        // a dependency pointing the wrong way does not compile
        // (docs/architecture.md).
        //
        // Records, TOML and JSON readers, signatures, policy and decisions:
        // values and pure functions, no file, process or network I/O.
        .target(
            name: "WritCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The host: files with fsync discipline, subprocesses, env files,
        // parallel work.
        .target(
            name: "WritSystem",
            dependencies: ["WritCore"]
        ),
        // libgit2 behind Swift types, with errors of its own.
        .target(
            name: "WritGit",
            dependencies: ["Clibgit2", "CWritGit", "WritCore", "WritSystem"]
        ),
        // What writ does with an ops repo: ledger, governance, dispatch,
        // audit, transport, remotes, signing with keys and agents.
        .target(
            name: "WritOps",
            dependencies: [
                "WritCore", "WritSystem", "WritGit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The Model Context Protocol server `writ mcp` runs: an agent's
        // tools over the same propose, status and withdraw paths as the CLI.
        .target(
            name: "WritMCP",
            dependencies: [
                "WritCore", "WritSystem", "WritGit", "WritOps",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The sandbox ops repo the demo and the tests build.
        .target(
            name: "WritTestSupport",
            dependencies: ["WritCore", "WritSystem", "WritGit", "WritOps"]
        ),
        .executableTarget(
            name: "writ",
            dependencies: [
                "WritCore", "WritSystem", "WritGit", "WritOps", "WritMCP", "WritTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Bulk loaders that build large ops repos, for benchmarks and scale
        // tests only: not part of the library writ ships.
        .target(
            name: "WritBulkLoad",
            dependencies: ["WritCore", "WritGit", "WritOps", "WritTestSupport"]
        ),
        .executableTarget(
            name: "writ-bench",
            dependencies: ["WritCore", "WritSystem", "WritGit", "WritOps", "WritTestSupport", "WritBulkLoad"]
        ),
        .testTarget(
            name: "WritKitTests",
            // The executable is a dependency so that `swift test` builds the
            // `writ` binary the end-to-end tests run.
            dependencies: [
                "WritCore", "WritSystem", "WritGit", "WritOps", "WritMCP", "WritTestSupport", "WritBulkLoad", "writ",
            ],
            // Golden output files, read from the source tree by the tests.
            exclude: ["CLI/Golden", "MCP/Client", "Remote/Servers", "Transport/Servers"]
        ),
    ]
)
