import Crypto
import Foundation
import Glibc
import RobotDaemon
import TestSupport
import Testing

/// `scripts/install.sh --with-webrtc`: self-hosted video. The GStreamer packages it asks for, robot-webrtc installed
/// beside robotd, the producer's token (created once, mode 0640 root:robot, never replaced), the line robot-server
/// needs for it, and robotd's `video` section — written into a new config, only printed for an existing one.
extension InstallScriptTests {
    static let gstreamerRuntime = [
        "libgstreamer1.0-0", "gstreamer1.0-plugins-base", "gstreamer1.0-plugins-good", "gstreamer1.0-plugins-bad",
        "gstreamer1.0-plugins-ugly", "gstreamer1.0-nice", "gstreamer1.0-alsa",
    ]
    static let gstreamerDevelopment = [
        "libgstreamer1.0-dev", "libgstreamer-plugins-base1.0-dev", "libgstreamer-plugins-bad1.0-dev",
    ]

    /// The packages install.sh names in a staged run: "… the robot needs: libmosquitto1 libi2c0 …".
    func packagesNamed(in output: String) throws -> [String] {
        let marker = "the robot needs: "
        let line = try #require(output.split(separator: "\n").first { $0.contains(marker) }, "\(output)")
        return line.split(separator: marker).last.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    /// The packages a staged run names: GStreamer's runtime with libnice and libcamera's element (the fake archive
    /// has it) are among them.
    func expectGStreamerRuntime(in output: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [String]
    {
        let packages = try packagesNamed(in: output)
        for package in Self.gstreamerRuntime + ["gstreamer1.0-libcamera"] {
            #expect(
                packages.contains(package), "the robot needs \(package): \(packages)", sourceLocation: sourceLocation)
        }
        return packages
    }

    /// What robot-server's `auth.tokens` needs for a token: its SHA-256 and the robot.
    func tokenLine(_ token: String, thing: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
        return #"{ "name": "\#(thing)-video", "sha256": "\#(digest)", "robots": ["\#(thing)"], "roles": ["produce"] }"#
    }

    @Test func withWebRTCItInstallsTheProducerItsTokenAndAConfigThatRunsIt() async throws {
        let system = try FakeSystem()
        try system.aptCache(knows: ["gstreamer1.0-libcamera"])
        let arguments = [
            "--binaries", system.binaries.path, "--with-webrtc", "--webrtc-server", "ws://192.168.1.20:8080",
        ]
        let first = try await system.install(arguments, environment: ["ROBOT_NAME": "rover-7"])
        expectSuccess(first)
        let out = first.standardOutput

        // The packages: GStreamer's runtime with libnice and libcamera's element (the archive has it); no
        // development files, as nothing is built here.
        let packages = try expectGStreamerRuntime(in: out)
        #expect(!packages.contains { $0.hasSuffix("-dev") }, "no -dev package without a build: \(packages)")
        #expect(system.calls.contains("apt-cache show gstreamer1.0-libcamera"))
        #expect(!system.calls.contains { $0.hasPrefix("apt-get") }, "a staged install installs no package")

        // robot-webrtc beside robotd, as robotd is installed.
        let binary = system.path("/usr/local/bin/robot-webrtc")
        #expect(try FileStatus(binary).mode == 0o755)
        #expect(try Data(contentsOf: binary) == Data(contentsOf: system.binaries.appending(path: "robot-webrtc")))

        // The token: 24 random bytes in hex, readable by robotd's group only.
        let robotGID = try #require(system.id(of: "robot", in: "group"))
        let tokenFile = system.path("/etc/robot/webrtc.token")
        let status = try FileStatus(tokenFile)
        #expect(status.mode == 0o640, "\(status)")
        if isRoot {
            #expect(status.uid == 0 && status.gid == robotGID, "root:robot: \(status)")
        }
        let tokenText = try String(contentsOf: tokenFile, encoding: .utf8)
        let token = tokenText.trimmingCharacters(in: .newlines)
        #expect(token.count == 48 && token.allSatisfy(\.isHexDigit), "openssl rand -hex 24: \(tokenText)")
        #expect(out.contains(tokenLine(token, thing: "rover-7")), "the line for robot-server's auth.tokens:\n\(out)")
        #expect(!out.contains(token), "the token itself is never printed")

        // The new config runs robot-webrtc with the token, without credentials (so without AWS), and robotd's
        // loader accepts it.
        let config = try RobotConfig.load(path: system.path("/etc/robot/config.json").path)
        #expect(config.thingName == "rover-7")
        #expect(config.credentials == nil, "self-hosted video needs no credentials section")
        #expect(config.video.enabled)
        #expect(
            config.video.command == [
                "/usr/local/bin/robot-webrtc", "--server", "ws://192.168.1.20:8080", "--thing", "{thingName}",
                "--token-file", "/etc/robot/webrtc.token", "--source", "libcamera",
            ])
        #expect(config.unknownKeys.isEmpty, "\(config.unknownKeys)")

        // Again: nothing to do; the token is kept byte for byte, and its line printed again.
        let before = try system.snapshot()
        let second = try await system.install(arguments, environment: ["ROBOT_NAME": "rover-7"])
        expectSuccess(second)
        #expect(second.standardOutput.contains("Nothing to do"), "\(second.standardOutput)")
        #expect(second.standardOutput.contains("ok: \(tokenFile.path) exists (left as it is)"))
        #expect(try String(contentsOf: tokenFile, encoding: .utf8) == tokenText, "the token is never replaced")
        #expect(try FileStatus(tokenFile) == status)
        #expect(second.standardOutput.contains(tokenLine(token, thing: "rover-7")))
        #expect(try system.snapshot() == before, "no file was written")
    }

    @Test func withWebRTCAnExistingConfigIsLeftAsItIsAndTheVideoSectionToPutInIsPrinted() async throws {
        // First a plain install (the KVS example's video and credentials sections), then --with-webrtc.
        let system = try FakeSystem()
        expectSuccess(try await system.install(["--binaries", system.binaries.path]))
        let configFile = system.path("/etc/robot/config.json")
        let configBefore = try Data(contentsOf: configFile)
        #expect(!FileManager.default.fileExists(atPath: system.path("/usr/local/bin/robot-webrtc").path))

        let result = try await system.install([
            "--binaries", system.binaries.path, "--with-webrtc", "--webrtc-source", "v4l2",
        ])
        expectSuccess(result)
        let out = result.standardOutput
        #expect(try Data(contentsOf: configFile) == configBefore, "a user's config is never rewritten")
        #expect(out.contains("done: install \(system.path("/usr/local/bin/robot-webrtc").path)"), "\(out)")
        #expect(out.contains("done: create \(system.path("/etc/robot/webrtc.token").path) (mode 640, root:robot)"))
        #expect(out.contains(#"warning: \#(configFile.path) is left as it is; for robot-webrtc, replace the "video""#))
        #expect(out.contains(#"delete its "credentials" section"#), "\(out)")
        #expect(out.contains("* Video: replace the \"video\" section"), "and it is among the next steps")

        // The printed section, pasted into a config, is one robotd accepts.
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: #"  "video": {"#), "a video section is printed:\n\(out)")
        let end = try #require(lines[start...].firstIndex(of: "  },"))
        let section = lines[start..<end].joined(separator: "\n") + "\n  }"
        // Beside the staged config, so that its certs/ (placeholders) resolve as the loader wants them.
        let pasted = system.path("/etc/robot/pasted.json")
        try FakeSystem.write(
            "{\n  \"thingName\": \"sts-pi\",\n  \"mqtt\": {\"endpoint\": \"broker.lan\"},\n\(section)\n}\n", to: pasted,
            mode: 0o600)
        let config = try RobotConfig.load(path: pasted.path)
        #expect(config.video.enabled && config.credentials == nil)
        #expect(
            config.video.command == [
                "/usr/local/bin/robot-webrtc", "--server", "ws://127.0.0.1:8080", "--thing", "{thingName}",
                "--token-file", "/etc/robot/webrtc.token", "--source", "v4l2",
            ])

        // Once the config runs robot-webrtc (edited by hand), install.sh says so and prints no section.
        let edited = try String(contentsOf: configFile, encoding: .utf8)
        let kvs = try #require(edited.range(of: #"  "credentials": {"#)?.lowerBound)
        let telemetry = try #require(edited.range(of: #"  "telemetry": {"#)?.lowerBound)
        try FakeSystem.write(
            String(edited[..<kvs]) + section + ",\n\n" + String(edited[telemetry...]), to: configFile, mode: 0o640)
        if isRoot, let robotGID = system.id(of: "robot", in: "group") {
            #expect(chown(configFile.path, 0, robotGID) == 0, "root:robot again, as install.sh left it")
        }
        let again = try await system.install(["--binaries", system.binaries.path, "--with-webrtc"])
        expectSuccess(again)
        #expect(again.standardOutput.contains("ok: \(configFile.path) runs robot-webrtc as its video producer"))
        #expect(!again.standardOutput.contains(#"  "video": {"#), "\(again.standardOutput)")
        #expect(again.standardOutput.contains("Nothing to do"), "\(again.standardOutput)")
        // On demand, the section all the same.
        let printed = try await system.install(["--binaries", system.binaries.path, "--print-video-config"])
        expectSuccess(printed)
        #expect(printed.standardOutput.contains(#"                "--token-file", "/etc/robot/webrtc.token""#))
    }

    @Test func withWebRTCAndAToolchainItBuildsRobotWebRTCLikeRobotdWithTheDevelopmentFiles() async throws {
        // The plan only (a release build takes minutes): a fake swift that is never run in a dry run.
        let system = try FakeSystem()
        let swift = system.folder.appending(path: "swift")
        try FakeSystem.write("#!/bin/sh\necho \"swift $*\" >>\"$FAKE_SYSTEM_LOG\"\nexit 1\n", to: swift, mode: 0o755)
        let result = try await system.install(["--swift", swift.path, "--with-webrtc", "--dry-run"])
        expectSuccess(result)
        let out = result.standardOutput
        let packages = try packagesNamed(in: out)
        for package in Self.gstreamerRuntime + Self.gstreamerDevelopment {
            #expect(packages.contains(package), "building needs \(package): \(packages)")
        }
        #expect(!packages.contains("gstreamer1.0-libcamera"), "not in this archive: \(packages)")
        let scratch = system.path("/var/cache/robot-build").path
        for product in ["robotd", "robot-webrtc"] {
            let build =
                "$ \(swift.path) build --package-path \(RepositoryPaths.root.path) --scratch-path \(scratch) -c release "
                + "--product \(product) --static-swift-stdlib"
            #expect(out.contains(build), "the plan has: \(build)\n\(out)")
            #expect(out.contains("would: install \(system.path("/usr/local/bin/\(product)").path) (after the build)"))
        }
        #expect(
            out.contains(
                "would: create \(system.path("/etc/robot/webrtc.token").path) (mode 640, root:robot): a new random token"
            ))
        #expect(!system.calls.contains { $0.hasPrefix("swift") }, "a dry run builds nothing")
        #expect(try FileManager.default.contentsOfDirectory(atPath: system.root.path).isEmpty, "nothing written")
    }

    @Test func withWebRTCOnTheRobotItInstallsTheGStreamerRuntime() async throws {
        // Not staged: a dry run against this machine with dpkg saying nothing is installed.
        let system = try FakeSystem()
        try system.aptCache(knows: ["gstreamer1.0-libcamera"])
        try FakeSystem.write("#!/bin/sh\nexit 1\n", to: system.bin.appending(path: "dpkg-query"), mode: 0o755)
        let result = try await system.install(
            ["--binaries", system.binaries.path, "--with-webrtc", "--dry-run"], staged: false)
        expectSuccess(result)
        let out = result.standardOutput
        let install = (Self.gstreamerRuntime + ["gstreamer1.0-libcamera"]).joined(separator: " ")
        #expect(out.contains(install), "apt-get gets: \(install)\n\(out)")
        #expect(out.contains("$ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends"))
        #expect(
            out.contains("would: install /usr/local/bin/robot-webrtc")
                || out.contains("would: update /usr/local/bin/robot-webrtc"), "\(out)")
        #expect(!system.calls.contains { $0.hasPrefix("apt-get") }, "a dry run only shows apt-get")
    }

    @Test(arguments: [
        (
            ["--with-webrtc", "--webrtc-server", "http://robot-server:8080"],
            "--webrtc-server 'http://robot-server:8080'"
        ),
        (["--with-webrtc", "--webrtc-server", #"ws://a"b"#], #"--webrtc-server 'ws://a"b' is not"#),
        (["--with-webrtc", "--webrtc-source", "rtsp://cam"], "--webrtc-source 'rtsp://cam' is not a source"),
    ])
    func badWebRTCInputIsOneClearLine(arguments: [String], message: String) async throws {
        let system = try FakeSystem()
        let result = try await system.install(["--binaries", system.binaries.path] + arguments)
        #expect(result.termination == .exited(1))
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: system.root.path).isEmpty, "nothing written")
    }

    @Test func withWebRTCPrebuiltBinariesMustIncludeRobotWebRTC() async throws {
        let system = try FakeSystem()
        try FileManager.default.removeItem(at: system.binaries.appending(path: "robot-webrtc"))
        let result = try await system.install(["--binaries", system.binaries.path, "--with-webrtc"])
        #expect(result.termination == .exited(1))
        #expect(
            result.standardError.contains("--binaries \(system.binaries.path) has no robot-webrtc"),
            "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: system.root.path).isEmpty, "nothing written")
    }
}
