import Foundation
public import HummingbirdWSClient
import Logging
import NIOCore
public import StrictJSON
import Synchronization

/// A real WebSocket client (HummingbirdWSClient) on robot-server's signaling route, recording every frame it receives
/// and when it arrived.
///
/// The connection lives in a task of its own; the test sends frames, waits for received ones, and closes. Waiting
/// polls every 5 ms, but ``arrival(of:)`` is the instant the frame came off the socket, for latency measurements.
public final class SignalClient: Sendable {
    public enum Received: Sendable {
        case json(JSONValue)
        case other(String)
    }

    public let label: String
    private let received = Mutex<[Received]>([])
    private let arrivals = Mutex<[ContinuousClock.Instant]>([])
    private let taken = Mutex<Set<Int>>([])
    private let writer = Mutex<WebSocketOutboundWriter?>(nil)
    private let ended = Mutex<Result<WebSocketCloseFrame?, any Error>?>(nil)

    private init(label: String) {
        self.label = label
    }

    /// Connects and returns once the socket is open; throws if the server refuses the upgrade.
    public static func connect(
        url: String, bearer: String? = nil, label: String = "client", maxFrameSize: Int = 1 << 20
    ) async throws -> SignalClient {
        let client = SignalClient(label: label)
        var configuration = WebSocketClientConfiguration(maxFrameSize: maxFrameSize)
        if let bearer {
            configuration.additionalHeaders[.authorization] = "Bearer \(bearer)"
        }
        Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: configuration, logger: Logger(label: "ws-\(label)")
                ) { inbound, outbound, _ in
                    client.writer.withLock { $0 = outbound }
                    for try await message in inbound.messages(maxSize: maxFrameSize) {
                        let item: Received
                        switch message {
                        case .text(let text):
                            item = (try? JSONParser.parse(text)).map(Received.json) ?? .other(text)
                        case .binary(let buffer):
                            item = .other("binary \(buffer.readableBytes) bytes")
                        }
                        client.received.withLock { received in
                            received.append(item)
                            client.arrivals.withLock { $0.append(.now) }
                        }
                    }
                }
                client.ended.withLock { $0 = .success(close) }
            } catch {
                client.ended.withLock { $0 = .failure(error) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while client.writer.withLock({ $0 }) == nil {
            if case .failure(let error)? = client.ended.withLock({ $0 }) { throw error }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("\(label): the WebSocket to \(url) did not open within 10 s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return client
    }

    /// Every frame received so far, parsed.
    public var frames: [JSONValue] {
        received.withLock { $0 }.compactMap { if case .json(let value) = $0 { value } else { nil } }
    }

    /// Sends a text frame.
    public func send(_ text: String) async throws {
        guard let writer = writer.withLock({ $0 }) else { throw TestSupportError("\(label): not connected") }
        try await writer.write(.text(text))
    }

    public func send(_ value: JSONValue) async throws {
        try await send(value.serializedString())
    }

    public func sendBinary(_ bytes: [UInt8]) async throws {
        guard let writer = writer.withLock({ $0 }) else { throw TestSupportError("\(label): not connected") }
        try await writer.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// The first received frame, not returned before, that matches; waits up to `timeout`.
    @discardableResult
    public func next(
        _ description: String, timeout: Duration = .seconds(5), where match: (JSONValue) -> Bool = { _ in true }
    ) async throws -> JSONValue {
        try await arrival(description, timeout: timeout, where: match).frame
    }

    /// As ``next(_:timeout:where:)``, with the instant the frame came off the socket.
    @discardableResult
    public func arrival(
        _ description: String, timeout: Duration = .seconds(5), where match: (JSONValue) -> Bool = { _ in true }
    ) async throws -> (frame: JSONValue, at: ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + timeout
        while true {
            let all = received.withLock { $0 }
            let found = taken.withLock { taken -> (Int, JSONValue)? in
                for (index, item) in all.enumerated() where !taken.contains(index) {
                    if case .json(let value) = item, match(value) {
                        taken.insert(index)
                        return (index, value)
                    }
                }
                return nil
            }
            if let found { return (found.1, arrivals.withLock { $0[found.0] }) }
            guard ContinuousClock.now < deadline else {
                let seen = all.suffix(10).map { item in
                    switch item {
                    case .json(let value): value.serializedString()
                    case .other(let text): text
                    }
                }
                throw TestSupportError(
                    "\(label): no \(description) within \(timeout); last frames:\n  \(seen.joined(separator: "\n  "))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The next frame of `type` (and matching `match`).
    @discardableResult
    public func next(
        type: String, timeout: Duration = .seconds(5), where match: @escaping (JSONValue) -> Bool = { _ in true }
    ) async throws -> JSONValue {
        try await next("\(type) frame", timeout: timeout) { $0["type"]?.stringValue == type && match($0) }
    }

    /// Frames of `type` received so far (taken or not).
    public func count(type: String) -> Int {
        frames.filter { $0["type"]?.stringValue == type }.count
    }

    /// Sends a close frame.
    public func close() async {
        try? await writer.withLock({ $0 })?.close(.normalClosure, reason: "test done")
    }

    /// Waits until the connection has ended; returns the server's close frame, if it sent one.
    public func waitUntilClosed(timeout: Duration = .seconds(10)) async throws -> WebSocketCloseFrame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let result = ended.withLock({ $0 }) { return try result.get() }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("\(label): the connection is still open after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Whether the connection has ended.
    public var isClosed: Bool { ended.withLock { $0 } != nil }
}
