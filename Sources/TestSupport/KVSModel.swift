public import Foundation
import Synchronization

/// `Tests/Fixtures/kvs_model.py`: a model of Kinesis Video Streams' WebRTC signaling (region `us-west-2`, account
/// `123456789012`) that verifies SigV4 itself, in Python, from AWS's documented algorithm — header signatures on its
/// HTTPS control plane, presigned URLs on its WSS endpoint — against a credentials registry this launcher writes.
/// The script's doc comment describes the protocol as modelled; in short:
///
/// - ``endpoint`` (`https://127.0.0.1:P`, the `--kvs-endpoint` override): `POST /describeSignalingChannel`,
///   `/createSignalingChannel`, `/getSignalingChannelEndpoint` (→ ``signalingURL`` and ``endpoint`` again as the
///   HTTPS endpoint), `/v1/get-ice-server-config` (Ttl from ``setICETtl(_:)``, default 300).
/// - ``signalingURL`` (`wss://localhost:Q`): a presigned connect; with `X-Amz-ClientId` a viewer, without the
///   master; the newest master (or viewer id) wins and the older connection is closed; base64 payloads relayed;
///   a connection idle for `idleTimeout` (default 10 min) or older than 1 h is closed.
///
/// TLS with the test PKI's `broker` certificate (CN localhost, SAN 127.0.0.1): clients trust ``caFile``.
/// Test control goes through a folder the model polls (each command is acknowledged in the log); the credentials
/// registry is a JSON file the model re-reads on every request. Both are this class's business: use the methods.
public final class KVSModel: Sendable {
    public static let region = "us-west-2"
    public static let account = "123456789012"
    /// The channel started by default: the robot's thing name in the tests.
    public static let defaultChannel = "sts-pi"

    public let process: ChildProcess
    public let controlPlanePort: UInt16
    public let signalingPort: UInt16
    /// The CA that verifies both servers.
    public let caFile: URL
    /// One JSON object per request, connection and message (`kind`: http, connect, replaced, timeout, disconnect,
    /// message, refused, sent, expired, control).
    public let logFile: URL
    private let registryFile: URL
    private let controlFolder: URL
    private let registry = Mutex<[String: Credentials]>([:])
    private let commands = Atomic<Int>(0)

    /// A key pair the model knows, with its session token and the instant it expires.
    public struct Credentials: Sendable {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?
        public var expiration: Date?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String?, expiration: Date?) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
            self.expiration = expiration
        }
    }

    private init(
        process: ChildProcess, controlPlanePort: UInt16, signalingPort: UInt16, caFile: URL, folder: URL
    ) {
        self.process = process
        self.controlPlanePort = controlPlanePort
        self.signalingPort = signalingPort
        self.caFile = caFile
        self.logFile = folder.appending(path: "kvs.jsonl")
        self.registryFile = folder.appending(path: "credentials.json")
        self.controlFolder = folder.appending(path: "control")
    }

    deinit {
        process.signal(SIGKILL)
    }

    /// Starts the model and waits until both servers listen.
    ///
    /// - Parameters:
    ///   - channels: signaling channels that exist from the start (ARN: ``arn(channel:)``).
    ///   - iceTtl: the `Ttl` of the ICE configs handed out, in seconds.
    ///   - turnURIs: the `Uris` of the one ICE server handed out (default `turn:127.0.0.1:3478?transport=udp`,
    ///     where nothing listens); `turnUsername`/`turnPassword` fixed ones (e.g. a ``Coturn``'s) or random ones.
    ///   - credentialProviderLog: a ``CredentialProviderFixture``'s log: every key it issued is known too, with its
    ///     expiration — for robotd end to end.
    ///   - idleTimeout: a signaling connection that sends nothing (not even a ping) this long is closed (code 1001),
    ///     as KVS closes one after 10 minutes.
    public static func start(
        pki: TestPKI, channels: [String] = [defaultChannel], iceTtl: Int = 300, turnURIs: [String] = [],
        turnUsername: String? = nil, turnPassword: String? = nil, credentialProviderLog: URL? = nil,
        idleTimeout: Duration = .seconds(600)
    ) async throws -> KVSModel {
        let folder = try ScratchDirectory.make("kvs-model")
        try Data("{}".utf8).write(to: folder.appending(path: "credentials.json"))
        var arguments = [
            RepositoryPaths.fixture("kvs_model.py").path,
            "--cert", pki.directory.appending(path: "broker.crt").path,
            "--key", pki.directory.appending(path: "broker.key").path,
            "--log", folder.appending(path: "kvs.jsonl").path,
            "--credentials", folder.appending(path: "credentials.json").path,
            "--control", folder.appending(path: "control").path, "--ice-ttl", "\(iceTtl)",
        ]
        arguments += channels.flatMap { ["--channel", $0] } + turnURIs.flatMap { ["--turn-uri", $0] }
        arguments += turnUsername.map { ["--turn-username", $0] } ?? []
        arguments += turnPassword.map { ["--turn-password", $0] } ?? []
        arguments += credentialProviderLog.map { ["--trust-credential-log", $0.path] } ?? []
        arguments += ["--idle-seconds", "\(idleTimeout / .milliseconds(1) / 1000)"]
        // Debian's python3 has python3-websockets; a python3 earlier in PATH (pyenv) may not.
        let process = try ChildProcess.start("/usr/bin/python3", arguments, outputDirectory: folder)
        do {
            let line = try await process.waitUntilOutput(contains: "listening control-plane=", timeout: .seconds(15))
            let ports = line.split(separator: " ").compactMap { field -> UInt16? in
                field.split(separator: "=").last.flatMap { UInt16($0) }
            }
            guard ports.count == 2 else { throw TestSupportError("kvs_model.py printed no ports: \(line)") }
            return KVSModel(
                process: process, controlPlanePort: ports[0], signalingPort: ports[1], caFile: pki.caFile,
                folder: folder)
        } catch {
            _ = try? await process.kill()
            throw error
        }
    }

    public func stop() async {
        _ = try? await process.kill()
    }

    // MARK: addresses

    /// The control plane's base URL (`https://127.0.0.1:P`), which also serves the ICE config.
    public var endpoint: URL { URL(string: "https://127.0.0.1:\(controlPlanePort)")! }

    /// The WSS endpoint that `GetSignalingChannelEndpoint` hands out: `wss://localhost:Q`, no path — a name, not
    /// 127.0.0.1, because NIOSSL refuses an IP address as SNI (the model listens on 127.0.0.1 only).
    public var signalingURL: URL { URL(string: "wss://localhost:\(signalingPort)")! }

    /// The ARN of a channel given to ``start(pki:channels:iceTtl:turnURIs:turnUsername:turnPassword:credentialProviderLog:)``
    /// (a channel made by `CreateSignalingChannel` has its creation time instead: read it from the log).
    public static func arn(channel: String) -> String {
        "arn:aws:kinesisvideo:\(region):\(account):channel/\(channel)/1700000000000"
    }

    // MARK: credentials

    /// Makes up a key pair (`ASIA…` with a session token, or `AKIA…` without) that the model accepts until
    /// `lifetime` has passed (nil: forever).
    @discardableResult
    public func addCredentials(lifetime: Duration? = .seconds(3600), sessionToken: Bool = true) throws -> Credentials {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).uppercased()
        let credentials = Credentials(
            accessKeyID: (sessionToken ? "ASIA" : "AKIA") + id,
            secretAccessKey: "secret/" + UUID().uuidString + "+x",
            sessionToken: sessionToken ? "token/" + UUID().uuidString + "+" + UUID().uuidString + "==" : nil,
            expiration: lifetime.map { Date().addingTimeInterval(Double($0.components.seconds)) })
        try addCredentials(credentials)
        return credentials
    }

    /// Makes `credentials` known (replacing a key of the same id).
    public func addCredentials(_ credentials: Credentials) throws {
        try registry.withLock { registry in
            registry[credentials.accessKeyID] = credentials
            try writeRegistry(registry)
        }
    }

    /// Expires a key from now on (the model answers `ExpiredTokenException`).
    public func expire(_ accessKeyID: String) throws {
        try registry.withLock { registry in
            registry[accessKeyID]?.expiration = Date().addingTimeInterval(-1)
            try writeRegistry(registry)
        }
    }

    private func writeRegistry(_ registry: [String: Credentials]) throws {
        var object: [String: Any] = [:]
        for (id, credentials) in registry {
            object[id] = [
                "secretAccessKey": credentials.secretAccessKey,
                "sessionToken": credentials.sessionToken.map { $0 as Any } ?? NSNull(),
                "expiration": credentials.expiration.map { $0.timeIntervalSince1970 as Any } ?? NSNull(),
            ]
        }
        try JSONSerialization.data(withJSONObject: object).write(to: registryFile, options: .atomic)
    }

    // MARK: test control

    /// Sends `GO_AWAY` to the channel's master and closes its connection 1 s later.
    public func goAway(channel: String = defaultChannel) async throws {
        try await control(["command": "goAway", "channel": channel])
    }

    /// Sends `RECONNECT_ICE_SERVER` to the channel's master.
    public func reconnectICEServer(channel: String = defaultChannel) async throws {
        try await control(["command": "reconnectICEServer", "channel": channel])
    }

    /// The `Ttl` (seconds) of the ICE configs handed out from now on.
    public func setICETtl(_ seconds: Int) async throws {
        try await control(["command": "setICETtl", "seconds": seconds])
    }

    /// Closes the master's connection abruptly (close code 1011), as a network failure would end it.
    public func closeMaster(channel: String = defaultChannel) async throws {
        try await control(["command": "closeMaster", "channel": channel])
    }

    /// Sends one raw text frame to the channel's master (e.g. a malformed message).
    public func sendToMaster(_ text: String, channel: String = defaultChannel) async throws {
        try await control(["command": "sendToMaster", "channel": channel, "text": text])
    }

    /// Hands a command to the model and waits until it is applied; throws if it could not be (no such channel, no
    /// master connected).
    private func control(_ command: [String: Any]) async throws {
        let id = String(format: "%06d", commands.add(1, ordering: .relaxed).newValue)
        try FileManager.default.createDirectory(at: controlFolder, withIntermediateDirectories: true)
        let staged = controlFolder.appending(path: "\(id).tmp")
        try JSONSerialization.data(withJSONObject: command).write(to: staged)
        try FileManager.default.moveItem(at: staged, to: controlFolder.appending(path: "\(id).json"))
        let done = try await waitFor("the model to apply \(command["command"] ?? "")") {
            $0["kind"] as? String == "control" && $0["id"] as? String == id
        }
        guard done["result"] as? String == "ok" else {
            throw TestSupportError(
                "kvs_model.py: \(command["command"] ?? ""): \(done["result"] ?? done["error"] ?? "")")
        }
    }

    // MARK: the log

    /// Everything logged so far.
    public var log: [[String: Any]] { JSONLines.read(logFile) }

    /// Waits until an entry after the first `after` ones matches; returns it. The error names `description` and
    /// quotes the last entries.
    @discardableResult
    public func waitFor(
        _ description: String, after: Int = 0, timeout: Duration = .seconds(10),
        _ predicate: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let entry = log.dropFirst(after).first(where: predicate) { return entry }
            guard clock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let tail = log.suffix(8).map { "\($0)" }.joined(separator: "\n")
        throw TestSupportError(
            "kvs_model.py: no \(description) within \(timeout); last entries:\n\(tail)\n\(process.outputTail())")
    }

    /// Entries of one `kind` (after the first `after` entries of the log).
    public func entries(_ kind: String, after: Int = 0) -> [[String: Any]] {
        log.dropFirst(after).filter { $0["kind"] as? String == kind }
    }
}
