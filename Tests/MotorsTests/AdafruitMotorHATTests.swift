import Hardware
import Motors
import TestSupport
import Testing

@Suite("AdafruitMotorHAT on a PCA9685 register-file model")
struct AdafruitMotorHATTests {
    /// Channels of M1 and M2: (PWM, IN2, IN1).
    static let used = [8, 9, 10, 13, 12, 11]

    private func makeHAT() throws -> (AdafruitMotorHAT, PCA9685RegisterFile) {
        let chip = PCA9685RegisterFile()
        let hat = try AdafruitMotorHAT(bus: chip)
        return (hat, chip)
    }

    @Test("initialises the chip at 1600 Hz (PRESCALE 3) with both motors stopped")
    func startsStopped() throws {
        let (hat, chip) = try makeHAT()
        #expect(chip.mode1 == 0x21 && chip.mode2 == 0x04 && chip.prescale == 3)
        #expect(Self.used.allSatisfy { chip.channel($0).fullOff })
        #expect(chip.violations.isEmpty)
        #expect(hat.description == "Adafruit Motor HAT (PCA9685 at 0x60 on /dev/i2c-1)")
    }

    @Test(
        "direction sets IN1/IN2 full-on/full-off and speed the PWM duty",
        arguments: [
            // throttle, IN1 high, IN2 high, PWM OFF count (nil = full-off, 4096 = full-on)
            (0.5, true, false, 2048), (-0.5, false, true, 2048), (0.25, true, false, 1024), (-1, false, true, 4096),
            (0, false, false, nil),
        ] as [(Double, Bool, Bool, Int?)])
    func direction(throttle: Double, in1: Bool, in2: Bool, pwmCount: Int?) throws {
        let (hat, chip) = try makeHAT()
        for (motor, channels) in [(1, (pwm: 8, in2: 9, in1: 10)), (2, (pwm: 13, in2: 12, in1: 11))] {
            try hat.setMotors(motor == 1 ? throttle : 0.7, motor == 2 ? throttle : 0.7)
            #expect(chip.channel(channels.in1).duty == (in1 ? 1 : 0))
            #expect(chip.channel(channels.in2).duty == (in2 ? 1 : 0))
            let pwm = chip.channel(channels.pwm)
            switch pwmCount {
            case nil: #expect(pwm.fullOff)
            case 4096: #expect(pwm.fullOn && !pwm.fullOff)
            case let count?: #expect(pwm == PCA9685Channel(on: 0, off: UInt16(count), fullOn: false, fullOff: false))
            }
        }
    }

    @Test("each channel update is one 5-byte write: IN going low, IN going high, then PWM")
    func oneWritePerChannel() throws {
        let (hat, chip) = try makeHAT()
        chip.clearTransactions()
        try hat.setMotors(0.5, -0.5)
        #expect(chip.writes.count == 6)
        #expect(chip.writes.allSatisfy { $0.count == 5 })
        let channels = chip.writes.map { Int(($0[0] - 0x06) / 4) }
        #expect(channels == [9, 10, 8, 11, 12, 13])
    }

    @Test("stopAll leaves every used channel full-off, is idempotent and writes no other channel one by one")
    func stopAll() throws {
        let (hat, chip) = try makeHAT()
        try hat.setMotors(1, -0.3)
        try hat.stopAll()
        #expect(Self.used.allSatisfy { chip.channel($0).fullOff })
        try hat.stopAll()
        #expect(Self.used.allSatisfy { chip.channel($0).fullOff })
        let touched = Set(chip.writes.filter { $0[0] >= 0x06 && $0[0] <= 0x45 }.map { Int(($0[0] - 0x06) / 4) })
        #expect(touched == Set(Self.used))
    }

    @Test("throttles are clamped and NaN releases")
    func clamping() throws {
        let (hat, chip) = try makeHAT()
        try hat.setMotors(3, -.infinity)
        #expect(chip.channel(8).fullOn && chip.channel(13).fullOn)
        try hat.setMotors(.nan, 0.5)
        #expect(chip.channel(8).fullOff && chip.channel(10).fullOff && chip.channel(9).fullOff)
    }

    @Test("dropping the driver stops the motors, as the chip would keep driving them")
    func deinitStops() throws {
        let chip = PCA9685RegisterFile()
        do {
            let hat = try AdafruitMotorHAT(bus: chip)
            try hat.setMotors(0.8, -0.8)
            #expect(chip.channel(8).duty > 0.7)
        }
        #expect(Self.used.allSatisfy { chip.channel($0).fullOff })
    }

    @Test("M3 and M4 are in the channel table")
    func table() {
        #expect(AdafruitMotorHAT.motorChannels[2] == .init(pwm: 2, in2: 3, in1: 4))
        #expect(AdafruitMotorHAT.motorChannels[3] == .init(pwm: 7, in2: 6, in1: 5))
    }

    @Test("terminals M3/M4 can stand in for M1/M2")
    func otherTerminals() throws {
        let chip = PCA9685RegisterFile()
        let hat = try AdafruitMotorHAT(board: PCA9685(bus: chip), terminals: (3, 4))
        try hat.setMotors(0.5, -0.5)
        #expect(chip.channel(4).fullOn && chip.channel(2).duty == 0.5)
        #expect(chip.channel(6).fullOn && chip.channel(7).duty == 0.5)
        #expect(chip.channel(8).fullOff)
    }
}
