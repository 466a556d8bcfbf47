import CMosquitto

/// An MQTT failure that explains itself: what was attempted, against what, and why.
public struct MQTTError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No connection to the broker at the moment.
        case notConnected
        /// A certificate or key file is missing or unreadable.
        case tlsFile
        /// An option was rejected by libmosquitto.
        case invalidOption
        /// Publishing or waiting for the acknowledgement failed or timed out.
        case publish
        /// The client was shut down.
        case shutDown
        /// The broker refused a message (an MQTT v5 PUBACK reason code ≥ 0x80, e.g. not authorized).
        case refused
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// libmosquitto's text for a `MOSQ_ERR_*` code.
    static func text(_ rc: Int32) -> String {
        String(cString: mosquitto_strerror(rc))
    }
}
