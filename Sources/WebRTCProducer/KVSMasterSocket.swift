import FoundationEssentials
import HummingbirdWSClient
import KinesisVideo
import Logging
import SignalingProtocol
import Synchronization

/// One master connection, from the endpoints to the WebSocket's close: fetches the channel's MASTER endpoints (and
/// with `fetchICE` the ICE configuration), connects to the presigned WSS URL, then sends the producer's answers and
/// candidates as KVS messages and reports KVS's messages, all as ``KVSSignal``s to the transport's loop.
struct KVSMasterSocket: Sendable {
    let generation: Int
    let client: KVSChannelClient
    let fetchICE: Bool
    let signal: AsyncStream<KVSSignal>.Continuation
    let logger: Logger

    func run() async {
        let opened = OpenedAt()
        do {
            let arn = try await client.channelARN()
            let endpoints = try await client.endpoints(arn: arn)
            signal.yield(.endpoint(generation: generation, https: endpoints.https))
            if fetchICE {
                do {
                    let (servers, ttls) = try await client.iceServers(https: endpoints.https)
                    signal.yield(.iceServers(servers, ttlSeconds: ttls))
                } catch {
                    // Connect anyway (viewers on the same network need no TURN); the loop fetches again soon.
                    signal.yield(.iceFailed(error.description))
                }
            }
            let url = try client.presignedURL(wss: endpoints.wss, arn: arn)
            logger.info(
                "kvs: connecting to \(endpoints.wss.absoluteString) as the master",
                metadata: ["kvs.connection": "\(generation)"])
            let close = try await connect(url: url, opened: opened)
            let openFor = opened.instant.map { ContinuousClock.now - $0 } ?? .zero
            signal.yield(
                .ended(
                    generation: generation,
                    .closed(openFor: openFor, reason: close.map { "close code \($0.closeCode)" } ?? "no close frame")))
        } catch let error as KVSError {
            let refused = error.kind == .credentialsRejected || error.kind == .credentialsUnavailable
            signal.yield(.ended(generation: generation, .failed(reason: error.description, credentials: refused)))
        } catch {
            if let since = opened.instant {
                signal.yield(
                    .ended(generation: generation, .closed(openFor: ContinuousClock.now - since, reason: "\(error)")))
            } else if let error = error as? WebSocketClientError, error == .webSocketUpgradeFailed {
                signal.yield(
                    .ended(
                        generation: generation,
                        .failed(
                            reason: """
                                KVS refused the master's WebSocket: expired or invalid credentials (403), or a \
                                signature the endpoint does not accept
                                """, credentials: true)))
            } else {
                signal.yield(
                    .ended(
                        generation: generation, .failed(reason: "cannot connect to KVS: \(error)", credentials: false)))
            }
        }
    }

    private func connect(url: String, opened: OpenedAt) async throws -> WebSocketCloseFrame? {
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: KVSWire.maxFrameBytes, closeTimeout: .seconds(2),
            autoPing: .enabled(timePeriod: KVSTimings.pingPeriod))
        let (generation, signal, logger) = (self.generation, self.signal, self.logger)
        return try await WebSocketClient.connect(
            url: url, configuration: configuration, tlsConfiguration: client.tls, logger: logger
        ) { inbound, outbound, _ in
            opened.mark()
            let (outbox, outboxContinuation) = AsyncStream.makeStream(of: ProducerMessage.self)
            signal.yield(.opened(generation: generation, outbox: outboxContinuation))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Ends when the loop finishes the outbox (replaced, GO_AWAY, stopping): then say goodbye.
                    for await message in outbox {
                        do {
                            try await outbound.write(.text(try KVSWire.encode(message)))
                        } catch let refusal as KVSWire.Refusal {
                            logger.warning("kvs: not sent: \(refusal)")
                        }
                    }
                    try? await outbound.close(.normalClosure, reason: "master leaving")
                }
                for try await message in inbound.messages(maxSize: KVSWire.maxFrameBytes) {
                    guard case .text(let text) = message else { continue }
                    do {
                        if let decoded = try KVSWire.decode(text) {
                            signal.yield(.inbound(generation: generation, decoded))
                        }
                    } catch {
                        logger.warning("kvs: ignored a message: \(error)")
                    }
                }
                outboxContinuation.finish()
                try await group.waitForAll()
            }
        }
    }
}

/// When the WebSocket opened, set by its handler.
private final class OpenedAt: Sendable {
    private let value = Mutex<ContinuousClock.Instant?>(nil)
    func mark() { value.withLock { $0 = ContinuousClock.now } }
    var instant: ContinuousClock.Instant? { value.withLock { $0 } }
}
