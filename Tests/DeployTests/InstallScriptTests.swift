import Foundation
import Glibc
import RobotDaemon
import TestSupport
import Testing

/// `scripts/install.sh` run for real into a staging root (`--root`), with fake system commands recording
/// what it asks of the machine: the tree it lays out, owners and modes, users and groups, the config it
/// writes, the units it enables — and that a second run, or a dry run, changes nothing.
@Suite(.timeLimit(.minutes(3))) struct InstallScriptTests {
    /// Owners can only be checked when the test, hence the script, runs as root.
    let isRoot = getuid() == 0

    func expectSuccess(_ result: ChildProcess.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            result.termination == .exited(0), "install.sh failed:\n\(result.standardOutput)\n\(result.standardError)",
            sourceLocation: sourceLocation)
    }

    @Test func aStagedInstallLaysOutTheRobotAndASecondRunChangesNothing() async throws {
        let system = try FakeSystem()
        let first = try await system.install(
            ["--binaries", system.binaries.path], environment: ["MOTOR_DRIVER": "adafruit", "ROBOT_NAME": "rover-7"])
        expectSuccess(first)
        #expect(first.standardOutput.contains("changes made"))

        // Users and groups, in the root's own database.
        for group in ["i2c", "gpio", "video"] {
            #expect(system.members(of: group) == ["robot"], "robot is in \(group)")
        }
        let robotUID = try #require(system.id(of: "robot", in: "passwd"))
        let robotGID = try #require(system.id(of: "robot", in: "group"))
        let passwd = try String(contentsOf: system.path("/etc/passwd"), encoding: .utf8)
        #expect(passwd.contains(":/var/lib/robot:/usr/sbin/nologin"), "a system user without a login shell")

        // The tree: (path, mode, owner uid, owner gid).
        let expected: [(String, UInt32, UInt32, UInt32)] = [
            ("/usr/local/bin/robotd", 0o755, 0, 0),
            ("/etc/robot", 0o755, 0, 0),
            ("/etc/robot/config.json", 0o640, 0, robotGID),
            ("/etc/robot/certs", 0o750, 0, robotGID),
            ("/etc/robot/certs/certificate.pem", 0o640, 0, robotGID),
            ("/etc/robot/certs/private.pem.key", 0o600, robotUID, robotGID),
            ("/etc/robot/certs/cacert.pem", 0o644, 0, 0),
            ("/etc/systemd/system/robotd.service", 0o644, 0, 0),
            ("/usr/local/share/doc/robot/README.md", 0o644, 0, 0),
        ]
        for (path, mode, uid, gid) in expected {
            let status = try FileStatus(system.path(path))
            #expect(status.mode == mode, "\(path): \(status)")
            if isRoot {
                #expect(status.uid == uid && status.gid == gid, "\(path): \(status)")
            }
        }
        #expect(
            try Data(contentsOf: system.path("/usr/local/bin/robotd"))
                == Data(contentsOf: system.binaries.appending(path: "robotd")))
        #expect(
            try Data(contentsOf: system.path("/etc/systemd/system/robotd.service"))
                == Data(contentsOf: RepositoryPaths.root.appending(path: "systemd/robotd.service")))
        #expect(
            try Data(contentsOf: system.path("/etc/robot/certs/cacert.pem"))
                == Data(contentsOf: system.certificateAuthority), "the CA was downloaded")
        let key = try String(contentsOf: system.path("/etc/robot/certs/private.pem.key"), encoding: .utf8)
        #expect(key.hasPrefix("PLACEHOLDER"))

        // Enabled (a wants symlink, made by systemctl --root), not started.
        let wants = system.path("/etc/systemd/system/multi-user.target.wants/robotd.service")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: wants.path)
                == "/etc/systemd/system/robotd.service")
        #expect(system.calls.contains("systemctl --root=\(system.root.path) enable robotd.service"))
        #expect(!system.calls.contains { $0.hasPrefix("systemctl") && $0.contains(" start") })
        #expect(!system.calls.contains { $0.hasPrefix("apt-get") || $0.hasPrefix("raspi-config") }, "\(system.calls)")
        #expect(first.standardOutput.contains("libmosquitto1 libi2c0"), "names the packages the robot needs")

        // The config: the example with MOTOR_DRIVER and ROBOT_NAME applied, and robotd's loader accepts it.
        let config = try RobotConfig.load(path: system.path("/etc/robot/config.json").path)
        #expect(config.thingName == "rover-7")
        #expect(config.motors.driver == "adafruit")
        #expect(config.motors.speed == 0.7 && config.motors.pwmFrequency == 1600)
        #expect(config.motors.invertLeft && config.motors.invertRight, "the original's Adafruit wiring")
        #expect(config.mqtt.keyFile == system.path("/etc/robot/certs/private.pem.key").path)

        // Again: nothing to do, and nothing is touched.
        let before = try system.snapshot()
        let callsBefore = system.calls.count
        let second = try await system.install(
            ["--binaries", system.binaries.path], environment: ["MOTOR_DRIVER": "adafruit", "ROBOT_NAME": "rover-7"])
        expectSuccess(second)
        #expect(
            second.standardOutput.contains("Nothing to do: everything was already installed and configured"),
            "\(second.standardOutput)")
        #expect(!second.standardOutput.contains("done:"))
        #expect(try system.snapshot() == before, "no file was written")
        let newCalls = system.calls.dropFirst(callsBefore)
        #expect(newCalls.allSatisfy { $0.contains(" is-enabled ") }, "only queries: \(Array(newCalls))")
    }

    @Test func withServerItInstallsRobotServerItsUnitAndAConfigOnlyItsGroupReads() async throws {
        let system = try FakeSystem()
        expectSuccess(try await system.install(["--binaries", system.binaries.path, "--with-server"]))
        let group = try #require(
            system.id(of: "robot-server-config", in: "group"), "the group robot-server reads through")
        for (path, mode, gid) in [
            ("/usr/local/bin/robot-server", UInt32(0o755), UInt32(0)),
            ("/etc/robot/server.json", 0o640, group),
            ("/etc/systemd/system/robot-server.service", 0o644, 0),
        ] {
            let status = try FileStatus(system.path(path))
            #expect(status.mode == mode, "\(path): \(status)")
            if isRoot {
                #expect(status.gid == gid, "\(path): \(status)")
            }
        }
        #expect(
            try Data(contentsOf: system.path("/etc/robot/server.json"))
                == Data(contentsOf: RepositoryPaths.root.appending(path: "server.json.example")))
        // …whose token hashes are placeholders: no default token works until the operator makes one.
        let installed = try String(contentsOf: system.path("/etc/robot/server.json"), encoding: .utf8)
        #expect(installed.firstMatch(of: /[0-9a-fA-F]{64}/) == nil && installed.contains("REPLACE-WITH-"))
        let again = try await system.install(["--binaries", system.binaries.path, "--with-server"])
        expectSuccess(again)
        #expect(again.standardOutput.contains("Nothing to do"), "\(again.standardOutput)")
    }

    @Test func anExistingConfigAndKeyAreNeverTouched() async throws {
        let system = try FakeSystem()
        let certs = system.path("/etc/robot/certs")
        try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
        let config = system.path("/etc/robot/config.json")
        let key = certs.appending(path: "private.pem.key")
        try FakeSystem.write(#"{"thingName":"mine"}"#, to: config, mode: 0o600)
        try FakeSystem.write("-----BEGIN PRIVATE KEY-----\nmine\n", to: key, mode: 0o644)
        let configBefore = try FileStatus(config)
        let keyBefore = try FileStatus(key)

        let result = try await system.install(["--binaries", system.binaries.path])
        expectSuccess(result)
        #expect(try String(contentsOf: config, encoding: .utf8) == #"{"thingName":"mine"}"#)
        #expect(try String(contentsOf: key, encoding: .utf8) == "-----BEGIN PRIVATE KEY-----\nmine\n")
        #expect(try FileStatus(config) == configBefore, "not even re-moded")
        #expect(try FileStatus(key) == keyBefore)
        #expect(result.standardOutput.contains("\(config.path) exists (left as it is)"))
        #expect(
            result.standardOutput.contains("\(key.path) is mode 644"), "a readable key is reported, with the fix")
        #expect(result.standardOutput.contains("sudo chmod 600 \(key.path)"))
        #expect(FileManager.default.fileExists(atPath: certs.appending(path: "certificate.pem").path))
    }

    @Test func aDryRunChangesNothingAndPrintsThePlan() async throws {
        let system = try FakeSystem()
        let result = try await system.install(["--binaries", system.binaries.path, "--dry-run"])
        expectSuccess(result)
        let out = result.standardOutput
        #expect(try FileManager.default.contentsOfDirectory(atPath: system.root.path).isEmpty, "nothing written")
        #expect(system.calls.allSatisfy { $0.contains(" is-enabled ") }, "only queries: \(system.calls)")
        for line in [
            "would: create group i2c", "$ groupadd --root \(system.root.path) --system gpio",
            "would: create system user robot", "would: add robot to i2c gpio video",
            "would: install \(system.path("/usr/local/bin/robotd").path)",
            "would: create \(system.path("/etc/robot/config.json").path) (mode 640, root:robot): "
                + "config.json.example with thingName sts-pi, driver explorerhat",
            "would: create \(system.path("/etc/robot/certs/private.pem.key").path) (mode 600, robot:robot)",
            "would: enable robotd.service (not started: configure it first)",
            "Dry run: nothing was changed;",
        ] {
            #expect(out.contains(line), "the plan has: \(line)\n\(out)")
        }

        // On an installed root the dry run has nothing to do.
        expectSuccess(try await system.install(["--binaries", system.binaries.path]))
        let before = try system.snapshot()
        let again = try await system.install(["--binaries", system.binaries.path, "--dry-run"])
        expectSuccess(again)
        #expect(again.standardOutput.contains("Dry run: nothing to do"), "\(again.standardOutput)")
        #expect(try system.snapshot() == before)
    }

    @Test func prebuiltBinariesAreStrippedAndStillRun() async throws {
        let system = try FakeSystem()
        let prebuilt = try ScratchDirectory.make("prebuilt")
        let built = try RepositoryPaths.product("robotd")
        try FileManager.default.copyItem(at: built, to: prebuilt.appending(path: "robotd"))
        let result = try await system.install(["--binaries", prebuilt.path])
        expectSuccess(result)
        let installed = system.path("/usr/local/bin/robotd")
        let size = { (url: URL) in try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0 }
        let (installedSize, builtSize) = (try size(installed), try size(built))
        #expect(installedSize < builtSize, "stripped: \(installedSize) < \(builtSize) bytes")
        let version = try await ChildProcess.run(installed.path, ["--version"])
        #expect(version.termination == .exited(0))
        #expect(version.standardOutput.split(separator: ".").count == 3)

        // A second run strips again and finds the same bytes: nothing to do.
        let again = try await system.install(["--binaries", prebuilt.path])
        #expect(again.standardOutput.contains("ok: \(installed.path)"), "\(again.standardOutput)")
    }

    @Test func withoutAToolchainOrBinariesItStopsBeforeChangingAnythingAndSaysHowToGetOne() async throws {
        let system = try FakeSystem()
        let result = try await system.install([], environment: ["ROBOT_SWIFT": "/nonexistent/swift"])
        #expect(result.termination == .exited(1))
        let message = result.standardError
        for text in [
            "no Swift toolchain found (/nonexistent/swift is not an executable)", "Nothing was changed",
            "https://www.swift.org/install/linux/", "swift build -c release --product robotd --static-swift-stdlib",
            "--binaries DIR",
        ] {
            #expect(message.contains(text), "the message has: \(text)\n\(message)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: system.root.path).isEmpty)
        #expect(system.calls.isEmpty)
    }

    @Test func withoutTheInternetTheCAIsReportedMissingAndTheRestInstalls() async throws {
        let system = try FakeSystem()
        let result = try await system.install(
            ["--binaries", system.binaries.path], environment: ["ROBOT_CA_URL": "http://127.0.0.1:1/AmazonRootCA1.pem"])
        expectSuccess(result)
        #expect(result.standardOutput.contains("warning: could not download the Amazon root CA"))
        #expect(
            result.standardOutput.contains(
                "sudo curl -fsSL -o /etc/robot/certs/cacert.pem https://www.amazontrust.com/repository/AmazonRootCA1.pem"
            ))
        #expect(!FileManager.default.fileExists(atPath: system.path("/etc/robot/certs/cacert.pem").path))
        #expect(FileManager.default.fileExists(atPath: system.path("/etc/robot/config.json").path))
    }

    @Test func theDefaultsAreTheExplorerHATAndStsPi() async throws {
        let system = try FakeSystem()
        expectSuccess(try await system.install(["--binaries", system.binaries.path]))
        let config = try RobotConfig.load(path: system.path("/etc/robot/config.json").path)
        #expect(config.thingName == "sts-pi")
        #expect(config.motors.driver == "explorerhat")
        #expect(!config.motors.invertLeft && !config.motors.invertRight)
    }

    @Test(arguments: [
        (["MOTOR_DRIVER": "pca"], [String](), "MOTOR_DRIVER must be adafruit, explorerhat or simulated, not 'pca'"),
        (["ROBOT_NAME": "my robot"], [], "ROBOT_NAME 'my robot' is not a valid thing name"),
        ([:], ["--frobnicate"], "unknown argument '--frobnicate'"),
        ([:], ["--root", "relative/dir"], "--root needs an absolute path"),
        ([:], ["--binaries", "/nonexistent"], "--binaries /nonexistent: no such folder"),
    ])
    func badInputIsOneClearLine(environment: [String: String], arguments: [String], message: String) async throws {
        let system = try FakeSystem()
        let result = try await system.install(arguments, environment: environment)
        #expect(result.termination == .exited(1))
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test func helpDescribesTheOptions() async throws {
        let result = try await FakeSystem().install(["--help"], staged: false)
        #expect(result.termination == .exited(0))
        for word in [
            "--source", "--repo", "--binaries", "--root", "--dry-run", "--with-kvs-producer", "--with-kvs-c-sdk",
            "--with-webrtc",
            "--webrtc-server", "--webrtc-source", "--print-video-config", "MOTOR_DRIVER",
        ] {
            #expect(result.standardOutput.contains(word), "help mentions \(word)")
        }
    }

    @Test func pipedIntoBashItNeedsASourceTreeAndWorksWithOne() async throws {
        let system = try FakeSystem()
        let script = RepositoryPaths.script("install.sh").path
        func piped(_ arguments: [String]) async throws -> ChildProcess.Result {
            try await ChildProcess.run(
                "bash", ["-c", #"bash -s -- "$@" < "$0""#, script] + arguments,
                environment: ["PATH": system.bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")],
                timeout: .seconds(60))
        }
        let bare = try await piped(["--root", system.root.path, "--dry-run"])
        #expect(bare.termination == .exited(1))
        #expect(bare.standardError.contains("no source tree"), "\(bare.standardError)")
        #expect(bare.standardError.contains("--source DIR"))
        let withSource = try await piped([
            "--root", system.root.path, "--dry-run", "--source", RepositoryPaths.root.path,
            "--binaries", system.binaries.path,
        ])
        #expect(withSource.termination == .exited(0), "\(withSource.standardError)")
        #expect(withSource.standardOutput.contains("ok: source tree \(RepositoryPaths.root.path)"))
        let withRepository = try await piped([
            "--root", system.root.path, "--dry-run", "--repo", "https://example.invalid/robot.git",
            "--binaries", system.binaries.path,
        ])
        #expect(withRepository.termination == .exited(0), "\(withRepository.standardError)")
        #expect(
            withRepository.standardOutput.contains(
                "$ git clone --depth 1 https://example.invalid/robot.git \(system.path("/usr/local/src/telepresence-robot").path)"
            ), "\(withRepository.standardOutput)")
    }

    @Test func theVideoProducerIsBuiltFromAPinnedReleaseOfTheSDK() async throws {
        // --with-kvs-c-sdk needs the internet, so here only its plan: what would be cloned, built and installed.
        let system = try FakeSystem()
        let result = try await system.install(["--binaries", system.binaries.path, "--with-kvs-c-sdk", "--dry-run"])
        expectSuccess(result)
        let out = result.standardOutput
        let folder = system.path("/var/cache/robot-build/kvs-webrtc-v1.10.2").path
        for line in [
            "$ git clone --depth 1 --branch v1.10.2 "
                + "https://github.com/awslabs/amazon-kinesis-video-streams-webrtc-sdk-c.git \(folder)",
            "$ cmake -S \(folder) -B \(folder)/build -DCMAKE_BUILD_TYPE=Release -DBUILD_STATIC_LIBS=TRUE",
            "$ cmake --build \(folder)/build",
            system.path("/opt/robot/kvsWebrtcClientMasterGstSample").path,
        ] {
            #expect(out.contains(line), "the plan has: \(line)\n\(out)")
        }
        for package in [
            "cmake", "libssl-dev", "libcurl4-openssl-dev", "libgstreamer1.0-dev", "libgstreamer-plugins-base1.0-dev",
            "gstreamer1.0-plugins-good", "gstreamer1.0-plugins-bad", "gstreamer1.0-plugins-ugly",
        ] {
            #expect(out.contains(" \(package)"), "needs \(package)")
        }
        #expect(!out.contains("Common.c"), "the SDK is used unmodified")
    }

    @Test func onTheRobotItInstallsMissingPackagesAndEnablesI2C() async throws {
        // Not staged: a dry run against this machine, with raspi-config saying I2C is off and dpkg saying
        // nothing is installed — the plan must show apt-get and raspi-config doing their part.
        let system = try FakeSystem()
        try FakeSystem.write(
            "#!/bin/sh\necho \"raspi-config $*\" >>\"$FAKE_SYSTEM_LOG\"\n[ \"$2\" = get_i2c ] && echo 1\nexit 0\n",
            to: system.bin.appending(path: "raspi-config.fake"), mode: 0o755)
        try FileManager.default.removeItem(at: system.bin.appending(path: "raspi-config"))
        try FileManager.default.moveItem(
            at: system.bin.appending(path: "raspi-config.fake"), to: system.bin.appending(path: "raspi-config"))
        try FakeSystem.write("#!/bin/sh\nexit 1\n", to: system.bin.appending(path: "dpkg-query"), mode: 0o755)
        let result = try await system.install(["--binaries", system.binaries.path, "--dry-run"], staged: false)
        expectSuccess(result)
        let out = result.standardOutput
        #expect(out.contains("would: install libmosquitto1 libi2c0 openssl ca-certificates curl"), "\(out)")
        #expect(out.contains("$ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends"))
        #expect(out.contains("$ raspi-config nonint do_i2c 0"))
        #expect(out.contains("Reboot once so that I2C"))
        #expect(
            system.calls.allSatisfy { $0.hasPrefix("raspi-config nonint get_") || $0.contains(" is-enabled ") },
            "queries only: \(system.calls)")
    }
}
