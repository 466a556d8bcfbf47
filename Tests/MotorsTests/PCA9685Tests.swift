import Hardware
import Motors
import TestSupport
import Testing

@Suite("PCA9685 on a register-file model")
struct PCA9685Tests {
    @Test(
        "prescale = round(25 MHz / (4096 f)) - 1 within 3…255",
        arguments: [(1600.0, 3), (1000, 5), (200, 30), (50, 121), (24, 253), (10, 255), (5000, 3)] as [(Double, Int)])
    func prescale(frequency: Double, expected: Int) {
        #expect(PCA9685.prescale(forFrequency: frequency) == UInt8(expected))
    }

    @Test("start leaves MODE1 = AI|ALLCALL (awake, RESTART done), MODE2 = OUTDRV, PRESCALE 3, all channels off")
    func startFromPowerOn() throws {
        let chip = PCA9685RegisterFile()
        try PCA9685(bus: chip).start()
        #expect(chip.mode1 == 0x21)
        #expect(chip.mode2 == 0x04)
        #expect(chip.prescale == 3)
        #expect(!chip.isAsleep)
        #expect((0..<16).allSatisfy { chip.channel($0).fullOff && chip.channel($0).duty == 0 })
        #expect(chip.ignoredPrescaleWrites == 0)
        #expect(chip.violations.isEmpty)
        #expect(chip.writes.first == [0xFD, 0x10], "full-off for every channel comes first")
    }

    @Test("start again on a running chip still sets the new prescale, because it sleeps first")
    func restartWithAnotherFrequency() throws {
        let chip = PCA9685RegisterFile()
        let board = PCA9685(bus: chip)
        try board.start()
        try board.setDuty(channel: 3, duty: 0.3)
        try board.start(frequency: 50)
        #expect(chip.prescale == 121)
        #expect(chip.ignoredPrescaleWrites == 0)
        #expect(chip.mode1 == 0x21)
        #expect(chip.channel(3).fullOff)
        #expect(chip.violations.isEmpty)
    }

    @Test("setDuty writes a channel's four registers in one 5-byte write", arguments: [0, 7, 15])
    func oneWritePerChannel(channel: Int) throws {
        let chip = PCA9685RegisterFile()
        let board = PCA9685(bus: chip)
        try board.start()
        chip.clearTransactions()
        try board.setDuty(channel: channel, duty: 0.5)
        #expect(chip.writes == [[0x06 + 4 * UInt8(channel), 0x00, 0x00, 0x00, 0x08]])
        #expect(chip.channel(channel) == PCA9685Channel(on: 0, off: 2048, fullOn: false, fullOff: false))
        #expect(chip.channel(channel).duty == 0.5)
    }

    @Test("duty 0 is full-off, 1 is full-on, out of range is clamped")
    func extremes() throws {
        let chip = PCA9685RegisterFile()
        let board = PCA9685(bus: chip)
        try board.start()
        try board.setDuty(channel: 1, duty: 1)
        #expect(chip.channel(1).fullOn && !chip.channel(1).fullOff)
        #expect(chip.channel(1).duty == 1)
        try board.setDuty(channel: 1, duty: 0)
        #expect(chip.channel(1).fullOff && !chip.channel(1).fullOn)
        try board.setDuty(channel: 2, duty: 7)
        #expect(chip.channel(2).duty == 1)
        try board.setDuty(channel: 2, duty: -.infinity)
        #expect(chip.channel(2).fullOff)
        try board.setDuty(channel: 2, duty: .nan)
        #expect(chip.channel(2).fullOff)
        try board.setFullOn(channel: 4)
        #expect(chip.channel(4).fullOn)
        try board.setFullOff(channel: 4)
        #expect(chip.channel(4).duty == 0)
    }

    @Test("a chip that does not answer gives EREMOTEIO naming the address")
    func wrongAddress() throws {
        let chip = PCA9685RegisterFile(address: 0x60)
        let error = try #require(throws: HardwareError.self) { try PCA9685(bus: chip, address: 0x41).start() }
        #expect(error.isNoChipAnswering)
        #expect(error.description.hasPrefix("no chip answered at 0x41 on /dev/i2c-1 (EREMOTEIO)"))
        #expect(PCA9685(bus: chip, address: 0x41).description == "PCA9685 at 0x41 on /dev/i2c-1")
    }
}
