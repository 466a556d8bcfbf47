/// One PCA9685 channel's ON/OFF registers, decoded.
public struct PCA9685Channel: Equatable, Sendable {
    /// The 12-bit count at which the output goes high.
    public var on: UInt16
    /// The 12-bit count at which the output goes low.
    public var off: UInt16
    /// ON_H bit 4: always high (unless `fullOff`).
    public var fullOn: Bool
    /// OFF_H bit 4: always low; wins over `fullOn`.
    public var fullOff: Bool

    /// A channel's decoded registers.
    public init(on: UInt16, off: UInt16, fullOn: Bool, fullOff: Bool) {
        self.on = on
        self.off = off
        self.fullOn = fullOn
        self.fullOff = fullOff
    }

    /// The fraction of each PWM period the output is high, 0…1.
    public var duty: Double {
        if fullOff { return 0 }
        if fullOn { return 1 }
        if on == off { return 0 }
        return Double((Int(off) - Int(on) + 4096) % 4096) / 4096
    }
}
