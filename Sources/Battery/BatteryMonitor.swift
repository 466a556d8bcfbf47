/// A crossing of the low-battery threshold, as the `battery` telemetry event's reason.
public enum BatteryEvent: String, Sendable, Equatable, CaseIterable {
    /// The battery fell below `lowVolts`.
    case low
    /// The battery climbed back above `lowVolts + hysteresisVolts`.
    case ok
}

/// Turns samples into telemetry readings and threshold crossings: pure, one sample at a time, no clock.
///
/// The battery is low from the first sample below ``Thresholds/lowVolts`` until one above `lowVolts +
/// hysteresisVolts`, so a voltage that wobbles around the threshold (as it does under a changing motor load) gives
/// one `low` event, not one per sample. The first sample after start is compared against "not low", so a robot
/// that starts on a low battery reports it at once.
public struct BatteryMonitor: Sendable, Equatable {
    /// When to warn, and how to estimate the charge.
    public struct Thresholds: Sendable, Equatable {
        /// Below this many volts the battery is low.
        public var lowVolts: Double
        /// How far above `lowVolts` the battery must climb to be ok again.
        public var hysteresisVolts: Double
        /// The voltage of a full and of an empty battery, for ``BatteryReading/level``; nil: no level.
        public var fullVolts: Double?
        public var emptyVolts: Double?

        public init(
            lowVolts: Double, hysteresisVolts: Double = 0.2, fullVolts: Double? = nil, emptyVolts: Double? = nil
        ) {
            self.lowVolts = lowVolts
            self.hysteresisVolts = hysteresisVolts
            self.fullVolts = fullVolts
            self.emptyVolts = emptyVolts
        }
    }

    public let thresholds: Thresholds
    /// Whether the battery is currently low.
    public private(set) var isLow = false

    public init(thresholds: Thresholds) {
        self.thresholds = thresholds
    }

    /// The reading for `sample`, and the event when it crosses a threshold.
    public mutating func record(_ sample: BatterySample) -> (reading: BatteryReading, event: BatteryEvent?) {
        var event: BatteryEvent?
        if !isLow && sample.volts < thresholds.lowVolts {
            isLow = true
            event = .low
        } else if isLow && sample.volts > thresholds.lowVolts + thresholds.hysteresisVolts {
            isLow = false
            event = .ok
        }
        let reading = BatteryReading(volts: sample.volts, amps: sample.amps, level: level(sample.volts), low: isLow)
        return (reading, event)
    }

    /// The charge left, linear between empty (0) and full (1), clamped; nil without both voltages.
    public func level(_ volts: Double) -> Double? {
        guard let full = thresholds.fullVolts, let empty = thresholds.emptyVolts, full > empty else { return nil }
        return min(1, max(0, (volts - empty) / (full - empty)))
    }
}
