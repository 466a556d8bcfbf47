public import Foundation

/// Debian's coturn (`turnserver`) for one test: a TURN server using the TURN REST API convention
/// (`use-auth-secret` + `static-auth-secret`) that robot-server's minted credentials are for.
///
/// Plain TURN only (no TLS/DTLS, no telnet CLI) on one address and port, UDP and TCP; relay ports
/// from ``relayPorts``; peers on loopback allowed only when it listens on loopback (so a test on 127.0.0.1
/// can relay to itself, and a lab server on a public address cannot reach the namespace's loopback).
/// The configuration — with the secret, never on the command line — is a 0600 file in ``directory``;
/// coturn logs to stdout (`verbose`: each session's allocation and authentication show). Released or
/// not, it never outlives the test process's normal exit (the ``ChildProcess`` kills it).
public final class Coturn: Sendable {
    /// The address coturn listens on, and the port (UDP and TCP).
    public let listeningIP: String
    public let port: UInt16
    public let realm: String
    /// The running `turnserver` (started through `commandPrefix`, e.g. `ip netns exec <ns>`).
    public let process: ChildProcess
    /// Its configuration file and SQLite user database (unused with a static secret; kept out of /var/lib).
    public let directory: URL

    /// The default range of relay ports (the IANA dynamic range, as coturn's default).
    public static let defaultRelayPorts: ClosedRange<UInt16> = 49152...65535

    private init(listeningIP: String, port: UInt16, realm: String, process: ChildProcess, directory: URL) {
        self.listeningIP = listeningIP
        self.port = port
        self.realm = realm
        self.process = process
        self.directory = directory
    }

    /// `turn:IP:PORT?transport=udp` and `turn:IP:PORT?transport=tcp`, as `video.turn.urls` wants them.
    public var urls: [String] {
        ["udp", "tcp"].map { "turn:\(listeningIP):\(port)?transport=\($0)" }
    }

    /// Starts coturn and returns once its UDP and TCP listeners are open (its log says so).
    ///
    /// - Parameters:
    ///   - secret: the `static-auth-secret` (robot-server's `video.turn.secretFile` content).
    ///   - port: the listening port; a free one on 127.0.0.1 if nil (retried if taken meanwhile).
    ///   - relayIP: the address relayed candidates get; `listeningIP` if nil.
    ///   - relayPorts: the ports relay allocations use.
    ///   - commandPrefix: run `turnserver` through this, e.g. `["ip", "netns", "exec", "rlab-…-inet"]`.
    ///   - extraArguments: more `turnserver` options (e.g. `--total-quota=…`), after the configuration file.
    public static func start(
        secret: String,
        listeningIP: String = "127.0.0.1",
        port: UInt16? = nil,
        relayIP: String? = nil,
        relayPorts: ClosedRange<UInt16> = defaultRelayPorts,
        commandPrefix: [String] = [],
        realm: String = "robot.test",
        extraArguments: [String] = []
    ) async throws -> Coturn {
        let directory = try ScratchDirectory.make("coturn")
        var attempt = 0
        while true {
            attempt += 1
            let chosen = try port ?? FreePort.next()
            let lines = configuration(
                secret: secret, listeningIP: listeningIP, port: chosen, relayIP: relayIP ?? listeningIP,
                relayPorts: relayPorts, realm: realm, directory: directory)
            let configFile = directory.appending(path: "turnserver.conf")
            try writePrivately(lines.joined(separator: "\n") + "\n", to: configFile)
            let command = commandPrefix + ["turnserver", "-c", configFile.path] + extraArguments
            let process = try ChildProcess.start(command[0], Array(command.dropFirst()), outputDirectory: directory)
            do {
                try await waitUntilListening(process, address: "\(listeningIP):\(chosen)")
                return Coturn(
                    listeningIP: listeningIP, port: chosen, realm: realm, process: process, directory: directory)
            } catch {
                _ = try? await process.kill()
                let inUse = process.standardOutput.contains("Address already in use")
                if inUse && port == nil && attempt < 5 {
                    continue
                }
                throw error
            }
        }
    }

    /// Stops coturn: SIGTERM, then SIGKILL after 5 s. Idempotent.
    public func stop() async {
        if process.isRunning {
            _ = try? await process.terminate(timeout: .seconds(5))
        }
    }

    /// coturn's log so far (stdout).
    public var log: String { process.standardOutput }

    /// Runs coturn's own client, `turnutils_uclient`, against this server: two allocations authenticated with
    /// `username` and `credential` (long-term credentials, as a browser uses the REST API's), which then send a few
    /// messages to each other through their relays (`-y`). Exit status 0 means both allocations, their
    /// permissions and the relaying worked; a refused credential ends with status 255 ("Cannot complete Allocation").
    public func runClient(
        username: String, credential: String, tcp: Bool = false, commandPrefix: [String] = []
    ) async throws -> ChildProcess.Result {
        let command =
            commandPrefix + ["turnutils_uclient", "-y", "-n", "3", "-m", "1"] + (tcp ? ["-t"] : [])
            + ["-u", username, "-w", credential, "-p", String(port), listeningIP]
        return try await ChildProcess.run(command[0], Array(command.dropFirst()), timeout: .seconds(30))
    }

    static func configuration(
        secret: String, listeningIP: String, port: UInt16, relayIP: String, relayPorts: ClosedRange<UInt16>,
        realm: String, directory: URL
    ) -> [String] {
        var lines = [
            "listening-ip=\(listeningIP)",
            "listening-port=\(port)",
            "relay-ip=\(relayIP)",
            "min-port=\(relayPorts.lowerBound)",
            "max-port=\(relayPorts.upperBound)",
            "use-auth-secret",
            "static-auth-secret=\(secret)",
            "realm=\(realm)",
            "fingerprint",
            "no-tls",
            "no-dtls",
            "no-cli",
            "no-multicast-peers",
            "no-software-attribute",
            "log-file=stdout",
            "simple-log",
            "verbose",
            "pidfile=\(directory.appending(path: "turnserver.pid").path)",
            "userdb=\(directory.appending(path: "turndb").path)",
        ]
        if listeningIP.hasPrefix("127.") || listeningIP == "::1" {
            lines.append("allow-loopback-peers")
        }
        return lines
    }

    /// Writes `text` to a new file readable by its owner only (created 0600: the secret is never readable by others).
    private static func writePrivately(_ text: String, to file: URL) throws {
        try? FileManager.default.removeItem(at: file)
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw TestSupportError("cannot create '\(file.path)'") }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// coturn 4.6 logs "UDP listener opened on: IP:PORT" and "TCP listener opened on : IP:PORT" (verbose) once
    /// the sockets are bound and listening.
    private static func waitUntilListening(_ process: ChildProcess, address: String) async throws {
        for transport in ["UDP", "TCP"] {
            let line = try await process.waitUntilOutput(
                contains: "\(transport) listener opened on", in: .standardOutput, timeout: .seconds(15))
            guard line.contains(address) else {
                throw TestSupportError("coturn opened its \(transport) listener on another address: \(line)")
            }
        }
    }
}
