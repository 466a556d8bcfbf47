import Hardware
import TestSupport
import Testing

/// The fake must behave like the chip, or the driver tests prove nothing.
@Suite("PCA9685RegisterFile models the datasheet")
struct PCA9685RegisterFileTests {
    @Test("power-on defaults")
    func powerOn() {
        let chip = PCA9685RegisterFile()
        #expect(chip.mode1 == 0x11)
        #expect(chip.mode2 == 0x04)
        #expect(chip.prescale == 0x1E)
        #expect(chip.isAsleep)
        #expect((0..<16).allSatisfy { chip.channel($0).fullOff })
    }

    @Test("without MODE1.AI every byte lands on the same register")
    func noAutoIncrement() throws {
        let chip = PCA9685RegisterFile()
        try chip.write(address: 0x60, bytes: [0x06, 1, 2, 3, 4])
        #expect(chip.registers[0x06] == 4)
        #expect(chip.registers[0x07...0x09] == [0, 0, 0x10])
    }

    @Test("with MODE1.AI bytes go to successive registers, wrapping after LED15_OFF_H to MODE1")
    func autoIncrement() throws {
        let chip = PCA9685RegisterFile()
        try chip.write(address: 0x60, bytes: [0x00, 0x21])
        try chip.write(address: 0x60, bytes: [0x42, 0x01, 0x02, 0x03, 0x04, 0x20])
        #expect(chip.channel(15) == PCA9685Channel(on: 0x201, off: 0x403, fullOn: false, fullOff: false))
        #expect(chip.mode1 == 0x20)
    }

    @Test("PRESCALE is written only while asleep, and never below 3")
    func prescale() throws {
        let chip = PCA9685RegisterFile()
        try chip.write(address: 0x60, bytes: [0xFE, 0x01])
        #expect(chip.prescale == 3)
        try chip.write(address: 0x60, bytes: [0x00, 0x01])
        try chip.write(address: 0x60, bytes: [0xFE, 0x79])
        #expect(chip.prescale == 3)
        #expect(chip.ignoredPrescaleWrites == 1)
    }

    @Test("ALL_LED writes load every channel and read back as 0")
    func allLED() throws {
        let chip = PCA9685RegisterFile()
        try chip.write(address: 0x60, bytes: [0xFB, 0x10])
        try chip.write(address: 0x60, bytes: [0xFD, 0x00])
        #expect((0..<16).allSatisfy { chip.channel($0).fullOn && chip.channel($0).duty == 1 })
        #expect(try chip.readByte(address: 0x60, register: 0xFB) == 0)
        try chip.write(address: 0x60, bytes: [0xFD, 0xFF])
        #expect(chip.registers[0x09] == 0x1F, "bits 7:5 are reserved")
        #expect((0..<16).allSatisfy { chip.channel($0).duty == 0 }, "full-off wins over full-on")
    }

    @Test("sleeping with a channel running sets RESTART; writing 1 clears it; too soon is a violation")
    func restart() throws {
        let chip = PCA9685RegisterFile()
        try chip.write(address: 0x60, bytes: [0x00, 0x21])
        try chip.write(address: 0x60, bytes: [0x06, 0, 0, 0, 0x08])
        try chip.write(address: 0x60, bytes: [0x00, 0x31])
        #expect(chip.mode1 & 0x80 != 0)
        try chip.write(address: 0x60, bytes: [0x00, 0x21])
        try chip.write(address: 0x60, bytes: [0x00, 0xA1])
        #expect(chip.mode1 == 0x21)
        #expect(chip.violations == ["RESTART written less than 500 µs after clearing SLEEP"])
    }

    @Test("other addresses and injected failures throw like the Linux bus")
    func failures() throws {
        let chip = PCA9685RegisterFile()
        #expect(throws: HardwareError.self) { try chip.write(address: 0x40, bytes: [0, 0]) }
        chip.failure = .ioError
        let error = try #require(throws: HardwareError.self) { try chip.readByte(address: 0x60, register: 0) }
        #expect(error.errno == .ioError)
        #expect(chip.transactions.count == 2)
    }
}
