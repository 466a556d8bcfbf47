import Hardware
import Logging
import Motors
import TestSupport
import Testing

@Suite("Wiring and DifferentialBase")
struct WiringTests {
    private func makeBase(_ wiring: Wiring) -> (DifferentialBase, SimulatedDriver) {
        let driver = SimulatedDriver(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return (DifferentialBase(driver: driver, wiring: wiring), driver)
    }

    @Test(
        "swap exchanges the motors and invert negates a side",
        arguments: [
            (Wiring(), 0.5, -0.25),
            (Wiring(swap: true), -0.25, 0.5),
            (Wiring(invertLeft: true), -0.5, -0.25),
            (Wiring(invertRight: true), 0.5, 0.25),
            (Wiring(swap: true, invertLeft: true), -0.25, -0.5),
            (Wiring(swap: true, invertLeft: true, invertRight: true), 0.25, -0.5),
        ] as [(Wiring, Double, Double)])
    func mapping(wiring: Wiring, motor1: Double, motor2: Double) throws {
        let (base, driver) = makeBase(wiring)
        try base.drive(left: 0.5, right: -0.25)
        #expect(driver.motor1 == motor1)
        #expect(driver.motor2 == motor2)
        #expect(base.left == 0.5 && base.right == -0.25)
    }

    @Test("the original Adafruit build: both inverted, forward drives both motors negative")
    func originalAdafruit() throws {
        let (base, driver) = makeBase(Wiring(invertLeft: true, invertRight: true))
        try base.drive(left: 0.7, right: 0.7)
        #expect(driver.motor1 == -0.7 && driver.motor2 == -0.7)
    }

    @Test("stop stops the driver and zeroes the sides; drive clamps")
    func stopAndClamp() throws {
        let (base, driver) = makeBase(Wiring())
        try base.drive(left: 2, right: .nan)
        #expect(base.left == 1 && base.right == 0)
        try base.stop()
        #expect(driver.motor1 == 0 && driver.motor2 == 0)
        #expect(base.left == 0 && base.right == 0)
    }

    @Test("a failed drive keeps the last good values")
    func failureKeepsState() throws {
        let chip = PCA9685RegisterFile()
        let base = DifferentialBase(driver: try AdafruitMotorHAT(bus: chip), wiring: Wiring())
        try base.drive(left: 0.3, right: 0.3)
        chip.failure = .ioError
        #expect(throws: HardwareError.self) { try base.drive(left: -1, right: -1) }
        #expect(base.left == 0.3 && base.right == 0.3)
    }
}
