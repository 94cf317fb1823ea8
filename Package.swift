// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-socketio-cluster",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "EngineIO", targets: ["EngineIO"]),
        .library(name: "SocketIOProtocol", targets: ["SocketIOProtocol"]),
        .library(name: "MessagePack", targets: ["MessagePack"]),
        .library(name: "SocketIO", targets: ["SocketIO"]),
        .executable(name: "engineio-echo", targets: ["engineio-echo"]),
        .executable(name: "socketio-echo", targets: ["socketio-echo"]),
        .executable(name: "socketio-fixture", targets: ["socketio-fixture"]),
        .library(name: "SocketIORedis", targets: ["SocketIORedis"]),
        .executable(name: "socketio-node", targets: ["socketio-node"]),
        .executable(name: "socketio-bench", targets: ["socketio-bench"]),
        .executable(name: "socketio-emit", targets: ["socketio-emit"]),
        .library(name: "SocketIOCluster", targets: ["SocketIOCluster"]),
        .library(name: "SocketIOTLS", targets: ["SocketIOTLS"]),
        .executable(name: "socketio-fuzz", targets: ["socketio-fuzz"]),
        .library(name: "SocketIOHummingbird", targets: ["SocketIOHummingbird"]),
        .executable(name: "hummingbird-chat-example", targets: ["hummingbird-chat-example"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Only its core and router are built (no TLS, HTTP/2 or test client); no traits, so neither
        // swift-configuration nor full Foundation is pulled in.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
    ],
    targets: [
        .target(
            name: "EngineIO",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                "CZlib",
            ]
        ),
        // zlib for WebSocket permessage-deflate (RFC 7692), from the system (`zlib1g-dev`).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .executableTarget(
            name: "engineio-echo",
            dependencies: [
                "EngineIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SocketIO",
            dependencies: [
                "EngineIO",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "socketio-echo",
            dependencies: [
                "SocketIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "socketio-fixture",
            dependencies: [
                "SocketIO",
                "SocketIOTLS",
                "SocketIORedis",
                "SocketIOProtocol",
                "EngineIO",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(
            name: "CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "SocketIORedis",
            dependencies: [
                "CHiredis",
                "EngineIO",
                "SocketIO",
                "SocketIOProtocol",
                "MessagePack",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SocketIOTLS",
            dependencies: [
                "EngineIO",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "socketio-node",
            dependencies: [
                "SocketIO",
                "SocketIORedis",
                "SocketIOCluster",
                "SocketIOProtocol",
                "EngineIO",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                "SocketIOTLS",
            ]
        ),
        .executableTarget(
            name: "socketio-bench",
            dependencies: [
                "SocketIOProtocol",
                "EngineIO",
                "MessagePack",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "socketio-emit",
            dependencies: [
                "SocketIORedis",
                "SocketIOProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "SocketIOCluster",
            dependencies: [
                "EngineIO",
                "SocketIORedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Serves Engine.IO/Socket.IO at the engine's path inside a Hummingbird 2 application, on the
        // application's own port (`HTTPServerBuilder.socketIO(_:)`).
        .target(
            name: "SocketIOHummingbird",
            dependencies: [
                "EngineIO",
                "SocketIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "hummingbird-chat-example",
            dependencies: [
                "SocketIO",
                "SocketIOHummingbird",
                "SocketIOProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/HummingbirdChat"
        ),
        .target(name: "MessagePack"),
        // The fuzz targets (Fuzz/README.md): one entry point per decoder of outside bytes, run under
        // libFuzzer by `socketio-fuzz` (`make fuzz`) and replayed over the committed corpora by the tests.
        .target(
            name: "SocketIOFuzzTargets",
            dependencies: [
                "EngineIO",
                "MessagePack",
                "SocketIO",
                "SocketIOCluster",
                "SocketIOProtocol",
                "SocketIORedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "socketio-fuzz", dependencies: ["SocketIOFuzzTargets"]),
        .target(
            name: "SocketIOProtocol",
            dependencies: [
                "MessagePack",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .testTarget(
            name: "EngineIOTests",
            dependencies: [
                "EngineIO",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "MessagePackTests", dependencies: ["MessagePack"]),
        // What the Socket.IO tests share: a WebSocket test client, an in-process server, bounded waits.
        .target(
            name: "SocketIOTestSupport",
            dependencies: [
                "SocketIO",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/SocketIOTestSupport"
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: ["SocketIO", "EngineIO", "SocketIOProtocol", "SocketIOCluster", "SocketIOTestSupport"]
        ),
        .testTarget(
            name: "SocketIORedisTests",
            dependencies: [
                "SocketIORedis", "SocketIO", "SocketIOTestSupport", "MessagePack", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "SocketIOProtocolTests", dependencies: ["SocketIOProtocol", "MessagePack"]),
        .testTarget(name: "FuzzReplayTests", dependencies: ["SocketIOFuzzTargets"]),
    ],
    swiftLanguageModes: [.v6]
)
