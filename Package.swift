// swift-tools-version:6.1
import PackageDescription

/// One set of settings for every Swift target: Swift 6 language mode (strict concurrency).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "telepresence-robot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "robotd", targets: ["robotd"]),
        .executable(name: "drive-bench", targets: ["drive-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
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

        // MARK: Pure domain (no I/O)
        .target(name: "StrictJSON", swiftSettings: swiftSettings),
        .target(name: "DriveProtocol", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        .target(name: "DriveControl", dependencies: ["DriveProtocol"], swiftSettings: swiftSettings),
        .target(name: "Supervision", swiftSettings: swiftSettings),

        // MARK: Linux I/O and library wrappers
        .target(name: "Hardware", dependencies: ["CI2C", "CGPIO"], swiftSettings: swiftSettings),
        .target(
            name: "Motors",
            dependencies: ["Hardware", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MQTT",
            dependencies: ["CMosquitto", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "SystemdNotify", swiftSettings: swiftSettings),

        .target(
            name: "CredentialProvider", dependencies: ["CCurl", "StrictJSON", "DriveProtocol"],
            swiftSettings: swiftSettings
        ),
        .target(name: "ProcessSpawn", dependencies: ["CSpawn"], swiftSettings: swiftSettings),
        .target(name: "DeviceCertificate", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),

        // MARK: Services
        .target(
            name: "RobotDaemon",
            dependencies: [
                "StrictJSON", "DriveProtocol", "DriveControl", "Hardware", "Motors", "MQTT", "SystemdNotify",
                "Supervision", "CredentialProvider", "ProcessSpawn", "DeviceCertificate",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
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
                "MQTT", "StrictJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: ["Hardware", "MQTT", "DriveProtocol", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "DriveProtocolTests", dependencies: ["DriveProtocol", "StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "DriveControlTests", dependencies: ["DriveControl", "DriveProtocol"], swiftSettings: swiftSettings),
        .testTarget(name: "HardwareTests", dependencies: ["Hardware", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MotorsTests",
            dependencies: ["Motors", "Hardware", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CredentialProviderTests", dependencies: ["CredentialProvider", "DriveProtocol", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProcessSpawnTests", dependencies: ["ProcessSpawn", "TestSupport"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeviceCertificateTests", dependencies: ["DeviceCertificate", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BrokerTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DeployTests",
            dependencies: ["RobotDaemon", "SystemdNotify", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RobotDaemonTests",
            dependencies: ["RobotDaemon", "DriveProtocol", "StrictJSON", "MQTT", "Hardware", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
    ]
)
