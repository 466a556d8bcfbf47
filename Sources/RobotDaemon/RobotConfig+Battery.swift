public import JSONConfig

// Placeholder: the battery helper fills this in (docs in /tmp/prompts/spec16.md).
extension RobotConfig {
    /// The `battery` section: which sensor, where, and when to warn.
    public struct Battery: Sendable, Equatable {
        public init() {}
    }

    static let batteryKeys: Set<String> = []

    static func parseBattery(_ reader: ConfigReader) throws(ConfigError) -> Battery {
        Battery()
    }
}
