import Hardware
import TestSupport
import Testing

/// The model must behave like the chip, or the driver tests prove nothing.
@Suite("ADS1015RegisterFile models the datasheet")
struct ADS1015RegisterFileTests {
    @Test("power-on defaults: config 0x8583, thresholds 0x8000 / 0x7FF0, conversion 0")
    func powerOn() throws {
        let chip = ADS1015RegisterFile()
        #expect(try chip.readWord(address: 0x48, register: 0x01) == 0x8583)
        #expect(try chip.readWord(address: 0x48, register: 0x02) == 0x8000)
        #expect(try chip.readWord(address: 0x48, register: 0x03) == 0x7FF0)
        #expect(try chip.readWord(address: 0x48, register: 0x00) == 0)
        #expect(chip.fullScaleVolts == 2.048)
    }

    @Test("OS = 1 in single-shot mode starts a conversion; OS reads 0 until it is done; early reads are stale")
    func singleShot() throws {
        let chip = ADS1015RegisterFile()
        chip.busyReads = 2
        chip.inputVolts = [1.0, 0.25, 0, 0]
        try chip.write(address: 0x48, bytes: [0x01, 0x85, 0x83])  // AIN0 − AIN1, ±2.048 V
        #expect(chip.isConverting)
        #expect(try chip.readWord(address: 0x48, register: 0x00) == 0)
        #expect(chip.violations == ["read the conversion register while a conversion was running"])
        #expect(try chip.readWord(address: 0x48, register: 0x01) == 0x0583)
        #expect(try chip.readWord(address: 0x48, register: 0x01) == 0x0583)
        #expect(try chip.readWord(address: 0x48, register: 0x01) == 0x8583)
        #expect(try chip.readWord(address: 0x48, register: 0x00) == 750 << 4)
    }

    @Test("continuous mode converts at every read of the conversion register")
    func continuous() throws {
        let chip = ADS1015RegisterFile()
        try chip.write(address: 0x48, bytes: [0x01, 0x44, 0x83])  // AIN0, ±2.048 V, continuous
        chip.inputVolts[0] = 0.5
        #expect(try chip.readWord(address: 0x48, register: 0x00) == 500 << 4)
        chip.inputVolts[0] = -0.002
        #expect(try chip.readWord(address: 0x48, register: 0x00) == 0xFFE0)
        #expect(chip.conversions == 2)
    }

    @Test("a one-byte read returns the most significant byte; bad pointers and lengths are violations")
    func wire() throws {
        let chip = ADS1015RegisterFile()
        #expect(try chip.readByte(address: 0x48, register: 0x01) == 0x85)
        try chip.write(address: 0x48, bytes: [0x04, 0x00, 0x00])
        try chip.write(address: 0x48, bytes: [0x02, 0x00])
        try chip.write(address: 0x48, bytes: [0x00, 0x12, 0x34])
        #expect(
            chip.violations == [
                "wrote to 0x04, which is not a register (0x00…0x03)",
                "wrote 1 data byte to register 0x02, which takes 2",
                "wrote to the read-only conversion register",
            ])
        chip.failure = .ioError
        let error = try #require(throws: HardwareError.self) { try chip.readWord(address: 0x48, register: 0) }
        #expect(error.errno == .ioError)
    }
}
