public import BrowserControl
import Foundation
import StrictJSON
public import TestSupport

/// The issue's whole picture, started in a ``NATTopology``: in `inet` a TLS mosquitto (also on 203.0.113.10:8883),
/// coturn on 203.0.113.10:3478 and robot-server on 203.0.113.10:8080 handing out short-lived TURN credentials
/// (`video.turn`); in `home` robotd (simulated motors) running robot-webrtc (`--source clock`, 640×480 at 30 fps,
/// the audio test source, no `--ice-loopback`); in `office` a headless Chromium. Nothing reaches home or office
/// from outside: video can only flow through the relay.
public final class NATStack: Sendable {
    public let topology: NATTopology
    /// In office; DevTools bridged to this process over a unix socket.
    public let chromium: Chromium
    /// In home; its log has the `simulated motors: left=… right=…` lines and the producer's lines (info).
    public let robotd: ChildProcess
    /// robot-server in inet.
    public let server: ChildProcess
    /// coturn in inet, or nil without TURN.
    public let coturn: Coturn?
    public let broker: MosquittoBroker
    /// robot-webrtc's command line as robotd runs it (the token file aside).
    public let producerCommand: [String]

    /// robot-server's and the broker's public ports on 203.0.113.10.
    public static let serverPort: UInt16 = 8080
    public static let mqttPort: UInt16 = 8883
    public static let turnPort: UInt16 = 3478

    private init(
        topology: NATTopology, chromium: Chromium, robotd: ChildProcess, server: ChildProcess, coturn: Coturn?,
        broker: MosquittoBroker, producerCommand: [String]
    ) {
        self.topology = topology
        self.chromium = chromium
        self.robotd = robotd
        self.server = server
        self.coturn = coturn
        self.broker = broker
        self.producerCommand = producerCommand
    }

    /// The drive page with the latency probe on, the home token (drive and view) in the fragment.
    public var pageURL: String {
        "http://\(NATTopology.serverAddress):\(Self.serverPort)/?probe=1#token=\(RobotServerProcess.homeToken)"
    }

    /// Starts everything and returns once the producer is connected to robot-server and the browser runs.
    ///
    /// - Parameters:
    ///   - turn: coturn and `video.turn`; false: no TURN and no STUN server at all (ICE cannot cross the NATs).
    ///   - nat: false: the routers forward without NAT or filter (a direct path exists).
    ///   - producerArguments: more robot-webrtc options.
    ///   - robotdSections: more members of robotd's config (JSON members, no braces).
    public static func start(
        turn: Bool = true, nat: Bool = true, producerArguments: [String] = [], robotdSections: String? = nil
    ) async throws -> NATStack {
        let topology = try NATTopology.create(nat: nat)
        var stops: [@Sendable () async -> Void] = [{ topology.destroy() }]
        do {
            let pki = try TestPKI.makeIndependent(brokerNames: ["IP:\(NATTopology.serverAddress)"])
            let broker = try await MosquittoBroker.start(
                pki: pki, settings: publicListener(pki), commandPrefix: topology.prefix(.inet))
            stops.insert({ try? await broker.stop() }, at: 0)
            let coturn = turn ? try await startCoturn(in: topology) : nil
            if let coturn { stops.insert({ await coturn.secret.stop() }, at: 0) }
            let server = try await startServer(in: topology, pki: pki, brokerPort: broker.port, turn: coturn)
            stops.insert({ _ = try? await server.terminate() }, at: 0)
            let (robotd, command) = try startRobotd(
                in: topology, pki: pki, producerArguments: producerArguments, sections: robotdSections)
            stops.insert({ _ = try? await robotd.terminate(timeout: .seconds(8)) }, at: 0)
            try await server.waitUntilOutput(contains: "a video producer connected", timeout: .seconds(30))
            let chromium = try await Chromium.start(commandPrefix: topology.prefix(.office))
            return NATStack(
                topology: topology, chromium: chromium, robotd: robotd, server: server, coturn: coturn?.secret,
                broker: broker, producerCommand: command)
        } catch {
            for stop in stops { await stop() }
            throw error
        }
    }

    /// Browser, robotd (and its producer), robot-server, coturn, broker, then the namespaces.
    public func stop() async {
        await chromium.stop()
        _ = try? await robotd.terminate(timeout: .seconds(8))
        _ = try? await server.terminate()
        await coturn?.stop()
        try? await broker.stop()
        topology.destroy()
    }

    /// mosquitto.conf lines for a second TLS listener on the public address (the script's own stays on the
    /// namespace's 127.0.0.1, for robot-server).
    private static func publicListener(_ pki: TestPKI) -> [String] {
        [
            "listener \(mqttPort) \(NATTopology.serverAddress)", "cafile \(pki.caFile.path)",
            "certfile \(pki.directory.appending(path: "broker.crt").path)",
            "keyfile \(pki.directory.appending(path: "broker.key").path)", "require_certificate true",
            "use_identity_as_username true",
        ]
    }
}
