/// A battery sensor that answered but whose answer cannot be used, as a value that explains itself: the chip on
/// its bus, what went wrong, and the likely fix. (A chip that does not answer at all is a `HardwareError`.)
public struct BatterySensorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The chip on its bus, e.g. `ADS1015 at 0x48 on /dev/i2c-1`.
    public var sensor: String
    /// What went wrong, e.g. `the conversion did not finish after 20 polls`.
    public var problem: String
    /// The likely fix; empty when there is no useful advice.
    public var hint: String

    public init(sensor: String, problem: String, hint: String = "") {
        self.sensor = sensor
        self.problem = problem
        self.hint = hint
    }

    public var description: String {
        hint.isEmpty ? "\(sensor): \(problem)" : "\(sensor): \(problem) — \(hint)"
    }
}
