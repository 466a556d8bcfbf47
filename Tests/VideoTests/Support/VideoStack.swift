import BrowserControl
import DriveProtocol
import Foundation
import MQTT
import StrictJSON
import TestSupport

/// Everything the drive page needs, real: a TLS mosquitto, the built robot-server, the built robotd (simulated
/// motors) running the built robot-webrtc as its video producer (`videotestsrc`, 640×480 at 30 fps), and a
/// headless Chromium.
///
/// robotd supervises the producer as it does on a robot, so a killed producer is restarted by robotd itself.
/// Self-hosted, as a user runs it: no `credentials` section, so robotd starts the producer without AWS credentials.
final class VideoStack: Sendable {
    let server: SignalingServer
    let robotd: ChildProcess
    let chromium: Chromium

    private init(server: SignalingServer, robotd: ChildProcess, chromium: Chromium) {
        self.server = server
        self.robotd = robotd
        self.chromium = chromium
    }

    /// Starts the stack and waits until the producer is connected to robot-server. `producerArguments` are appended
    /// to robot-webrtc's command (e.g. `--audio-source test`); `chromiumAudio` is a WAV file the browser's fake
    /// microphone plays (looped).
    static func start(producerArguments: [String] = [], chromiumAudio: URL? = nil) async throws -> VideoStack {
        let server = try await SignalingServer.start()
        var started: [@Sendable () async -> Void] = [{ await server.stop() }]
        do {
            let folder = try ScratchDirectory.make("producer")
            let tokenFile = folder.appending(path: "token")
            try SignalingServer.producerToken.write(to: tokenFile, atomically: true, encoding: .utf8)
            let command =
                [
                    try RepositoryPaths.product("robot-webrtc").path, "--server", "ws://127.0.0.1:\(server.port)",
                    "--thing", "{thingName}", "--token-file", tokenFile.path, "--source", "videotestsrc", "--width",
                    "640", "--height", "480", "--fps", "30", "--ice-loopback", "--reconnect-initial-ms", "200",
                    "--reconnect-max-ms", "2000",
                ] + producerArguments
            let sections = """
                "video":{"enabled":true,"command":\(JSONValue.array(command.map(JSONValue.string)).serializedString()),\
                "restartInitialMs":300,"restartMaxMs":2000,"stopTimeoutSeconds":3}
                """
            let config = try RobotdHarness.writeConfig(
                pki: server.pki, port: server.broker.port, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0,
                sections: sections)
            let robotd = try RobotdHarness.startRobotd(config: config)
            started.append { _ = try? await robotd.terminate(timeout: .seconds(8)) }
            try await server.server.waitUntilOutput(contains: "a video producer connected", timeout: .seconds(30))
            let chromium = try await Chromium.start(fakeAudioCapture: chromiumAudio)
            return VideoStack(server: server, robotd: robotd, chromium: chromium)
        } catch {
            for stop in started.reversed() { await stop() }
            throw error
        }
    }

    /// Runs `body` with a started stack and always stops it (browser first, then robotd and its producer).
    static func with(
        producerArguments: [String] = [], chromiumAudio: URL? = nil, _ body: (VideoStack) async throws -> Void
    ) async throws {
        let stack = try await start(producerArguments: producerArguments, chromiumAudio: chromiumAudio)
        do {
            try await body(stack)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    func stop() async {
        await chromium.stop()
        _ = try? await robotd.terminate(timeout: .seconds(8))
        await server.stop()
    }

    /// The page's URL with the home token in the fragment (the page stores it and removes it from the URL).
    var pageURL: String { "\(server.baseURL)/#token=\(SignalingServer.homeToken)" }

    // MARK: what the robot did

    /// Telemetry of sts-pi seen by the broker's admin client, with the instant each arrived.
    func telemetry(after index: Int = 0) -> [(Telemetry, ContinuousClock.Instant)] { server.telemetry(after: index) }

    /// Drive commands published on sts-pi/action after record `index`, parsed.
    func actions(after index: Int = 0) -> [JSONValue] { server.actions(after: index) }

    /// The admin record count now, to look only at what comes after.
    var mark: Int { server.mark }

    /// Waits for sts-pi telemetry after `index` that matches.
    @discardableResult
    func waitForTelemetry(
        after index: Int, _ description: String, timeout: Duration = .seconds(10),
        where match: @escaping @Sendable (Telemetry) -> Bool
    ) async throws -> Telemetry {
        try await server.waitForTelemetry(after: index, description, timeout: timeout, where: match)
    }

    /// The running producer's pid, from robotd's `video` telemetry (`started`, with `pid`).
    /// The pid of the producer robotd started last: from its `video` telemetry, or from its log (the first producer
    /// may start before robotd's MQTT connection is up, and that telemetry event is then not published).
    func producerPID(after index: Int = 0) -> Int32? {
        if let pid = telemetry(after: index).last(where: { $0.0.event == .video && $0.0.reason == "started" })
            .flatMap({ $0.0.extra["pid"]?.intValue })
        {
            return Int32(pid)
        }
        guard index == 0 else { return nil }
        let line = robotd.lines().last { $0.contains("video: producer started") }
        guard let field = line?.split(separator: " ").first(where: { $0.hasPrefix("video.pid=") }) else { return nil }
        return Int32(field.dropFirst("video.pid=".count))
    }

    /// CPU time (user + system, in clock ticks) and resident memory (KiB) of a process, from /proc.
    static func usage(of pid: Int32) -> (ticks: Int, rssKiB: Int)? {
        guard let stat = ProcessMeter.stat(pid) else { return nil }
        return (stat.cpuTicks, ProcessMeter.statusKiB(pid, "VmRSS") ?? 0)
    }
}
