public import Logging
import Synchronization

/// Collects what a `Logger` logs, for asserting on messages, levels and metadata.
public final class LogCapture: Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])

    public init() {}

    public var entries: [Entry] {
        storage.withLock { $0 }
    }

    public var logger: Logger {
        var logger = Logger(label: "robot.test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    /// The first entry `matches` accepts, waiting up to `timeout` for it (a component logging from its own task).
    public func waitFor(timeout: Duration, _ matches: (Entry) -> Bool) async throws -> Entry {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let entry = entries.first(where: matches) { return entry }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("no such log entry within \(timeout); the last: \(entries.suffix(5).map(\.message))")
    }

    fileprivate func append(_ entry: Entry) {
        storage.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(
                Entry(level: event.level, message: event.message.description, metadata: merged.mapValues(\.description))
            )
        }
    }
}
