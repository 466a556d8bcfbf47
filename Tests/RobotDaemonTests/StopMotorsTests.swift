import Hardware
import Logging
import Motors
import RobotDaemon
import StrictJSON
import TestSupport
import Testing

/// `robotd stop-motors` after a crash: the PCA9685 kept the dead process's last state; a fresh process
/// opening the hardware through the real path must leave every used channel full-off.
@Suite struct StopMotorsTests {
    @Test func stopMotorsOnAChipLeftDrivingLeavesEveryUsedChannelFullOff() throws {
        let chip = PCA9685RegisterFile()
        // The crashed daemon's driver: it never got to stop (kept alive until the end of the test).
        let crashed = DifferentialBase(driver: try AdafruitMotorHAT(bus: chip), wiring: Wiring())
        try crashed.drive(left: 0.7, right: -0.7)
        #expect(chip.channel(8).duty > 0.6 && chip.channel(13).duty > 0.6, "the chip is driving before the stop")
        #expect(chip.channel(10).fullOn && chip.channel(12).fullOn)

        let pki = try TestPKI.make()
        let json = try JSONParser.parse(
            #"""
            {"thingName":"sts-pi",
             "mqtt":{"endpoint":"localhost","caFile":"\#(pki.caFile.path)","certFile":"\#(pki.certFile("sts-pi").path)","keyFile":"\#(pki.keyFile("sts-pi").path)"},
             "motors":{"driver":"adafruit","i2cBus":1,"i2cAddress":96}}
            """#)
        let config = try RobotConfig.parse(try #require(json.objectValue), directory: "/")
        var openedBus: Int?
        _ = try makeBase(config: config, logger: Logger(label: "test")) { bus in
            openedBus = bus
            return chip
        }
        #expect(openedBus == 1)
        for channel in [8, 9, 10, 11, 12, 13] {
            #expect(chip.channel(channel).fullOff, "channel \(channel) is full-off")
            #expect(!chip.channel(channel).fullOn, "channel \(channel) is not full-on")
        }
        #expect(chip.prescale == 3, "re-initialised at 1600 Hz")
        #expect(chip.violations.isEmpty, "\(chip.violations)")
        withExtendedLifetime(crashed) {}
    }

    @Test func stopMotorsOnABrokenBusTriesEveryChannelAndNamesWhatFailed() throws {
        let pki = try TestPKI.make()
        let json = try JSONParser.parse(
            #"""
            {"thingName":"sts-pi",
             "mqtt":{"endpoint":"localhost","caFile":"\#(pki.caFile.path)","certFile":"\#(pki.certFile("sts-pi").path)","keyFile":"\#(pki.keyFile("sts-pi").path)"},
             "motors":{"driver":"adafruit","i2cBus":1,"i2cAddress":96}}
            """#)
        let config = try RobotConfig.parse(try #require(json.objectValue), directory: "/")
        let bus = FaultyI2CBus()
        bus.failUntilHealed()
        let error = try #require(throws: MotorStopError.self) {
            try makeBase(config: config, logger: Logger(label: "test")) { _ in bus }
        }
        #expect(error.attempted == 7 && error.failures.count == 7)
        #expect(bus.failedWriteBytes.contains([0xFC, 0x00, 0x10]), "ALL_LED_OFF was tried after the start failed")
        let text = "\(error)"
        #expect(
            text.hasPrefix("cannot stop the motors: 7 of 7 stop writes failed (ALL_LED_OFF, motor 1 PWM (channel 8)"),
            "\(text)")
        #expect(text.contains("0x60") && text.contains("/dev/i2c-1") && text.contains("EREMOTEIO"), "\(text)")
    }
}
