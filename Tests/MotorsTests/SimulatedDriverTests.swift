import Logging
import Motors
import TestSupport
import Testing

@Suite("SimulatedDriver")
struct SimulatedDriverTests {
    @Test("logs each change at info with motors.driver metadata, and nothing when unchanged")
    func logsChanges() throws {
        let capture = LogCapture()
        let driver = SimulatedDriver(logger: capture.logger)
        try driver.stopAll()
        #expect(capture.entries.isEmpty, "it starts stopped")
        try driver.setMotors(0.5, 0.5)
        try driver.setMotors(0.5, 0.5)
        try driver.setMotors(-1, 0.0004)
        try driver.stopAll()
        #expect(
            capture.entries.map(\.message) == [
                "simulated motors: left=+0.500 right=+0.500",
                "simulated motors: left=-1.000 right=+0.000",
                "simulated motors: left=+0.000 right=+0.000",
            ])
        #expect(capture.entries.allSatisfy { $0.level == .info && $0.metadata["motors.driver"] == "simulated" })
        #expect(driver.motor1 == 0 && driver.motor2 == 0 && driver.changeCount == 3)
    }

    @Test("clamps like the hardware drivers")
    func clamps() throws {
        let driver = SimulatedDriver(logger: LogCapture().logger)
        try driver.setMotors(-7, .nan)
        #expect(driver.motor1 == -1 && driver.motor2 == 0)
        #expect(driver.description == "simulated motors")
    }
}
