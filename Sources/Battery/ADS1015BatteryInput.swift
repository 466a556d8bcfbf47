/// The battery on one ADS1015 input through a resistor divider: battery volts = pin volts × `dividerRatio`
/// ((R_top + R_bottom) / R_bottom; 1 without a divider). One conversion per read.
public final class ADS1015BatteryInput: BatterySensor {
    /// The converter.
    public let chip: ADS1015
    /// The input, AIN0…AIN3.
    public let channel: Int
    /// How much the divider scales the battery down (≥ 1).
    public let dividerRatio: Double
    /// The converter's range.
    public let gain: ADS1015.Gain

    public init(chip: ADS1015, channel: Int, dividerRatio: Double = 1, gain: ADS1015.Gain = .fsr6144mV) {
        precondition((0..<ADS1015.channelCount).contains(channel), "the ADS1015 has inputs AIN0 to AIN3")
        precondition(dividerRatio >= 1, "a divider ratio is at least 1")
        self.chip = chip
        self.channel = channel
        self.dividerRatio = dividerRatio
        self.gain = gain
    }

    /// e.g. `ADS1015 at 0x48 on /dev/i2c-1, AIN3 × 2.0`.
    public var description: String {
        "\(chip), AIN\(channel) × \(dividerRatio)"
    }

    public func read() throws -> BatterySample {
        BatterySample(volts: try chip.readSingleEnded(channel: channel, gain: gain) * dividerRatio)
    }
}
