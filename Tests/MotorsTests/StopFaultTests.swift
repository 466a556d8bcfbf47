import Hardware
import Motors
import TestSupport
import Testing

/// A stop tries every output whatever fails, on the PCA9685 register file behind a bus that fails on demand and
/// on GPIO lines that fail a write.
@Suite struct StopFaultTests {
    /// M1 and M2: (PWM, IN2, IN1).
    static let used = [8, 9, 10, 13, 12, 11]

    private func drivingHAT() throws -> (AdafruitMotorHAT, FaultyI2CBus) {
        let bus = FaultyI2CBus()
        let hat = try AdafruitMotorHAT(bus: bus)
        try hat.setMotors(0.7, -0.7)
        #expect(bus.inspect { $0.channel(8).duty > 0.6 && $0.channel(13).duty > 0.6 })
        bus.inspect { $0.clearTransactions() }
        return (hat, bus)
    }

    @Test func stopAllWritesAllLEDOffFirstInOneWriteThenEveryMotorChannel() throws {
        let (hat, bus) = try drivingHAT()
        try hat.stopAll()
        let writes = bus.inspect { $0.writes }
        #expect(writes.first == [0xFC, 0x00, 0x10], "ALL_LED_OFF_L/H: count 0, full-off bit, one write")
        #expect(writes.dropFirst().map { Int(($0[0] - 0x06) / 4) } == [8, 10, 9, 13, 11, 12])
        #expect(bus.inspect { chip in (0..<16).allSatisfy { chip.channel($0).fullOff } })
    }

    @Test func allLEDOffAloneStopsAChannelLeftFullOn() throws {
        let (hat, bus) = try drivingHAT()
        // Only the ALL_LED_OFF write gets through: full-off wins over the full-on bits IN1/IN2 still hold.
        try hat.board.setAllFullOff()
        #expect(bus.inspect { $0.writes } == [[0xFC, 0x00, 0x10]])
        #expect(bus.inspect { chip in Self.used.allSatisfy { chip.channel($0).fullOff && chip.channel($0).duty == 0 } })
    }

    @Test func aFailedAllLEDOffWriteStillWritesEveryChannelAndIsNamed() throws {
        let (hat, bus) = try drivingHAT()
        bus.failNextWrites(1)
        let error = try #require(throws: MotorStopError.self) { try hat.stopAll() }
        #expect(error.failures.map(\.output) == ["ALL_LED_OFF"])
        #expect(error.attempted == 7)
        #expect(bus.inspect { chip in Self.used.allSatisfy { chip.channel($0).fullOff } })
        let text = "\(error)"
        #expect(text.hasPrefix("cannot stop the motors: 1 of 7 stop writes failed (ALL_LED_OFF): "))
        #expect(text.contains("0x60") && text.contains("/dev/i2c-1") && text.contains("EREMOTEIO"), "\(text)")
    }

    @Test func motorOnesFailedWritesDoNotKeepMotorTwoDriving() throws {
        let (hat, bus) = try drivingHAT()
        // ALL_LED_OFF and motor 1's three writes fail; motor 2's still go out (they used to be skipped).
        bus.failNextWrites(4)
        let error = try #require(throws: MotorStopError.self) { try hat.stopAll() }
        #expect(
            error.failures.map(\.output)
                == ["ALL_LED_OFF", "motor 1 PWM (channel 8)", "motor 1 IN1 (channel 10)", "motor 1 IN2 (channel 9)"])
        #expect(bus.inspect { chip in [13, 12, 11].allSatisfy { chip.channel($0).fullOff } })
        #expect(bus.inspect { $0.channel(8).duty > 0.6 }, "motor 1 is still driving: the stop must be retried")
        #expect(bus.failedWriteBytes.count == 4)
        // The retry succeeds once the bus answers again.
        try hat.stopAll()
        #expect(bus.inspect { chip in Self.used.allSatisfy { chip.channel($0).fullOff } })
    }

    @Test func aDeadBusFailsEveryStopUntilHealed() throws {
        let (hat, bus) = try drivingHAT()
        bus.failUntilHealed()
        for attempt in 1...3 {
            let error = try #require(throws: MotorStopError.self) { try hat.stopAll() }
            #expect(error.failures.count == 7)
            #expect(bus.failedWriteBytes.count == 7 * attempt)
        }
        #expect(bus.inspect { $0.channel(8).duty > 0.6 && $0.channel(13).duty > 0.6 })
        bus.heal()
        try hat.stopAll()
        #expect(bus.inspect { chip in Self.used.allSatisfy { chip.channel($0).fullOff } })
    }

    @Test func startingOnABrokenBusStillTriesTheStop() throws {
        let bus = FaultyI2CBus()
        bus.failUntilHealed(errno: .ioError)
        let error = try #require(throws: MotorStopError.self) { try AdafruitMotorHAT(bus: bus) }
        #expect(error.attempted == 7)
        #expect(bus.failedWriteBytes.contains([0xFC, 0x00, 0x10]), "ALL_LED_OFF was tried after the start failed")
        #expect("\(error)".contains("EIO"))
    }

    @Test func explorerHATStopDrivesAllFourLinesLowAndNamesAFailedWrite() async throws {
        let lines = GPIOLineModel(lineCount: 4)
        let hat = try ExplorerHAT(outputs: lines, frequency: 100)
        defer { hat.close() }
        try hat.setMotors(1, -1)
        try await Task.sleep(for: .milliseconds(30))
        #expect(lines.values == 0b1001, "motor 1 forward and motor 2 backward held high")
        // The write and the PWM thread's own last attempt both fail: the lines stay high, and the stop says so.
        lines.failNextWrites(2)
        let error = try #require(throws: MotorStopError.self) { try hat.stopAll() }
        #expect(lines.failedWriteCount == 2)
        #expect(lines.values == 0b1001)
        #expect("\(error)".contains("unable to set GPIO lines 0,1,2,3 on GPIOLineModel"), "\(error)")
        #expect("\(error)".contains("EIO"))
        try hat.stopAll()
        #expect(lines.values == 0)
    }
}
