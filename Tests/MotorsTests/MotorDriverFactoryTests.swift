import Foundation
import Hardware
import Motors
import TestSupport
import Testing

@Suite("makeMotorDriver")
struct MotorDriverFactoryTests {
    @Test("simulated: stopped, and announced at notice")
    func simulated() throws {
        let capture = LogCapture()
        let driver = try makeMotorDriver(MotorHardwareConfig(driver: .simulated), logger: capture.logger)
        let simulated = try #require(driver as? SimulatedDriver)
        #expect(simulated.motor1 == 0 && simulated.motor2 == 0)
        #expect(capture.entries.contains { $0.level == .notice && $0.metadata["motors.driver"] == "simulated" })
    }

    @Test(
        "adafruit on a machine without /dev/i2c-1 fails with the clear ENOENT message",
        .enabled(if: !FileManager.default.fileExists(atPath: "/dev/i2c-1")))
    func adafruitWithoutI2C() throws {
        let error = try #require(throws: HardwareError.self) {
            try makeMotorDriver(MotorHardwareConfig(driver: .adafruit), logger: LogCapture().logger)
        }
        #expect(
            error.description
                == "unable to open /dev/i2c-1: no such device (ENOENT)"
                + " — is I2C enabled (raspi-config nonint do_i2c 0) and the HAT seated?"
        )
    }

    @Test(
        "explorerhat on a machine without /dev/gpiochip0 fails naming the chip",
        .enabled(if: !FileManager.default.fileExists(atPath: "/dev/gpiochip0")))
    func explorerWithoutGPIO() throws {
        let error = try #require(throws: HardwareError.self) {
            try makeMotorDriver(MotorHardwareConfig(driver: .explorerhat), logger: LogCapture().logger)
        }
        #expect(error.description.hasPrefix("unable to open /dev/gpiochip0: no such device (ENOENT)"))
    }

    @Test("impossible settings name the config key")
    func validation() throws {
        let logger = LogCapture().logger
        let frequency = try #require(throws: MotorConfigError.self) {
            try makeMotorDriver(MotorHardwareConfig(driver: .explorerhat, pwmFrequency: 5000), logger: logger)
        }
        #expect(
            frequency.description == "motors.pwmFrequency: 5000 Hz is out of range for explorerhat; expected 10…1000")
        let address = try #require(throws: MotorConfigError.self) {
            try makeMotorDriver(MotorHardwareConfig(driver: .adafruit, i2cAddress: 0x80), logger: logger)
        }
        #expect(address.key == "motors.i2cAddress")
    }

    @Test("driver kinds are the config file's values")
    func kinds() {
        #expect(DriverKind.allCases.map(\.rawValue) == ["adafruit", "explorerhat", "simulated"])
        #expect(DriverKind(rawValue: "pca") == nil)
    }
}
