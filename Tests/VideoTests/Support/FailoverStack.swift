import BrowserControl
import Foundation
import StrictJSON
import TestSupport

/// Two robot-server instances behind nginx, real: a TLS mosquitto, the built robot-server twice (``ServerCluster``,
/// ids `a` and `b`, sharing nothing but the broker), Debian's nginx running `deploy/nginx/robot-server.conf` in front
/// of them (``NginxBalancer``; `a` first in the upstream), the built robotd (simulated motors) as `sts-pi` running the
/// built robot-webrtc as its producer *through nginx*, and a headless Chromium that opens the page through nginx.
struct FailoverStack: Sendable {
    let cluster: ServerCluster
    let nginx: NginxBalancer
    let robotd: ChildProcess
    let chromium: Chromium

    /// The page through nginx, with the home token (drive and view sts-pi) in the fragment.
    var pageURL: String { "\(nginx.baseURL)/#token=\(RobotServerProcess.homeToken)" }

    /// Runs `body` with the whole stack up — both instances see each other, the producer is connected — and always
    /// stops it.
    static func with(_ body: (FailoverStack) async throws -> Void) async throws {
        var stops: [@Sendable () async -> Void] = []
        do {
            let cluster = try await ServerCluster.start(["a", "b"])
            stops.append { await cluster.stop() }
            try await cluster["a"].server.waitUntilOutput(contains: "cluster: instance b is online")
            let nginx = try await NginxBalancer.start(upstreams: cluster.instances.map(\.port))
            stops.append { await nginx.stop() }
            let robotd = try startRobotd(pki: cluster.pki, broker: cluster.broker, server: nginx.port)
            stops.append { _ = try? await robotd.terminate(timeout: .seconds(8)) }
            try await cluster["a"].server.waitUntilOutput(contains: "a video producer connected", timeout: .seconds(30))
            let chromium = try await Chromium.start()
            stops.append { await chromium.stop() }
            try await body(FailoverStack(cluster: cluster, nginx: nginx, robotd: robotd, chromium: chromium))
        } catch {
            for stop in stops.reversed() { await stop() }
            throw error
        }
        for stop in stops.reversed() { await stop() }
    }

    /// robotd as sts-pi (simulated motors) running robot-webrtc (`videotestsrc`, 640×480 at 30 fps) against
    /// `ws://127.0.0.1:<server>`, reconnecting 200 ms after a lost socket at first.
    static func startRobotd(pki: TestPKI, broker: MosquittoBroker, server: UInt16) throws -> ChildProcess {
        let folder = try ScratchDirectory.make("producer")
        let tokenFile = folder.appending(path: "token")
        try RobotServerProcess.producerToken.write(to: tokenFile, atomically: true, encoding: .utf8)
        let command = [
            try RepositoryPaths.product("robot-webrtc").path, "--server", "ws://127.0.0.1:\(server)", "--thing",
            "{thingName}", "--token-file", tokenFile.path, "--source", "videotestsrc", "--width", "640", "--height",
            "480", "--fps", "30", "--ice-loopback", "--reconnect-initial-ms", "200", "--reconnect-max-ms", "2000",
        ]
        let sections = """
            "video":{"enabled":true,"command":\(JSONValue.array(command.map(JSONValue.string)).serializedString()),\
            "restartInitialMs":300,"restartMaxMs":2000,"stopTimeoutSeconds":3}
            """
        let config = try RobotdHarness.writeConfig(
            pki: pki, port: broker.port, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0, sections: sections)
        return try RobotdHarness.startRobotd(config: config)
    }

    // MARK: what the robot did

    /// The simulated motors' settings robotd logged (`simulated motors: left=+0.500 right=+0.500`), from line `index`
    /// of its log on.
    func motors(after index: Int) -> [(left: Double, right: Double)] {
        robotd.lines().dropFirst(index).compactMap { line in
            guard let range = line.range(of: "simulated motors: left=") else { return nil }
            let fields = line[range.upperBound...].split(separator: " ")
            guard fields.count >= 2, let left = Double(fields[0]), fields[1].hasPrefix("right="),
                let right = Double(fields[1].dropFirst("right=".count))
            else { return nil }
            return (left, right)
        }
    }

    /// robotd's log line count now, to look only at what comes after.
    var motorMark: Int { robotd.lines().count }

    /// Waits until robotd set the motors as `match` wants after line `index`.
    func waitForMotors(
        after index: Int, _ description: String, timeout: Duration = .seconds(10),
        where match: (Double, Double) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !motors(after: index).contains(where: { match($0.left, $0.right) }) {
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("robotd never drove \(description) in \(timeout): \(motors(after: index))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension ServerCluster.Instance {
    /// Its log lines containing `text`.
    func lines(containing text: String) -> [String] { server.lines().filter { $0.contains(text) } }
}
