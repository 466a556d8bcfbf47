/// Why bytes are not a telemetry message, e.g. `telemetry left must be a number, got string`.
public struct TelemetryDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String {
        reason
    }
}
