import BrowserControl
import Foundation
import StrictJSON
import TestSupport

/// The real local stack, as run-local.sh runs it: a TLS mosquitto with a throwaway PKI (scripts/pki.sh and
/// scripts/broker.sh), the built robot-server with static tokens, the built robotd (simulated motors) running the
/// built robot-webrtc as its `video.command`, and a headless Chromium. The binaries come from the folder this
/// executable was built in (or `$ROBOT_BIN_PATH`).
final class BenchStack: Sendable {
    let server: RobotServerProcess
    let robotd: ChildProcess
    let chromium: Chromium
    /// robot-webrtc's command line as robotd runs it (the token file aside).
    let producerCommand: [String]

    private init(server: RobotServerProcess, robotd: ChildProcess, chromium: Chromium, producerCommand: [String]) {
        self.server = server
        self.robotd = robotd
        self.chromium = chromium
        self.producerCommand = producerCommand
    }

    /// Starts everything and returns once the producer is connected to robot-server and the browser runs.
    /// `producerArguments` follow robot-webrtc's own (`--source clock`, 640×480 at 30 fps, loopback ICE).
    static func start(producerArguments: [String]) async throws -> BenchStack {
        let server = try await RobotServerProcess.launch(robot: nil)
        var started: [@Sendable () async -> Void] = [{ await server.stop() }, { try? await server.broker.stop() }]
        do {
            let tokenFile = try ScratchDirectory.make("producer").appending(path: "token")
            try RobotServerProcess.producerToken.write(to: tokenFile, atomically: true, encoding: .utf8)
            let command =
                [
                    try RepositoryPaths.product("robot-webrtc").path, "--server", "ws://127.0.0.1:\(server.port)",
                    "--thing", "{thingName}", "--token-file", tokenFile.path, "--source", "clock",
                    "--width", "640", "--height", "480", "--fps", "30", "--ice-loopback",
                ] + producerArguments
            let video = JSONValue.object(
                JSONObject([
                    ("enabled", true), ("command", .array(command.map(JSONValue.string))),
                    ("restartInitialMs", 500), ("restartMaxMs", 5000),
                ]))
            let config = try RobotdHarness.writeConfig(
                pki: server.pki, port: server.broker.port, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0,
                sections: #""video":"# + video.serializedString())
            // info: robotd logs the producer's own lines ("video: …"), among them its pipeline.
            let robotd = try RobotdHarness.startRobotd(config: config, logLevel: "info")
            started.insert({ _ = try? await robotd.terminate(timeout: .seconds(8)) }, at: 0)
            try await server.server.waitUntilOutput(contains: "a video producer connected", timeout: .seconds(30))
            let chromium = try await Chromium.start()
            return BenchStack(
                server: server, robotd: robotd, chromium: chromium,
                producerCommand: command.map { $0 == tokenFile.path ? "TOKEN_FILE" : $0 })
        } catch {
            for stop in started { await stop() }
            throw error
        }
    }

    /// Stops the browser, robotd (which stops its producer), robot-server and the broker, in that order.
    func stop() async {
        await chromium.stop()
        _ = try? await robotd.terminate(timeout: .seconds(8))
        await server.stop()
        try? await server.broker.stop()
    }

    /// The drive page with the latency probe on, the home token (drive and view) in the fragment.
    func pageURL(jitterBufferTargetMs: Int?) -> String {
        let query = "probe=1" + (jitterBufferTargetMs.map { "&jitterBufferTarget=\($0)" } ?? "")
        return "\(server.baseURL)/?\(query)#token=\(RobotServerProcess.homeToken)"
    }

    /// The pid of the producer robotd started last, from robotd's log line `video: producer started …
    /// video.pid=N` (notice level; its `video` telemetry says the same but is lost when the producer starts before
    /// robotd's MQTT connection), and how many producers robotd started so far.
    func producer() -> (pid: Int32, starts: Int)? {
        let lines = robotd.lines().filter { $0.contains("video: producer started") }
        let field = lines.last?.split(separator: " ").first { $0.hasPrefix("video.pid=") }
        guard let pid = field.flatMap({ Int32($0.dropFirst("video.pid=".count)) }) else { return nil }
        return (pid, lines.count)
    }

    /// The producer's GStreamer pipeline as it logged it (`webrtc.pipeline=…`), or nil.
    func producerPipeline() -> String? {
        guard let line = robotd.lines().last(where: { $0.contains("video pipeline running") }),
            let start = line.range(of: "webrtc.pipeline=")
        else { return nil }
        let rest = line[start.upperBound...]
        let end = rest.range(of: " webrtc.settings=")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }
}
