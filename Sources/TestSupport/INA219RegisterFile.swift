import Hardware

/// A TI INA219 (high-side current and bus voltage monitor, usually at 0x40 with a 0.1 Ω shunt) modelled at
/// register level on a fake I2C bus, so that the real ``INA219`` driver runs against it and tests set the voltages
/// it measures.
///
/// Modelled from the datasheet (SBOS448): power-on defaults (configuration 0x399F — 32 V bus range, ±320 mV shunt
/// range, 12-bit, shunt and bus continuous —, calibration 0); RST (bit 15) restores them; the shunt voltage
/// register is the shunt input in 10 µV steps, signed, clamped to the PGA range (±40/80/160/320 mV); the bus
/// voltage register holds VIN− against GND in 4 mV steps in bits 15:3 (clamped to 0…16 V or 0…32 V by BRNG), CNVR
/// (bit 1) set after a conversion and cleared by reading the power register, and OVF (bit 0). Measurements are
/// taken at each read in the continuous modes (5…7), at the configuration write in the triggered modes (1…3), and
/// not at all in power-down (0, 4), which keeps the last values.
///
/// Simplified: conversions take no time; OVF, which the chip sets when its current or power arithmetic overflows,
/// is set here when the shunt input is beyond the PGA range (where that arithmetic overflows); the current and
/// power registers read 0 (the driver computes amps from the shunt voltage itself).
public final class INA219RegisterFile: WordRegisterChip {
    /// Each register's value as the chip would return it.
    public private(set) var registers: [UInt16] = []
    /// The voltage across the shunt (VIN+ − VIN−), in volts; set by the test.
    public var shuntVolts = 0.0
    /// The voltage at VIN− against GND (the load side of the shunt), in volts; set by the test.
    public var busVolts = 0.0

    /// A chip at `address` on a bus named `path`, in its power-on state.
    public init(address: UInt8 = 0x40, path: String = "/dev/i2c-1") {
        super.init(address: address, path: path, registerCount: 6)
        powerOn()
    }

    /// Puts every register back to its power-on value; the log is kept.
    public func powerOn() {
        registers = [0x399F, 0, 0, 0, 0, 0]
    }

    // MARK: Inspection

    /// The configuration register.
    public var configuration: UInt16 { registers[0] }
    /// The shunt range the PGA bits select, in volts (0.04, 0.08, 0.16 or 0.32).
    public var shuntRangeVolts: Double { 0.04 * Double(1 << Int(configuration >> 11 & 0x3)) }
    /// The bus range BRNG selects, in volts (16 or 32).
    public var busRangeVolts: Double { configuration & 0x2000 != 0 ? 32 : 16 }

    // MARK: Model

    override func store(_ value: UInt16, at register: UInt8) {
        switch register {
        case 0:
            if value & 0x8000 != 0 {
                powerOn()
                return
            }
            registers[0] = value
            if (1...3).contains(mode) { measure() }
        case 5:
            registers[5] = value & 0xFFFE  // bit 0 is read-only, always 0
        default:
            note("wrote to the read-only register \(hexByte(register))")
        }
    }

    override func load(_ register: UInt8) -> UInt16 {
        if (5...7).contains(mode) && (register == 1 || register == 2) { measure() }
        if register == 3 { registers[2] &= ~0x0002 }  // reading power clears CNVR
        return registers[Int(register)]
    }

    /// MODE bits 2:0.
    private var mode: UInt16 { configuration & 0x7 }

    private func measure() {
        let range = shuntRangeVolts
        let overflow = abs(shuntVolts) > range
        if mode & 0x1 != 0 {
            let counts = (min(range, max(-range, shuntVolts)) / 0.000_01).rounded()
            registers[1] = UInt16(bitPattern: Int16(counts))
        }
        if mode & 0x2 != 0 {
            let counts = UInt16((min(busRangeVolts, max(0, busVolts)) / 0.004).rounded())
            registers[2] = counts << 3 | 0x0002 | (overflow ? 0x0001 : 0)
        }
    }
}
