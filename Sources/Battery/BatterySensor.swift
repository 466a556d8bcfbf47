/// Something that measures the battery: an ADS1015 input behind a divider, an INA219, or a fixed simulated value.
/// Reads block briefly (a few I2C transactions and at most a few milliseconds); not thread-safe, like its bus.
public protocol BatterySensor: AnyObject, CustomStringConvertible {
    /// Measures the battery now.
    func read() throws -> BatterySample
}

/// One measurement before thresholds are applied: the battery's voltage and, where measured, its current.
public struct BatterySample: Sendable, Equatable {
    /// The battery's voltage, in volts.
    public var volts: Double
    /// The current drawn, in amperes; nil for a sensor that only measures voltage.
    public var amps: Double?

    public init(volts: Double, amps: Double? = nil) {
        self.volts = volts
        self.amps = amps
    }
}

/// A battery that always reads the same voltage: robotd's `"sensor": "simulated"`, for local runs and tests.
public final class SimulatedBatterySensor: BatterySensor {
    /// The voltage every read reports.
    public let volts: Double

    public init(volts: Double) {
        self.volts = volts
    }

    public var description: String { "simulated battery at \(volts) V" }

    public func read() throws -> BatterySample {
        BatterySample(volts: volts)
    }
}
