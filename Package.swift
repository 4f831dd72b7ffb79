// swift-tools-version:6.0
import PackageDescription

/// tterminal: one executable (`tterminal`) whose roles are supervisor, feeder and worker.
/// Module boundaries follow DESIGN.md §8; each C library is imported by exactly one module.
let package = Package(
    name: "tterminal",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tterminal", targets: ["TTerminal"]),
        .executable(name: "tterminal-bench", targets: ["RingBench"]),
        .executable(name: "tterminal-parse-bench", targets: ["ParseBench"]),
        .executable(name: "tterminal-harness-bench", targets: ["HarnessBench"]),
        .executable(name: "tterminal-fanout-floor", targets: ["FanoutFloor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // C boundaries: small shims over libc and the Debian libraries.
        .target(name: "CPosix"),
        .systemLibrary(name: "CLibURing", path: "Sources/CLibURing"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        .target(name: "Posix", dependencies: ["CPosix"]),
        .target(name: "Market"),
        .target(name: "Simulator", dependencies: ["Market"]),
        .target(name: "WebSocketCore"),
        .target(name: "Runtime", dependencies: ["Posix", "Market"]),
        .target(name: "ShmRing", dependencies: [
            "Posix", .product(name: "Atomics", package: "swift-atomics"),
        ]),
        // The migrations are built into the binary (`Migration.embedded`); `migrations/` at the
        // root is a link to them.
        .target(name: "Store", dependencies: ["Posix", "CLibPQ"], resources: [.embedInCode("migrations")]),
        .target(name: "Cache", dependencies: ["Posix", "CHiredis"]),
        .target(name: "Analytics"),
        .target(name: "TLS", dependencies: ["COpenSSL"]),
        .target(name: "Net", dependencies: ["Posix", "TLS", "WebSocketCore"]),
        .target(name: "SimulatorServer", dependencies: ["Simulator", "Market", "Net", "Posix", "TLS", "WebSocketCore"]),
        .target(name: "Feeder", dependencies: ["ShmRing", "Market", "Posix", "Runtime", "Store", "CZlib", "Net", "TLS"]),
        .target(name: "Worker", dependencies: [
            "ShmRing", "Market", "Posix", "Runtime", "Supervisor", "CLibURing", "WebSocketCore", "Store", "Cache", "Analytics",
        ]),
        .target(name: "Supervisor", dependencies: ["ShmRing", "Posix", "Runtime"]),
        .target(name: "Loadtest", dependencies: [
            "Posix", "WebSocketCore", "Market", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .executableTarget(name: "TTerminal", dependencies: [
            "Supervisor", "Feeder", "Worker", "ShmRing", "Runtime", "Posix", "Store", "SimulatorServer", "Loadtest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "RingBench", dependencies: ["ShmRing", "Posix"], path: "Benchmarks/RingBench"),
        .executableTarget(name: "ParseBench", dependencies: ["Market"], path: "Benchmarks/ParseBench"),
        .executableTarget(name: "HarnessBench", dependencies: ["Loadtest", "Market", "Posix", "WebSocketCore"],
                          path: "Benchmarks/HarnessBench"),
        .executableTarget(name: "FanoutFloor", dependencies: [
            "Loadtest", "Posix", "CLibURing", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], path: "Benchmarks/FanoutFloor"),

        .testTarget(name: "PosixTests", dependencies: ["Posix"]),
        .testTarget(name: "ShmRingTests", dependencies: ["ShmRing", "Posix"]),
        .testTarget(name: "MarketTests", dependencies: ["Market", "Simulator"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "Market"]),
        .testTarget(name: "WebSocketCoreTests", dependencies: ["WebSocketCore", "Simulator"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Market"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "ShmRing", "WebSocketCore", "Simulator"]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor"]),
        .testTarget(name: "FeederTests", dependencies: ["Feeder", "ShmRing", "Market"]),
        // Private PostgreSQL clusters and Redis servers for tests that stop them under a client.
        .target(name: "TestServices", dependencies: ["Posix", "Cache"], path: "Tests/Support"),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestServices"]),
        .testTarget(name: "CacheTests", dependencies: ["Cache", "Posix", "TestServices"]),
        .testTarget(name: "AnalyticsTests", dependencies: ["Analytics"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS"]),
        .testTarget(name: "NetTests", dependencies: ["Net", "TLS", "Posix", "WebSocketCore"]),
        .testTarget(name: "SimulatorServerTests", dependencies: ["SimulatorServer", "Simulator", "Net", "Posix", "WebSocketCore", "Market"]),
        .testTarget(name: "LoadtestTests", dependencies: ["Loadtest", "Posix", "SimulatorServer"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Posix", "ShmRing", "Supervisor", "WebSocketCore", "Market", "TestServices"]),
    ],
    swiftLanguageModes: [.v6]
)
