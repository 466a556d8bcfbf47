public import Hardware

/// The TI INA219: a high-side current and bus voltage monitor on an I2C bus (0x40…0x4F; 0x40 on most breakout
/// boards, with a 0.1 Ω shunt), wired in the battery's positive lead.
///
/// ``configure()`` writes the configuration once (the power-on default: 32 V bus range, ±320 mV shunt range,
/// 12-bit, shunt and bus continuous) so that a chip another program reconfigured is back in a known state. A
/// ``read()`` is two I2C transactions (shunt voltage, bus voltage); amps are computed from the shunt voltage, so
/// the calibration register is not used. Not thread-safe, like its bus.
public final class INA219: BatterySensor {
    /// Register addresses from the datasheet (SBOS448).
    public enum Register {
        public static let configuration: UInt8 = 0x00
        /// Signed, 10 µV per count.
        public static let shuntVoltage: UInt8 = 0x01
        /// Bits 15:3 in 4 mV counts; CNVR bit 1; OVF bit 0.
        public static let busVoltage: UInt8 = 0x02
    }

    /// BRNG = 1 (32 V), PG = 11 (±320 mV), BADC = SADC = 0011 (12-bit), MODE = 111 (shunt and bus, continuous).
    public static let configuration: UInt16 = 0x399F
    /// The shunt range that configuration gives, in volts.
    public static let shuntRangeVolts = 0.32

    /// The bus the chip is on.
    public let bus: any I2CBus
    /// The chip's 7-bit address.
    public let address: UInt8
    /// The shunt resistor, in ohms.
    public let shuntOhms: Double

    /// A chip at `address` on `bus` measuring across a `shuntOhms` shunt; nothing is sent until ``configure()``.
    public init(bus: any I2CBus, address: UInt8 = 0x40, shuntOhms: Double = 0.1) {
        precondition(shuntOhms > 0, "a shunt has a resistance above 0 Ω")
        self.bus = bus
        self.address = address
        self.shuntOhms = shuntOhms
    }

    /// e.g. `INA219 at 0x40 on /dev/i2c-1`.
    public var description: String {
        "INA219 at \(hexByte(address)) on \(bus.path)"
    }

    /// Writes ``configuration``.
    public func configure() throws {
        try bus.writeWord(address: address, register: Register.configuration, Self.configuration)
    }

    /// The voltage across the shunt, in volts (positive while the battery discharges).
    public func shuntVolts() throws -> Double {
        Double(Int16(bitPattern: try bus.readWord(address: address, register: Register.shuntVoltage))) * 0.000_01
    }

    /// The voltage at VIN− (the load side of the shunt) against GND, in volts. OVF set is an error: the current
    /// is beyond the shunt range and the measurement is meaningless.
    public func busVolts() throws -> Double {
        let value = try bus.readWord(address: address, register: Register.busVoltage)
        if value & 0x0001 != 0 {
            let maxAmps = BatteryReading.rounded(Self.shuntRangeVolts / shuntOhms)
            throw BatterySensorError(
                sensor: description,
                problem: "math overflow (OVF): the current is beyond the shunt range (±320 mV, \(maxAmps) A with "
                    + "\(shuntOhms) Ω)",
                hint: "is battery.shuntOhms right, and the load within the shunt's range?")
        }
        return Double(value >> 3) * 0.004
    }

    /// The battery's voltage (VIN+, the bus voltage plus the shunt's drop) and current (shunt volts / ohms).
    public func read() throws -> BatterySample {
        let shunt = try shuntVolts()
        let bus = try busVolts()
        return BatterySample(volts: bus + shunt, amps: shunt / shuntOhms)
    }
}
