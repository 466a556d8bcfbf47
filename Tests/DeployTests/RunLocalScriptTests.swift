import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `scripts/run-local.sh`, run for real in a scratch folder on free ports with the built binaries: the video
/// producer gets a token that may only produce (and it does produce), with sound (the test tone, no speaker) from
/// robotd's `audio` section, and SIGTERM or SIGHUP to the script stops everything it started — robotd,
/// robot-webrtc, robot-server and mosquitto.
@Suite(.serialized, .timeLimit(.minutes(4))) struct RunLocalScriptTests {
    /// The processes whose command line names `folder`: all that run-local.sh starts (their configs, the
    /// producer's token file and the broker's config are in it), and nothing else.
    static func processes(naming folder: String) -> [(pid: Int32, command: String)] {
        let own = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> (Int32, String)? in
            guard let pid = Int32(entry), pid != own,
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty
            else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return command.contains(folder) ? (pid, command) : nil
        }
    }

    static func names(_ processes: [(pid: Int32, command: String)]) -> Set<String> {
        Set(
            processes.compactMap { $0.command.split(separator: " ").first?.split(separator: "/").last.map(String.init) }
        )
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func eventually(_ timeout: Duration, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test(arguments: [("SIGTERM", SIGTERM, 143), ("SIGHUP", SIGHUP, 129)])
    func aSignalToTheScriptStopsEverythingItStarted(name: String, signal: Int32, status: Int32) async throws {
        let folder = try ScratchDirectory.make("run-local")
        let state = folder.appending(path: "state").path
        let script = try ChildProcess.start(
            RepositoryPaths.script("run-local.sh").path, [],
            environment: [
                "ROBOT_LOCAL_DIR": state, "ROBOT_BIN_DIR": try RepositoryPaths.binDirectory().path,
                "ROBOT_MQTT_PORT": "\(try FreePort.next())", "ROBOT_HTTP_PORT": "\(try FreePort.next())",
            ])
        defer {
            // Whatever the outcome, nothing of this run outlives the test.
            for process in Self.processes(naming: state) { kill(process.pid, SIGKILL) }
            _ = Task { _ = try? await script.kill() }
        }
        try await script.waitUntilOutput(contains: "First drive, through the REST API", timeout: .seconds(90))
        try await script.waitUntilOutput(contains: #""topic":"sts-pi/action""#, timeout: .seconds(10))

        // The producer runs with its produce-only token, and robot-server admitted it.
        let serverLog = state + "/robot-server.log"
        let admitted = try await Self.eventually(.seconds(60)) {
            (try? String(contentsOfFile: serverLog, encoding: .utf8))?.contains("a video producer connected") == true
        }
        #expect(admitted, "robot-webrtc connected as the producer\n\(script.outputTail())")
        let config = try String(contentsOfFile: state + "/server.json", encoding: .utf8)
        #expect(config.contains(#""name": "video-producer", "#) && config.contains(#""roles": ["produce"]"#))
        let running = Self.processes(naming: state)
        #expect(
            Self.names(running).isSuperset(of: ["robotd", "robot-server", "robot-webrtc", "mosquitto"]),
            "before the signal: \(running.map(\.command))")
        // robotd turned its audio section into robot-webrtc's options, and the producer is still up with them.
        let producer = running.first { Self.names([$0]) == ["robot-webrtc"] }?.command ?? ""
        #expect(
            producer.contains(" --audio-source test --audio-sink off"),
            "the producer runs with the test tone and no speaker: \(producer)")

        script.signal(signal)
        let ended = try await script.waitForExit(timeout: .seconds(30))
        #expect(ended == .exited(status), "\(name) ends the script with \(status)\n\(script.outputTail())")
        let left = Self.processes(naming: state)
        #expect(left.isEmpty, "left running after \(name): \(left.map(\.command))")
    }
}
