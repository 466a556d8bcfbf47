import Foundation
import HummingbirdWSClient
import KinesisVideo
import Logging
import Synchronization
import TestSupport

/// A bare signaling WebSocket (HummingbirdWSClient) to a KVS endpoint, recording every text frame it receives as
/// JSON: a master or a viewer that the test drives message by message.
final class KVSSocket: Sendable {
    let label: String
    private let received = Mutex<[String]>([])
    private let writer = Mutex<WebSocketOutboundWriter?>(nil)
    private let ended = Mutex<String?>(nil)

    private init(label: String) {
        self.label = label
    }

    /// Opens `url` trusting only `caFile`; returns once the socket is open, throws if the upgrade is refused.
    static func connect(_ url: URL, caFile: URL, label: String) async throws -> KVSSocket {
        let socket = KVSSocket(label: label)
        var tls = try KVSTLS.configuration(caFile: caFile.path)
        // After a close the client stops reading, so it never sees the server's close_notify and would wait out
        // NIOSSL's default 5 s shutdown timeout before the connection counts as ended.
        tls.shutdownTimeout = .milliseconds(100)
        Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url.absoluteString, configuration: .init(maxFrameSize: 1 << 20), tlsConfiguration: tls,
                    logger: Logger(label: "kvs-\(label)")
                ) { inbound, outbound, _ in
                    socket.writer.withLock { $0 = outbound }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        socket.received.withLock { $0.append(text) }
                    }
                }
                socket.ended.withLock { $0 = "closed (\(close.map { "\($0.closeCode)" } ?? "no close frame"))" }
            } catch {
                socket.ended.withLock { $0 = "failed: \(error)" }
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while socket.writer.withLock({ $0 }) == nil {
            if let ended = socket.ended.withLock({ $0 }) { throw TestSupportError("\(label): \(ended)") }
            guard ContinuousClock.now < deadline else { throw TestSupportError("\(label): no connection in 10 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return socket
    }

    /// Nil while open; how it ended otherwise.
    var end: String? { ended.withLock { $0 } }

    /// The text frames received so far, as JSON objects (a frame that is not one is left out).
    var messages: [[String: Any]] {
        received.withLock { $0 }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    func send(_ object: [String: Any]) async throws {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        try await send(text: text)
    }

    func send(text: String) async throws {
        guard let writer = writer.withLock({ $0 }) else { throw TestSupportError("\(label) is not connected") }
        try await writer.write(.text(text))
    }

    /// Waits for a received message whose `messageType` is `type`; returns the first.
    @discardableResult
    func waitFor(_ type: String, count: Int = 1, timeout: Duration = .seconds(10)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let matching = messages.filter { $0["messageType"] as? String == type }
            if matching.count >= count { return matching[count - 1] }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("\(label) got no \(type) (#\(count)) within \(timeout); got \(messages)")
    }

    /// Waits until the connection ended; returns how.
    @discardableResult
    func waitForEnd(timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let end { return end }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("\(label) is still open after \(timeout)")
    }

    func close() async {
        try? await writer.withLock({ $0 })?.close(.normalClosure, reason: nil)
    }
}

/// `messagePayload`: base64 of the JSON of `object`.
func kvsPayload(_ object: [String: Any]) -> String {
    (try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys))?.base64EncodedString() ?? ""
}
