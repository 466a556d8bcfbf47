/// A running `mosquitto_sub` (from ``MosquittoCLI/subscribe(to:credentials:qos:clientID:timeout:)``)
/// and the messages it has received so far. Killed when released.
public final class MosquittoSubscription: Sendable {
    public let topics: [String]
    private let process: ChildProcess

    init(topics: [String], process: ChildProcess) {
        self.topics = topics
        self.process = process
    }

    /// Every message received so far, in order of arrival.
    public var messages: [ReceivedMessage] {
        process.standardOutput.split(separator: "\n").compactMap(ReceivedMessage.init(mosquittoSubLine:))
    }

    /// True while `mosquitto_sub` runs. It exits ("Error: The connection was lost.")
    /// when the broker goes away; subscribe again after a restart.
    public var isRunning: Bool { process.isRunning }

    /// Waits for `mosquitto_sub` to exit, e.g. after the broker stopped.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> ChildProcess.Termination {
        try await process.waitForExit(timeout: timeout)
    }

    /// Waits for the first message — already received or to come — that matches `predicate`.
    @discardableResult
    public func waitForMessage(
        timeout: Duration = .seconds(5),
        where predicate: (ReceivedMessage) -> Bool = { _ in true }
    ) async throws -> ReceivedMessage {
        let found = try await pollUntil(timeout: timeout, every: .milliseconds(10)) { messages.first(where: predicate) }
        guard let found else {
            throw TestSupportError(
                "mosquitto_sub on \(topics) received no matching message within \(timeout); "
                    + "it received: \(messages)\n\(process.outputTail(lines: 10))")
        }
        return found
    }

    /// Waits for the first message on `topic` (an exact topic name, not a filter).
    @discardableResult
    public func waitForMessage(topic: String, timeout: Duration = .seconds(5)) async throws -> ReceivedMessage {
        try await waitForMessage(timeout: timeout) { $0.topic == topic }
    }

    /// Waits until at least `count` messages have arrived, and returns all received.
    @discardableResult
    public func waitForMessages(count: Int, timeout: Duration = .seconds(5)) async throws -> [ReceivedMessage] {
        let found = try await pollUntil(timeout: timeout, every: .milliseconds(10)) { () -> [ReceivedMessage]? in
            let received = messages
            return received.count >= count ? received : nil
        }
        guard let found else {
            throw TestSupportError(
                "mosquitto_sub on \(topics) received \(messages.count) of \(count) messages within \(timeout): "
                    + "\(messages)")
        }
        return found
    }

    /// Disconnects and stops `mosquitto_sub`.
    public func stop() async throws {
        try await process.terminate(timeout: .seconds(5))
    }
}
