public import Basics
public import StrictJSON

/// One message on `<thing>/telemetry`: the robot's state and what just happened.
///
/// On the wire (``jsonBytes()``) the keys come in a fixed order — `thingName`, `event`, `left`, `right`, `id`
/// and `reason` when present, `ts` — followed by ``extra``. Throttles are rounded to at most 4 decimals when
/// written, to keep payloads tidy (`0.7`, not `0.7000000000000001`).
public struct Telemetry: Sendable, Equatable {
    /// The robot this message is from (its MQTT client id on AWS IoT).
    public var thingName: String
    public var event: TelemetryEvent
    /// Current left throttle, −1…1.
    public var left: Double
    /// Current right throttle, −1…1.
    public var right: Double
    /// The `id` of the command this message is about, echoed back to the client.
    public var id: String?
    /// Why the robot stopped or a command was rejected.
    public var reason: String?
    /// When it happened; written as `ts`.
    public var timestamp: Timestamp
    /// Further fields, e.g. `durationMs` or `counters`, written after the standard ones. A key named like a
    /// standard field is not written.
    public var extra: JSONObject

    public init(
        thingName: String, event: TelemetryEvent, left: Double = 0, right: Double = 0,
        id: String? = nil, reason: String? = nil, timestamp: Timestamp, extra: JSONObject = [:]
    ) {
        self.thingName = thingName
        self.event = event
        self.left = left
        self.right = right
        self.id = id
        self.reason = reason
        self.timestamp = timestamp
        self.extra = extra
    }

    /// The keys written by this type itself; ``extra`` cannot override them.
    public static let standardKeys: Set<String> = ["thingName", "event", "left", "right", "id", "reason", "ts"]
}
