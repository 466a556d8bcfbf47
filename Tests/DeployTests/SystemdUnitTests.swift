import Foundation
import RobotDaemon
import TestSupport
import Testing

/// The units in `systemd/`: `systemd-analyze verify` offline (a scratch root with the system's units and stub
/// binaries, no running systemd needed), the exposure `systemd-analyze security --offline` measures against the
/// level docs/INSTALL.md states, the settings the robot's safety relies on, and that `ExecStopPost=`'s command works.
@Suite(.timeLimit(.minutes(2))) struct SystemdUnitTests {
    static let units = ["robotd.service", "robot-server.service"]

    static func unitFile(_ name: String) -> URL {
        RepositoryPaths.root.appending(path: "systemd/\(name)")
    }

    /// `Key=value` lines of a unit, in order, without comments.
    static func settings(_ name: String) throws -> [(key: String, value: String)] {
        try String(contentsOf: unitFile(name), encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }

    static func values(_ key: String, in name: String) throws -> [String] {
        try settings(name).filter { $0.key == key }.map(\.value)
    }

    /// A root holding the system's own units (targets that ours refer to), stub binaries and our units.
    func verificationRoot() throws -> URL {
        let root = try ScratchDirectory.make("systemd-root")
        let files = FileManager.default
        let systemUnits = ["/usr/lib/systemd/system", "/lib/systemd/system"].first { files.fileExists(atPath: $0) }
        let installed = root.appending(path: "usr/lib/systemd", directoryHint: .isDirectory)
        try files.createDirectory(at: installed, withIntermediateDirectories: true)
        try files.copyItem(
            at: URL(filePath: try #require(systemUnits, "systemd is not installed")),
            to: installed.appending(path: "system"))
        let bin = root.appending(path: "usr/local/bin", directoryHint: .isDirectory)
        try files.createDirectory(at: bin, withIntermediateDirectories: true)
        for binary in ["robotd", "robot-server"] {
            try FakeSystem.write("#!/bin/sh\nexit 0\n", to: bin.appending(path: binary), mode: 0o755)
        }
        let units = root.appending(path: "etc/systemd/system", directoryHint: .isDirectory)
        try files.createDirectory(at: units, withIntermediateDirectories: true)
        for unit in Self.units {
            try files.copyItem(at: Self.unitFile(unit), to: units.appending(path: unit))
        }
        return root
    }

    @Test func bothUnitsPassSystemdAnalyzeVerify() async throws {
        let root = try verificationRoot()
        let result = try await ChildProcess.run(
            "systemd-analyze", ["verify", "--root=\(root.path)"] + Self.units, timeout: .seconds(60))
        #expect(result.termination == .exited(0), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty && result.standardError.isEmpty, "no warning at all: \(result)")

        // The check bites: a missing ExecStart= binary fails it.
        try FileManager.default.removeItem(at: root.appending(path: "usr/local/bin/robotd"))
        let broken = try await ChildProcess.run(
            "systemd-analyze", ["verify", "--root=\(root.path)", "robotd.service"], timeout: .seconds(60))
        #expect(broken.termination != .exited(0))
        #expect(broken.standardError.contains("Command /usr/local/bin/robotd is not executable"))
    }

    /// docs/INSTALL.md's table: "| `robotd.service` | 1.5 OK |".
    static func statedExposure(_ unit: String) throws -> Double? {
        let readme = try String(
            contentsOf: RepositoryPaths.root.appending(path: "docs/INSTALL.md"), encoding: .utf8)
        for line in readme.split(separator: "\n") where line.hasPrefix("| `\(unit)` |") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count >= 2, let level = cells[1].split(separator: " ").first { return Double(level) }
        }
        return nil
    }

    @Test(arguments: units)
    func exposureIsAtMostWhatReadmeStates(unit: String) async throws {
        let result = try await ChildProcess.run(
            "systemd-analyze", ["security", "--offline=true", Self.unitFile(unit).path], timeout: .seconds(60))
        #expect(result.termination == .exited(0), "\(result.standardError)")
        let prefix = "Overall exposure level for \(unit): "
        let line = try #require(
            result.standardOutput.split(separator: "\n").first { $0.contains(prefix) }, "\(result.standardOutput)")
        let words = line.split(separator: ":").last?.split(separator: " ") ?? []
        let measured = try #require(words.first.flatMap { Double($0) })
        let level = words.dropFirst().first.map(String.init) ?? ""
        let stated = try #require(try Self.statedExposure(unit), "docs/INSTALL.md states the exposure of \(unit)")
        #expect(measured <= stated, "\(unit): measured \(measured), docs/INSTALL.md says \(stated)")
        #expect(["OK", "SAFE", "PERFECT"].contains(level), "\(unit): \(line)")
    }

    @Test func robotdRunsAsRobotWithOnlyTheHATAndCameraDevicesAndIsHardened() throws {
        let unit = "robotd.service"
        let one = { (key: String) in try Self.values(key, in: unit) }
        #expect(try one("Type") == ["notify"])
        #expect(try one("NotifyAccess") == ["main"])
        #expect(try one("ExecStart") == ["/usr/local/bin/robotd run --config /etc/robot/config.json"])
        #expect(try one("ExecStopPost") == ["/usr/local/bin/robotd stop-motors --config /etc/robot/config.json"])
        #expect(try one("WatchdogSec") == ["3s"] && one("TimeoutAbortSec") == ["2s"], "a hung robotd dies within 5 s")
        #expect(try one("Restart") == ["on-failure"])
        #expect(try one("StartLimitBurst") == ["5"] && one("StartLimitIntervalSec") == ["120"], "a rate limit")
        #expect(try one("User") == ["robot"] && one("SupplementaryGroups") == ["i2c gpio video"])
        #expect(try one("DevicePolicy") == ["closed"])
        #expect(
            try one("DeviceAllow") == [
                "/dev/i2c-1 rw", "/dev/gpiochip0 rw", "char-video4linux rw", "char-media rw", "char-dma_heap rw",
            ])
        #expect(try one("ReadWritePaths").isEmpty, "nothing writable but its own state and runtime directories")
        // /run/robot: where robotd hands robot-webrtc the AWS credentials (video.credentialsFile's default).
        #expect(try one("RuntimeDirectory") == ["robot"] && one("RuntimeDirectoryMode") == ["0700"])
        #expect(RobotConfig.defaultCredentialsFile == "/run/robot/aws-credentials.json")
        let required = [
            "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
            "CapabilityBoundingSet=", "PrivateUsers=yes",
            "AmbientCapabilities=", "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectControlGroups=yes",
            "RestrictNamespaces=yes", "LockPersonality=yes", "MemoryDenyWriteExecute=yes", "RestrictRealtime=yes",
            "SystemCallFilter=@system-service", "SystemCallArchitectures=native", "UMask=0077",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK",
        ]
        let lines = try Self.settings(unit).map { "\($0.key)=\($0.value)" }
        for setting in required {
            #expect(lines.contains(setting), "robotd.service has \(setting)")
        }
    }

    @Test func robotServerHasNoDevicesAndNoFixedUser() throws {
        let unit = "robot-server.service"
        let lines = try Self.settings(unit).map { "\($0.key)=\($0.value)" }
        for setting in [
            "ExecStart=/usr/local/bin/robot-server --config /etc/robot/server.json", "DynamicUser=yes",
            "PrivateDevices=yes", "DevicePolicy=closed", "PrivateUsers=yes", "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "CapabilityBoundingSet=", "MemoryDenyWriteExecute=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "SystemCallFilter=@system-service", "UMask=0077", "Restart=on-failure",
        ] {
            #expect(lines.contains(setting), "robot-server.service has \(setting)")
        }
        #expect(try Self.values("DeviceAllow", in: unit).isEmpty)
    }

    /// `ExecStopPost=` is the last line of defence after a crash. Its command, as the unit spells it, run on
    /// the real binary with the simulated driver, exits 0 — see also `CommandLineTests`'
    /// `stopMotorsOpensTheHardwareStopsAndExits` and `StopMotorsTests` (a PCA9685 left driving ends full-off).
    @Test func execStopPostsCommandStopsTheMotorsAndExitsZero() async throws {
        let argv = try #require(try Self.values("ExecStopPost", in: "robotd.service").first).split(separator: " ")
            .map(String.init)
        #expect(argv.first == "/usr/local/bin/robotd")
        let pki = try TestPKI.make()
        let config = try RobotdHarness.writeConfig(
            pki: pki, port: 8883, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0)
        let arguments = argv.dropFirst().map { $0 == "/etc/robot/config.json" ? config.path : $0 }
        #expect(arguments == ["stop-motors", "--config", config.path])
        let result = try await ChildProcess.run(
            try RepositoryPaths.product("robotd").path, arguments, timeout: .seconds(20))
        #expect(result.termination == .exited(0), "\(result.standardError)")
        #expect(result.standardError.contains("motors stopped"))
    }
}
