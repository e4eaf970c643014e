// swift-tools-version: 6.0
import PackageDescription

// Layers follow DESIGN.md §2: pure protocol machines (Crypto, Wire, DHT, Storage) know nothing of
// sockets or clocks; Net and Sim are the two drivers that run them; Peer composes; API and the CLI sit on top.
let package = Package(
    name: "cairn",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cairn", targets: ["cairn"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CISAL", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CMalloc"),

        .target(name: "CairnCrypto", dependencies: ["CSodium", "COpenSSL"]),
        .target(
            name: "CairnWire",
            dependencies: ["CairnCrypto", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(name: "CairnDHT", dependencies: ["CairnCrypto", "CairnWire"]),
        .target(
            name: "CairnStorage",
            dependencies: [
                "CairnCrypto", "CairnWire", "CISAL", "COpenSSL",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "CairnChain",
            dependencies: [
                "CairnCrypto", "CairnWire", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "CairnMarket",
            dependencies: [
                "CairnChain", "CairnStorage", "CairnCrypto", "CairnWire", .product(name: "NIOCore", package: "swift-nio"),
                // Persistent maps: a market state copied to check or apply one transaction shares all but the
                // paths it changes, instead of copying every agreement.
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "CairnPeer",
            dependencies: [
                "CairnCrypto", "CairnWire", "CairnDHT", "CairnStorage", "CairnChain", "CairnMarket",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "CairnNet",
            dependencies: [
                "CairnPeer", "CairnChain", "CairnWire", "CairnCrypto", "CairnDHT", "CairnStorage", "CMalloc",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "CairnSim",
            dependencies: [
                "CairnPeer", "CairnChain", "CairnDHT", "CairnWire", "CairnCrypto", "CairnStorage",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "CairnAPI",
            dependencies: [
                "CairnPeer", "CairnChain", "CairnMarket", "CairnNet", "CairnStorage", "CairnWire", "CairnCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/dashboard")]
        ),
        .executableTarget(
            name: "cairn",
            dependencies: [
                "CairnCrypto", "CairnWire", "CairnDHT", "CairnStorage", "CairnChain", "CairnMarket", "CairnPeer", "CairnNet",
                "CairnSim", "CairnAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        .testTarget(name: "CairnCryptoTests", dependencies: ["CairnCrypto"]),
        .testTarget(
            name: "CairnWireTests",
            dependencies: ["CairnWire", "CairnCrypto", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(name: "CairnDHTTests", dependencies: ["CairnDHT", "CairnWire", "CairnCrypto"]),
        .testTarget(
            name: "CairnStorageTests",
            dependencies: ["CairnStorage", "CairnCrypto", "CairnWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "CairnChainTests",
            dependencies: ["CairnChain", "CairnCrypto", "CairnWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "CairnMarketTests",
            dependencies: [
                "CairnMarket", "CairnChain", "CairnStorage", "CairnCrypto", "CairnWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CairnPeerTests",
            dependencies: [
                "CairnPeer", "CairnWire", "CairnDHT", "CairnCrypto", "CairnStorage", "CairnChain", "CairnMarket",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CairnSimTests",
            dependencies: [
                "CairnSim", "CairnChain", "CairnDHT", "CairnPeer", "CairnStorage", "CairnWire", "CairnCrypto",
                "CairnMarket",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CairnNetTests",
            dependencies: [
                "CairnNet", "CairnPeer", "CairnWire", "CairnCrypto", "CairnStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "CairnAPITests",
            dependencies: [
                "CairnAPI", "CairnChain", "CairnCrypto", "CairnMarket", "CairnPeer",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(name: "CairnCLITests", dependencies: ["cairn"]),
        .testTarget(name: "CairnIntegrationTests", dependencies: ["CairnCrypto", "CairnWire"]),
    ],
    swiftLanguageModes: [.v6]
)
