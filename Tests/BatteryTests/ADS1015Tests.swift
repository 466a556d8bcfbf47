import Battery
import Hardware
import TestSupport
import Testing

/// The real ADS1015 driver against the register model: what it writes, how it waits, how it scales.
@Suite("ADS1015 single-shot reads against the register model")
struct ADS1015Tests {
    @Test("a read writes OS | MUX AINn | PGA | MODE | DR | comparator off, polls OS, then reads the conversion")
    func transactions() throws {
        let chip = ADS1015RegisterFile()
        chip.inputVolts[3] = 3.0
        let volts = try ADS1015(bus: chip).readSingleEnded(channel: 3)
        #expect(abs(volts - 3.0) < 1e-9)
        #expect(
            chip.transactions == [
                .write(address: 0x48, bytes: [0x01, 0xF1, 0x83]),
                .readWord(address: 0x48, register: 0x01),
                .readWord(address: 0x48, register: 0x01),
                .readWord(address: 0x48, register: 0x00),
            ])
        #expect(chip.violations.isEmpty)
        #expect(chip.conversions == 1)
        #expect(!chip.isConverting)
    }

    @Test("a conversion finished by the first poll costs three I2C transactions")
    func threeTransactions() throws {
        let chip = ADS1015RegisterFile()
        chip.busyReads = 0
        chip.inputVolts[0] = 1.0
        let volts = try ADS1015(bus: chip).readSingleEnded(channel: 0, gain: .fsr2048mV, dataRate: .sps3300)
        #expect(abs(volts - 1.0) < 1e-9)
        #expect(chip.transactions.count == 3)
        #expect(chip.transactions.first == .write(address: 0x48, bytes: [0x01, 0xC5, 0xC3]))
    }

    @Test(
        "volts = signed 12-bit code × full scale / 2048, for every gain",
        arguments: ADS1015.Gain.allCases)
    func scaling(gain: ADS1015.Gain) throws {
        let chip = ADS1015RegisterFile()
        let input = gain.fullScaleVolts * 0.37
        chip.inputVolts[1] = input
        let volts = try ADS1015(bus: chip).readSingleEnded(channel: 1, gain: gain)
        let step = gain.fullScaleVolts / 2048
        #expect(abs(volts - input) <= step / 2 + 1e-12, "within half a step of \(input) V")
        #expect(chip.fullScaleVolts == gain.fullScaleVolts)
    }

    @Test("the conversion register decodes as signed and left-justified")
    func decoding() {
        #expect(abs(ADS1015.volts(conversion: 0x7FF0, gain: .fsr6144mV) - 6.141) < 1e-9)
        #expect(abs(ADS1015.volts(conversion: 0x8000, gain: .fsr6144mV) - -6.144) < 1e-9)
        #expect(abs(ADS1015.volts(conversion: 0xFFF0, gain: .fsr2048mV) - -0.001) < 1e-9)
        #expect(ADS1015.volts(conversion: 0x000F, gain: .fsr2048mV) == 0, "bits 3:0 are not part of the code")
    }

    @Test("an input below GND reads negative; one beyond full scale reads the largest code")
    func negativeAndClipped() throws {
        let chip = ADS1015RegisterFile()
        let adc = ADS1015(bus: chip)
        chip.inputVolts[2] = -0.1
        #expect(abs(try adc.readSingleEnded(channel: 2) - -0.099) < 1e-9)
        chip.inputVolts[2] = 7.5
        #expect(abs(try adc.readSingleEnded(channel: 2) - 6.141) < 1e-9)
        chip.inputVolts[2] = 3.0
        #expect(abs(try adc.readSingleEnded(channel: 2, gain: .fsr2048mV) - 2.047) < 1e-9)
    }

    @Test("a divider's ratio scales the pin back up to the battery's volts")
    func divider() throws {
        let chip = ADS1015RegisterFile(path: "/dev/i2c-1")
        chip.inputVolts[3] = 3.7
        let input = ADS1015BatteryInput(chip: ADS1015(bus: chip), channel: 3, dividerRatio: 2)
        let sample = try input.read()
        #expect(abs(sample.volts - 7.398) < 1e-9, "3.7 V reads as code 1233 → 3.699 V, × 2")
        #expect(sample.amps == nil)
        #expect(input.description == "ADS1015 at 0x48 on /dev/i2c-1, AIN3 × 2.0")
    }

    @Test("a chip that does not answer is an error naming the bus and 0x48")
    func noChip() throws {
        let chip = ADS1015RegisterFile(address: 0x49, path: "/dev/i2c-3")
        let error = try #require(throws: HardwareError.self) { try ADS1015(bus: chip).readSingleEnded(channel: 0) }
        #expect(error.isNoChipAnswering)
        #expect(
            error.description
                == "no chip answered at 0x48 on /dev/i2c-3 (EREMOTEIO)"
                + " — is the chip seated and its address jumper at 0x48?")
    }

    @Test("a conversion that never finishes gives up after maxPolls polls, naming the chip")
    func stuckConversion() throws {
        let chip = ADS1015RegisterFile()
        chip.busyReads = .max
        let error = try #require(throws: BatterySensorError.self) {
            try ADS1015(bus: chip).readSingleEnded(channel: 0)
        }
        #expect(error.sensor == "ADS1015 at 0x48 on /dev/i2c-1")
        #expect(error.problem == "the conversion did not finish after \(ADS1015.maxPolls) polls")
        #expect(chip.transactions.count == 1 + ADS1015.maxPolls)
        #expect(!chip.transactions.contains(.readWord(address: 0x48, register: 0x00)), "no stale result read")
    }
}
