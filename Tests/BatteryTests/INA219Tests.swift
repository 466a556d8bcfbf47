import Battery
import Hardware
import TestSupport
import Testing

/// The real INA219 driver against the register model.
@Suite("INA219 reads against the register model")
struct INA219Tests {
    /// A chip measuring `busVolts` and `shuntVolts`, and the driver, configured, with its transactions forgotten.
    func configured(shuntOhms: Double, busVolts: Double, shuntVolts: Double) throws -> (INA219RegisterFile, INA219) {
        let chip = INA219RegisterFile()
        let sensor = INA219(bus: chip, shuntOhms: shuntOhms)
        try sensor.configure()
        chip.clearTransactions()
        chip.busVolts = busVolts
        chip.shuntVolts = shuntVolts
        return (chip, sensor)
    }

    @Test("configure writes 32 V, ±320 mV, 12-bit continuous (0x399F) over whatever another program left")
    func configure() throws {
        let chip = INA219RegisterFile()
        try chip.write(address: 0x40, bytes: [0x00, 0x01, 0x9B])  // 16 V, ±40 mV, triggered shunt
        try INA219(bus: chip).configure()
        #expect(chip.configuration == 0x399F)
        #expect(chip.transactions.last == .write(address: 0x40, bytes: [0x00, 0x39, 0x9F]))
        #expect(chip.busRangeVolts == 32)
        #expect(chip.shuntRangeVolts == 0.32)
        #expect(chip.violations.isEmpty)
    }

    @Test("volts = bus (4 mV steps) + shunt (10 µV steps); amps = shunt volts / shunt ohms; two transactions")
    func reading() throws {
        let (chip, sensor) = try configured(shuntOhms: 0.1, busVolts: 7.2, shuntVolts: 0.031)
        let sample = try sensor.read()
        #expect(abs(sample.volts - 7.231) < 1e-9)
        #expect(abs(try #require(sample.amps) - 0.31) < 1e-9)
        #expect(
            chip.transactions == [
                .readWord(address: 0x40, register: 0x01), .readWord(address: 0x40, register: 0x02),
            ])
        #expect(sensor.description == "INA219 at 0x40 on /dev/i2c-1")
    }

    @Test("a charging battery's current is negative; the shunt register is signed")
    func negativeCurrent() throws {
        let (chip, sensor) = try configured(shuntOhms: 0.01, busVolts: 8.3, shuntVolts: -0.0123)
        #expect(try chip.readWord(address: 0x40, register: 0x01) == UInt16(bitPattern: -1230))
        let sample = try sensor.read()
        #expect(abs(try #require(sample.amps) - -1.23) < 1e-9)
        #expect(abs(sample.volts - 8.2877) < 1e-9)
    }

    @Test("OVF set (current beyond the shunt range) is an error naming the chip and the overflow")
    func overflow() throws {
        let (_, sensor) = try configured(shuntOhms: 0.1, busVolts: 7.0, shuntVolts: 0.4)
        let error = try #require(throws: BatterySensorError.self) { try sensor.read() }
        #expect(
            error.description
                == "INA219 at 0x40 on /dev/i2c-1: math overflow (OVF): the current is beyond the shunt range"
                + " (±320 mV, 3.2 A with 0.1 Ω) — is battery.shuntOhms right, and the load within the shunt's range?")
    }

    @Test("a chip that does not answer is an error naming the bus and 0x40")
    func noChip() throws {
        let chip = INA219RegisterFile(address: 0x41, path: "/dev/i2c-1")
        let error = try #require(throws: HardwareError.self) { try INA219(bus: chip).configure() }
        #expect(error.isNoChipAnswering)
        #expect(error.description.hasPrefix("no chip answered at 0x40 on /dev/i2c-1 (EREMOTEIO)"))
        chip.failure = .ioError
        let readError = try #require(throws: HardwareError.self) { try INA219(bus: chip, address: 0x41).read() }
        #expect(readError.description.hasPrefix("unable to read from 0x41 on /dev/i2c-1: input/output error (EIO)"))
    }
}

/// The model must behave like the chip, or the driver tests prove nothing.
@Suite("INA219RegisterFile models the datasheet")
struct INA219RegisterFileTests {
    @Test("power-on defaults; RST restores them")
    func reset() throws {
        let chip = INA219RegisterFile()
        #expect(try chip.readWord(address: 0x40, register: 0x00) == 0x399F)
        try chip.write(address: 0x40, bytes: [0x05, 0x10, 0x01])
        try chip.write(address: 0x40, bytes: [0x00, 0x01, 0x9F])
        #expect(chip.registers[5] == 0x1000, "calibration bit 0 is read-only")
        try chip.write(address: 0x40, bytes: [0x00, 0x80, 0x00])
        #expect(chip.registers == [0x399F, 0, 0, 0, 0, 0])
    }

    @Test("ranges clamp: ±40 mV shunt and 16 V bus; CNVR set by a conversion, cleared by reading power")
    func ranges() throws {
        let chip = INA219RegisterFile()
        try chip.write(address: 0x40, bytes: [0x00, 0x01, 0x9F])  // 16 V, ±40 mV, continuous
        chip.shuntVolts = 0.05
        chip.busVolts = 20
        #expect(try chip.readWord(address: 0x40, register: 0x01) == 4000)
        #expect(try chip.readWord(address: 0x40, register: 0x02) == 4000 << 3 | 0x3, "16 V, CNVR, OVF")
        _ = try chip.readWord(address: 0x40, register: 0x03)
        #expect(chip.registers[2] & 0x2 == 0)
    }

    @Test("triggered mode measures at the configuration write; power-down keeps the last values")
    func modes() throws {
        let chip = INA219RegisterFile()
        chip.busVolts = 5
        try chip.write(address: 0x40, bytes: [0x00, 0x39, 0x9A])  // bus, triggered
        chip.busVolts = 6
        #expect(try chip.readWord(address: 0x40, register: 0x02) == 1250 << 3 | 0x2)
        try chip.write(address: 0x40, bytes: [0x00, 0x39, 0x98])  // power-down
        #expect(try chip.readWord(address: 0x40, register: 0x02) == 1250 << 3 | 0x2)
        try chip.write(address: 0x40, bytes: [0x03, 0x00, 0x01])
        #expect(chip.violations == ["wrote to the read-only register 0x03"])
    }
}
