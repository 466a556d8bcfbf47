import Hummingbird
import HummingbirdWebSocket
import Logging
import StrictJSON
import Synchronization
import TestSupport

/// A stand-in for robot-server's signaling endpoint, as the contract (issue #7) describes it for the producer:
/// `GET /robots/{thing}/signal?role=producer` with `Authorization: Bearer <token>` (401 otherwise), a welcome
/// frame first, then whatever the test sends. Every frame the producer sends is recorded in order.
final class ProducerSignalingPeer: Sendable {
    let port: Int
    private let state: Shared
    private let server: Task<Void, any Error>

    private struct State: Sendable {
        var writer: WebSocketOutboundWriter?
        var frames: [JSONObject] = []
        var nextUnread = 0
        var connections = 0
        var refused = 0
        var running = false
    }

    /// The state, shared by the server's handlers and the test.
    private final class Shared: Sendable {
        private let mutex = Mutex(State())
        func withLock<T: Sendable>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    /// Starts listening on a free port of 127.0.0.1.
    static func start(
        token: String, iceServers: JSONValue = [], thing: String = "sim-bot", port fixedPort: Int? = nil
    ) async throws -> ProducerSignalingPeer {
        let port = try fixedPort ?? Int(FreePort.next())
        let state = Shared()
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/robots/:thing/signal") { request, context in
            guard request.headers[.authorization] == "Bearer \(token)" else {
                state.withLock { $0.refused += 1 }
                throw HTTPError(.unauthorized)
            }
            guard context.parameters.get("thing") == thing, request.uri.queryParameters.get("role") == "producer"
            else {
                throw HTTPError(.notFound)
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, _ in
            let peerNumber = state.withLock { state in
                state.connections += 1
                state.writer = outbound
                return state.connections
            }
            let welcome: JSONValue = [
                "type": "welcome", "peer": .string("producer-\(peerNumber)"), "role": "producer",
                "iceServers": iceServers,
            ]
            try await outbound.write(.text(welcome.serializedString()))
            for try await message in inbound.messages(maxSize: 1 << 16) {
                guard case .text(let text) = message, case .object(let object)? = try? JSONParser.parse(text) else {
                    continue
                }
                state.withLock { $0.frames.append(object) }
            }
            state.withLock { $0.writer = nil }
        }
        var logger = Logger(label: "test-signaling")
        logger.logLevel = .warning
        let app = Application(
            router: Router(),
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in state.withLock { $0.running = true } },
            logger: logger)
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        let peer = ProducerSignalingPeer(port: port, state: state, server: server)
        try await peer.waitUntil("the signaling server is listening", timeout: .seconds(10)) { $0.running }
        return peer
    }

    private init(port: Int, state: Shared, server: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.server = server
    }

    var url: String { "ws://127.0.0.1:\(port)" }
    var connections: Int { state.withLock { $0.connections } }
    var refused: Int { state.withLock { $0.refused } }
    var isProducerConnected: Bool { state.withLock { $0.writer != nil } }

    /// Sends one frame to the producer (it must be connected).
    func send(_ frame: JSONValue) async throws {
        guard let writer = state.withLock({ $0.writer }) else {
            throw TestSupportError("no producer is connected to the test signaling server")
        }
        try await writer.write(.text(frame.serializedString()))
    }

    /// The next frame not read yet that `matches`, waiting for it; frames skipped over stay unread.
    func nextFrame(
        _ what: String, timeout: Duration = .seconds(15), where matches: @escaping @Sendable (JSONObject) -> Bool
    ) async throws -> JSONObject {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let found: JSONObject? = state.withLock { state in
                guard let index = state.frames.indices.first(where: { matches(state.frames[$0]) }) else { return nil }
                return state.frames.remove(at: index)
            }
            if let found { return found }
            guard clock.now < deadline else {
                let seen = state.withLock { $0.frames.map { $0["type"]?.stringValue ?? "?" } }
                throw TestSupportError("no \(what) from the producer within \(timeout); unread frames: \(seen)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until `condition` holds on the peer's state.
    func waitUntilConnected(count: Int = 1, timeout: Duration = .seconds(20)) async throws {
        try await waitUntil("producer connection #\(count)", timeout: timeout) {
            $0.connections >= count && $0.writer != nil
        }
    }

    func waitUntilRefused(count: Int, timeout: Duration = .seconds(20)) async throws {
        try await waitUntil("\(count) refused connection attempts", timeout: timeout) { $0.refused >= count }
    }

    private func waitUntil(
        _ what: String, timeout: Duration, _ condition: @escaping @Sendable (State) -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !state.withLock({ condition($0) }) {
            guard clock.now < deadline else { throw TestSupportError("timed out after \(timeout) waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() async {
        server.cancel()
        _ = await server.result
    }
}
