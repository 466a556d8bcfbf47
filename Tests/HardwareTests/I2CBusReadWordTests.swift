import Hardware
import TestSupport
import Testing

/// `readWord` on the fakes that stand in for I2C buses: most significant byte first, like the chips send it.
@Suite("I2CBus.readWord on the register-file fakes")
struct I2CBusReadWordTests {
    @Test("the PCA9685's 8-bit registers: with MODE1.AI the next register follows, without it the same one repeats")
    func pca9685() throws {
        let chip = PCA9685RegisterFile()
        #expect(try chip.readWord(address: 0x60, register: 0x00) == 0x1111, "power-on MODE1 0x11, AI off")
        try chip.write(address: 0x60, bytes: [0x00, 0x21])
        #expect(try chip.readWord(address: 0x60, register: 0x00) == 0x2104, "MODE1 then MODE2")
        #expect(chip.transactions.last == .readWord(address: 0x60, register: 0x00))
        #expect(throws: HardwareError.self) { try chip.readWord(address: 0x48, register: 0) }
    }

    @Test("FaultyI2CBus passes word reads through to its chip")
    func faulty() throws {
        let bus = FaultyI2CBus()
        bus.failUntilHealed()
        #expect(try bus.readWord(address: 0x60, register: 0xFE) == 0x1E1E, "failing writes leave reads alone")
    }

    @Test("word-register chips answer MSB first")
    func wordRegisters() throws {
        let adc = ADS1015RegisterFile()
        #expect(try adc.readWord(address: 0x48, register: 0x01) == 0x8583)
        let monitor = INA219RegisterFile()
        #expect(try monitor.readWord(address: 0x40, register: 0x00) == 0x399F)
    }
}
