import Foundation
import RobotDaemon
import TestSupport
import Testing

/// `scripts/install.sh --with-kvs-producer`: video on AWS with robot-webrtc as the Kinesis Video Streams master.
/// robot-webrtc and the GStreamer runtime installed as for self-hosted video, but no token (no robot-server), the
/// `credentials` section kept, and robotd's `video.kvs` section — written into a new config, only printed for an
/// existing one. `--with-kvs-c-sdk` is the C SDK sample's build (`theVideoProducerIsBuiltFromAPinnedReleaseOfTheSDK`).
extension InstallScriptTests {
    @Test func withKVSProducerItInstallsRobotWebRTCAndAConfigThatRunsItAsTheMaster() async throws {
        let system = try FakeSystem()
        try system.aptCache(knows: ["gstreamer1.0-libcamera"])
        let arguments = ["--binaries", system.binaries.path, "--with-kvs-producer", "--webrtc-source", "v4l2"]
        let first = try await system.install(arguments, environment: ["ROBOT_NAME": "rover-7"])
        expectSuccess(first)
        let out = first.standardOutput

        let packages = try expectGStreamerRuntime(in: out)
        #expect(!packages.contains("cmake") && !packages.contains("liblog4cplus-dev"), "no C SDK build: \(packages)")
        let binary = system.path("/usr/local/bin/robot-webrtc")
        #expect(try FileStatus(binary).mode == 0o755)
        #expect(try Data(contentsOf: binary) == Data(contentsOf: system.binaries.appending(path: "robot-webrtc")))
        #expect(!FileManager.default.fileExists(atPath: system.path("/etc/robot/webrtc.token").path), "no token")
        #expect(!FileManager.default.fileExists(atPath: system.path("/opt/robot").path), "no C SDK sample")

        // The new config: credentials kept, robot-webrtc as the master on the thing's channel, its credentials in
        // the unit's runtime directory.
        let config = try RobotConfig.load(path: system.path("/etc/robot/config.json").path)
        #expect(config.thingName == "rover-7")
        #expect(config.credentials?.roleAlias == "robot-camera-streaming-role-alias")
        #expect(config.video.enabled && config.video.kvs?.producer == .robotWebRTC)
        #expect(
            videoSettings(config).command == [
                "/usr/local/bin/robot-webrtc", "--kvs-channel", "rover-7", "--region", "us-east-1",
                "--aws-credentials-file", "/run/robot/aws-credentials.json", "--kvs-create-channel", "--source", "v4l2",
            ])
        #expect(config.unknownKeys.isEmpty, "\(config.unknownKeys)")
        #expect(out.contains("--endpoint-type iot:CredentialProvider"), "the next steps say what to fill in")

        // Again: nothing to do.
        let before = try system.snapshot()
        let second = try await system.install(arguments, environment: ["ROBOT_NAME": "rover-7"])
        expectSuccess(second)
        #expect(second.standardOutput.contains("runs robot-webrtc as its KVS master"), "\(second.standardOutput)")
        #expect(second.standardOutput.contains("Nothing to do"), "\(second.standardOutput)")
        #expect(try system.snapshot() == before, "no file was written")
    }

    @Test func withKVSProducerAnExistingConfigIsLeftAsItIsAndTheSectionToPutInIsPrinted() async throws {
        // A config from before: the C SDK sample's command.
        let system = try FakeSystem()
        expectSuccess(try await system.install(["--binaries", system.binaries.path]))
        let configFile = system.path("/etc/robot/config.json")
        let example = try String(contentsOf: configFile, encoding: .utf8)
        let videoStart = try #require(example.range(of: #"  "video": {"#)?.lowerBound)
        let audioStart = try #require(example.range(of: #"  "audio": {"#)?.lowerBound)
        let old =
            String(example[..<videoStart])
            + "  \"video\": {\n    \"enabled\": true,\n"
            + "    \"command\": [\"/opt/robot/kvsWebrtcClientMasterGstSample\", \"{thingName}\"]\n  },\n\n"
            + String(example[audioStart...])
        try FakeSystem.write(old, to: configFile, mode: 0o640)
        if isRoot, let robotGID = system.id(of: "robot", in: "group") {
            #expect(chown(configFile.path, 0, robotGID) == 0)
        }

        let result = try await system.install(["--binaries", system.binaries.path, "--with-kvs-producer"])
        expectSuccess(result)
        let out = result.standardOutput
        #expect(try String(contentsOf: configFile, encoding: .utf8) == old, "a user's config is never rewritten")
        #expect(out.contains(#"warning: \#(configFile.path) is left as it is; for robot-webrtc, replace the "video""#))
        #expect(out.contains("* Video: replace the \"video\" section"), "and it is among the next steps")

        // The printed section, pasted into the config, is one robotd accepts.
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: #"  "video": {"#), "a video section is printed:\n\(out)")
        let end = try #require(lines[start...].firstIndex(of: "  },"))
        let section = lines[start...end].joined(separator: "\n")
        let pasted = system.path("/etc/robot/pasted.json")
        try FakeSystem.write(
            String(example[..<videoStart]) + section + "\n\n" + String(example[audioStart...]), to: pasted,
            mode: 0o600)
        let config = try RobotConfig.load(path: pasted.path)
        #expect(
            config.video.enabled && config.video.kvs?.producer == .robotWebRTC && config.video.kvs?.channel == "sts-pi")

        // The original's flat config already means robot-webrtc as the master.
        try FakeSystem.write(
            #"{"IOT_THINGNAME": "sts-pi", "IOT_CORE_ENDPOINT": "a-ats.iot.us-east-1.amazonaws.com", "#
                + #""IOT_GET_CREDENTIAL_ENDPOINT": "a.credentials.iot.us-east-1.amazonaws.com", "ROLE_ALIAS": "r"}"#,
            to: configFile, mode: 0o640)
        let flat = try await system.install(["--binaries", system.binaries.path, "--with-kvs-producer"])
        expectSuccess(flat)
        #expect(flat.standardOutput.contains("ok: \(configFile.path) runs robot-webrtc as its KVS master"))
        #expect(!flat.standardOutput.contains(#"  "video": {"#), "\(flat.standardOutput)")
    }

    @Test func withKVSCSDKANewConfigRunsTheSample() async throws {
        let system = try FakeSystem()
        let result = try await system.install(["--binaries", system.binaries.path, "--with-kvs-c-sdk", "--dry-run"])
        expectSuccess(result)
        #expect(result.standardOutput.contains("video by the Kinesis Video Streams C SDK sample"))
        #expect(!result.standardOutput.contains("/usr/local/bin/robot-webrtc"), "no robot-webrtc")
    }

    @Test func selfHostedAndKVSVideoArePickedOne() async throws {
        let system = try FakeSystem()
        let result = try await system.install([
            "--binaries", system.binaries.path, "--with-webrtc", "--with-kvs-producer",
        ])
        #expect(result.termination == .exited(1))
        #expect(result.standardError.contains("write different video sections; pick one"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: system.root.path).isEmpty, "nothing written")
    }
}
