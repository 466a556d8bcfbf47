// swift-tools-version:6.1
import PackageDescription

/// One set of settings for every Swift target: Swift 6 language mode (strict concurrency).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// apple/swift-system's `SystemPackage`: `Errno` for every error number.
let systemPackage: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")

let package = Package(
    name: "telepresence-robot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "robotd", targets: ["robotd"]),
        .executable(name: "drive-bench", targets: ["drive-bench"]),
        .executable(name: "robot-server", targets: ["robot-server"]),
        .executable(name: "server-bench", targets: ["server-bench"]),
        .executable(name: "robot-webrtc", targets: ["robot-webrtc"]),
        .executable(name: "relay-bench", targets: ["relay-bench"]),
        .executable(name: "video-bench", targets: ["video-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // MARK: C at the bottom
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .systemLibrary(
            name: "CI2C",
            providers: [.apt(["libi2c-dev"])]
        ),
        .target(name: "CGPIO"),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "CSpawn"),
        .target(name: "CTLSWriteBuffer", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CGStreamer",
            pkgConfig: "gstreamer-webrtc-1.0",
            providers: [.apt(["libgstreamer1.0-dev", "libgstreamer-plugins-bad1.0-dev"])]
        ),

        // MARK: Pure values, wire contracts and decisions (no sockets, no clocks, no threads)
        // Small value types every layer shares: wall-clock timestamps and civil dates, the capped back-off, the log
        // throttle, durations in milliseconds, errno names (on swift-system's Errno).
        .target(name: "Basics", dependencies: [systemPackage], swiftSettings: swiftSettings),
        // A strict JSON parser and writer (no Foundation).
        .target(name: "StrictJSON", swiftSettings: swiftSettings),
        // The <thing>/action and <thing>/telemetry contract, shared by robotd, robot-server and the benches.
        .target(name: "DriveProtocol", dependencies: ["Basics", "StrictJSON"], swiftSettings: swiftSettings),
        // The drive state machine and the stop-retry policy: events and time in, one action out.
        .target(name: "DriveControl", dependencies: ["DriveProtocol"], swiftSettings: swiftSettings),
        // The video producer's restarts and the credential refresh, as state machines.
        .target(name: "Supervision", dependencies: ["Basics"], swiftSettings: swiftSettings),
        // Config files: strict decoding with key-path errors, the shared mqtt section (reads the files it names).
        .target(name: "JSONConfig", dependencies: ["StrictJSON", systemPackage], swiftSettings: swiftSettings),
        // EventBridge-style content filters over JSON (the relay's rules).
        .target(name: "EventPattern", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        // The video signaling contract: every frame, its encoding and decoding, the limits (server and producer).
        .target(name: "SignalingProtocol", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        // Signature Version 4 (swift-crypto).
        .target(
            name: "AWSSigV4", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),

        // MARK: Linux I/O and library wrappers (a pure core inside where there is a decision: MQTT's
        // ConnectionMachine and DeliveryTracker)
        .target(
            name: "Hardware", dependencies: ["Basics", "CI2C", "CGPIO", systemPackage], swiftSettings: swiftSettings
        ),
        .target(
            name: "Motors",
            dependencies: ["Hardware", .product(name: "Logging", package: "swift-log"), systemPackage],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Battery", dependencies: ["Hardware", "StrictJSON"], swiftSettings: swiftSettings
        ),
        .target(
            name: "MQTT",
            dependencies: [
                "Basics", "CMosquitto", "CTLSWriteBuffer", "JSONConfig", "POSIXThreads",
                .product(name: "Logging", package: "swift-log"),
                systemPackage,
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "SystemdNotify", dependencies: [systemPackage], swiftSettings: swiftSettings),

        .target(
            name: "CredentialProvider", dependencies: ["Basics", "CCurl", "StrictJSON", "POSIXThreads"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProcessSpawn", dependencies: ["CSpawn", "POSIXThreads", systemPackage],
            swiftSettings: swiftSettings
        ),
        .target(name: "POSIXThreads", swiftSettings: swiftSettings),
        .target(name: "DeviceCertificate", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(
            name: "SQS",
            dependencies: [
                "AWSSigV4", "StrictJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KinesisVideo",
            dependencies: [
                "AWSSigV4", "StrictJSON", "Basics", "JSONConfig", systemPackage,
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RelayQueue",
            dependencies: ["Basics", "CSQLite", "POSIXThreads", systemPackage],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WebRTCProducer",
            dependencies: [
                "Basics", "CGStreamer", "StrictJSON", "SignalingProtocol", "POSIXThreads", "KinesisVideo",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Services: the shells that own the pure cores and wire the wrappers together (robotd's drive and video
        // services; the relay's plan, lanes and delivery policy; robot-server's routes, auth, limits and signaling)
        .target(
            name: "RobotDaemon",
            dependencies: [
                "StrictJSON", "JSONConfig", "DriveProtocol", "DriveControl", "Hardware", "Motors", "Battery", "MQTT",
                "SystemdNotify", "Basics",
                "Supervision", "CredentialProvider", "ProcessSpawn", "DeviceCertificate",
                .product(name: "Logging", package: "swift-log"), systemPackage,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "Relay",
            dependencies: [
                "Basics", "StrictJSON", "JSONConfig", "MQTT", "EventPattern", "AWSSigV4", "SQS", "RelayQueue",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "RobotServer",
            dependencies: [
                "Basics", "StrictJSON", "JSONConfig", "DriveProtocol", "MQTT", "Relay", "SignalingProtocol",
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The drive page, compiled into the binary (no bundle to install beside it).
            resources: [
                .embedInCode("Resources/index.html"), .embedInCode("Resources/app.css"),
                .embedInCode("Resources/app.js"), .embedInCode("Resources/page.js"),
                .embedInCode("Resources/signaling.js"), .embedInCode("Resources/peer.js"),
                .embedInCode("Resources/link.js"), .embedInCode("Resources/probe.js"),
                .embedInCode("Resources/drive.js"), .embedInCode("Resources/gamepad.js"),
                .embedInCode("Resources/sound.js"), .embedInCode("Resources/talk.js"),
                .embedInCode("Resources/telemetry.js"), .embedInCode("Resources/control.js"),
                .embedInCode("Resources/estop.js"), .embedInCode("Resources/battery.js"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Thin executables
        .executableTarget(
            name: "robotd",
            dependencies: [
                "RobotDaemon", "SystemdNotify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "drive-bench",
            dependencies: [
                "Basics", "MQTT", "StrictJSON", systemPackage,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "robot-server",
            dependencies: [
                "RobotServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "server-bench",
            dependencies: [
                "Basics", "MQTT", "StrictJSON", "DriveProtocol", "TestSupport", systemPackage,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // N simulated robots, one robot-server or two behind nginx: REST and telemetry at fleet scale
        // (scripts/bench-fleet.sh runs it).
        .executableTarget(
            name: "fleet-bench",
            dependencies: [
                "Basics", "MQTT", "StrictJSON", "DriveProtocol", "DriveControl", "RobotDaemon", "POSIXThreads",
                "TestSupport", systemPackage,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "robot-webrtc",
            dependencies: [
                "WebRTCProducer", "Basics", systemPackage,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "relay-queue-probe", dependencies: ["RelayQueue"], swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "relay-bench",
            dependencies: [
                "Basics", "MQTT", "StrictJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Glass-to-glass latency of the real stack in headless Chromium (scripts/bench-video.sh runs it).
        .executableTarget(
            name: "video-bench",
            dependencies: [
                "Basics", "BrowserControl", "StrictJSON", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // The NAT path on one machine: network namespaces, NATs, coturn and the whole stack (scripts/nat-demo.sh).
        .executableTarget(
            name: "nat-demo",
            dependencies: [
                "Basics", "BrowserControl", "NetworkLab", "StrictJSON", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        // Headless Chromium driven over the DevTools protocol: the browser tests and video-bench.
        .target(
            name: "BrowserControl",
            dependencies: [
                "Basics", "StrictJSON", "TestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Network namespaces with NAT routers, tc netem and coturn, and the stack started inside them: the
        // NATTraversal tests and nat-demo.
        .target(
            name: "NetworkLab",
            dependencies: [
                "Basics", "BrowserControl", "StrictJSON", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Basics", "Hardware", "MQTT", "DriveProtocol", "StrictJSON", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"), systemPackage,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JSONConfigTests", dependencies: ["JSONConfig", "StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DriveProtocolTests", dependencies: ["DriveProtocol", "Basics", "StrictJSON"], swiftSettings: swiftSettings
        ),
        .testTarget(name: "DriveControlTests", dependencies: ["DriveControl", "DriveProtocol"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HardwareTests",
            dependencies: [
                "Hardware", "TestSupport", "Basics", systemPackage,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BatteryTests", dependencies: ["Battery", "Hardware", "TestSupport", "StrictJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MotorsTests",
            dependencies: ["Motors", "Hardware", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "EventPatternTests", dependencies: ["EventPattern", "StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SignalingProtocolTests", dependencies: ["SignalingProtocol", "StrictJSON"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SQSTests", dependencies: ["AWSSigV4", "SQS", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client")],
            exclude: ["Fixtures"],  // AWS's SigV4 test suite, read from the repository (see its README)
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RelayQueueTests", dependencies: ["RelayQueue", "CSQLite", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RelayTests",
            dependencies: [
                "Relay", "RobotServer", "Basics", "EventPattern", "SQS", "RelayQueue", "MQTT", "StrictJSON",
                "JSONConfig", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VideoTests",
            dependencies: [
                "Basics", "RobotServer", "WebRTCProducer", "SignalingProtocol", "CGStreamer", "StrictJSON", "JSONConfig",
                "TestSupport", "MQTT", "BrowserControl",
                "DriveProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision", "Basics"], swiftSettings: swiftSettings),
        .testTarget(name: "BasicsTests", dependencies: ["Basics", systemPackage], swiftSettings: swiftSettings),
        // Unit tests of the server side's pure cores: no broker, no sockets (they run in parallel).
        .testTarget(
            name: "MQTTCoreTests",
            dependencies: [
                "MQTT", "Basics", "JSONConfig", .product(name: "Logging", package: "swift-log"),
                systemPackage,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RelayPolicyTests",
            dependencies: ["Relay", "RelayQueue", "JSONConfig", "StrictJSON", "Basics"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RobotServerUnitTests",
            dependencies: [
                "Basics", "RobotServer", "SignalingProtocol", "JSONConfig", "DriveProtocol", "StrictJSON", "TestSupport",
                "MQTT",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CredentialProviderTests", dependencies: ["CredentialProvider", "Basics", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProcessSpawnTests", dependencies: ["ProcessSpawn", "TestSupport", systemPackage],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeviceCertificateTests", dependencies: ["DeviceCertificate", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BrokerTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MQTTTests", dependencies: ["MQTT", "Basics", "CMosquitto", "CTLSWriteBuffer", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SystemdNotifyTests", dependencies: ["SystemdNotify", "TestSupport", systemPackage],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeployTests",
            dependencies: [
                "RobotDaemon", "SystemdNotify", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KVSTests",
            dependencies: [
                "KinesisVideo", "AWSSigV4", "WebRTCProducer", "SignalingProtocol", "RobotDaemon", "BrowserControl",
                "StrictJSON", "Basics", "MQTT", "TestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NATTraversalTests",
            dependencies: ["NetworkLab", "BrowserControl", "DriveProtocol", "StrictJSON", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RobotDaemonTests",
            dependencies: ["RobotDaemon", "DriveProtocol", "StrictJSON", "MQTT", "Hardware", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RobotServerTests",
            dependencies: [
                "RobotServer", "JSONConfig", "DriveProtocol", "StrictJSON", "MQTT", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
