import Basics
import HTTPTypes
import HummingbirdWSClient
import Logging
import SignalingProtocol
import Synchronization

/// Keeps a WebSocket open to robot-server's signaling endpoint as the producer, reconnecting with capped
/// back-off, and turns it into ``ProducerEvent``s: `connected` (with an outbox whose messages it writes as text
/// frames), each text frame parsed as a `message` (a bad one is logged and skipped), `disconnected` (the viewers'
/// peer connections close: robot-server offers each viewer anew after a reconnect). Runs until its task is
/// cancelled.
struct SignalingConnection: SignalingTransport {
    let settings: ProducerSettings
    let logger: Logger

    /// Frames larger than this are refused: the contract's limit, at which the server closes too.
    static let maxFrameSize = SignalingLimits.maxFrameBytes

    /// A ping this often; a connection whose last ping got no pong by the next one is closed and made anew. Short,
    /// because a connection through a home router that lost its NAT mapping (a network change, a reboot) is dead
    /// without either end hearing of it: the next ping meets the server's reset at once, and the viewers' peer
    /// connections are offered anew within seconds of the link's return (`docs/NAT.md`, Network changes). Each
    /// costs a few bytes.
    static let pingPeriod: Duration = .seconds(2)

    func run(events: AsyncStream<ProducerEvent>.Continuation) async {
        var generation = 0
        var failures = 0
        while !Task.isCancelled {
            generation += 1
            let opened = OpenedFlag()
            let started = ContinuousClock.now
            do {
                let close = try await connect(generation: generation, opened: opened, events: events)
                if !Task.isCancelled {
                    logger.warning(
                        "signaling: the server closed the connection",
                        metadata: ["webrtc.closeCode": "\(close.map { "\($0.closeCode)" } ?? "none")"])
                }
            } catch {
                if !Task.isCancelled {
                    logger.error("signaling: \(explain(error, opened: opened.isSet))")
                }
            }
            events.yield(.disconnected(generation: generation))
            guard !Task.isCancelled else { break }
            // A connection that lived a while starts the back-off again; a refused or flapping one grows it.
            failures = opened.isSet && ContinuousClock.now - started > .seconds(10) ? 0 : failures + 1
            let delay = settings.reconnect.delay(attempt: max(0, failures - 1))
            logger.notice("signaling: reconnecting in \(Int(delay / .milliseconds(1))) ms")
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
            // While the network is down (an outage, a lost NAT mapping) a connect would sit in TCP's SYN back-off
            // (1, 3, 7 s…) past the link's return: probe the path each second first (`PathProbe`).
            if let (host, port) = Self.endpoint(of: settings.server) {
                await PathProbe.waitForPath(host: host, port: port)
            }
        }
    }

    private func connect(
        generation: Int, opened: OpenedFlag, events: AsyncStream<ProducerEvent>.Continuation
    ) async throws -> WebSocketCloseFrame? {
        var configuration = WebSocketClientConfiguration(
            maxFrameSize: Self.maxFrameSize, closeTimeout: .seconds(2), autoPing: .enabled(timePeriod: Self.pingPeriod))
        configuration.additionalHeaders[.authorization] = "Bearer \(settings.token)"
        let url = settings.signalingURL
        logger.info("signaling: connecting to \(url)")
        let logger = logger
        return try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
            inbound, outbound, _ in
            opened.set()
            let (outbox, outboxContinuation) = AsyncStream.makeStream(of: ProducerMessage.self)
            events.yield(.connected(generation: generation, outgoing: outboxContinuation))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Ends when the connection ends (finish()) or on cancellation (SIGTERM): then say goodbye.
                    for await message in outbox {
                        try await outbound.write(.text(message.text))
                    }
                    try? await outbound.close(.normalClosure, reason: "producer stopping")
                }
                for try await message in inbound.messages(maxSize: Self.maxFrameSize) {
                    guard case .text(let text) = message else { continue }
                    do {
                        events.yield(.message(generation: generation, try SignalingMessage.parse(text)))
                    } catch {
                        logger.warning("signaling: \(error)")
                    }
                }
                outboxContinuation.finish()
                try await group.waitForAll()
            }
        }
    }

    /// The host and port of a `ws://` or `wss://` URL (80 and 443 by default; `[…]` for IPv6), or nil.
    static func endpoint(of url: String) -> (host: String, port: Int)? {
        let secure = url.hasPrefix("wss://")
        guard secure || url.hasPrefix("ws://") else { return nil }
        let authority = url.dropFirst(secure ? 6 : 5).prefix { $0 != "/" && $0 != "?" }
        var host = Substring(authority)
        var port = secure ? 443 : 80
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let number = Int(rest.dropFirst()) else { return nil }
                port = number
            }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            guard let number = Int(host[host.index(after: colon)...]) else { return nil }
            port = number
            host = host[..<colon]
        }
        return host.isEmpty ? nil : (String(host), port)
    }

    /// A failed attempt in words an operator can act on.
    private func explain(_ error: any Error, opened: Bool) -> String {
        let url = settings.signalingURL
        if let error = error as? WebSocketClientError, error == .webSocketUpgradeFailed {
            return """
                \(url) refused the WebSocket upgrade: the token is not valid (401), not allowed to drive \
                \(settings.thing) (403), or the robot is unknown (404) — check --token-file/ROBOT_WEBRTC_TOKEN, \
                the robot-server auth config and --thing
                """
        }
        if opened {
            return "the connection to \(url) failed: \(error)"
        }
        return "cannot connect to \(url): \(error) — is robot-server running and --server right?"
    }
}

/// Set by the WebSocket handler once the upgrade succeeded.
private final class OpenedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
