/// A configuration problem, naming the key path at fault: `motors.driver: unknown driver "pca"; …`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path (`mqtt.keyFile`), or nil for a whole-file problem.
    public var keyPath: String?
    public var message: String

    public init(_ keyPath: String?, _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        keyPath.map { "\($0): \(message)" } ?? message
    }
}
