import Hardware
import Motors
import TestSupport
import Testing

/// Timing tests of the software PWM, measured on a line model as a logic analyser would. Serialized, and with
/// tolerances (±10 points of duty, ±10 % of frequency) meant for a loaded 2-core CI machine.
@Suite("ExplorerHAT software PWM on a GPIO line model", .serialized)
struct ExplorerHATTests {
    /// Lines in request order: motor 1 forward (GPIO 20), backward (19); motor 2 forward (26), backward (21).
    static let m1Forward = 0, m1Backward = 1, m2Forward = 2, m2Backward = 3

    /// Runs `body` on a fresh HAT and closes it afterwards.
    private func withHAT(
        frequency: Double = 100, _ body: (ExplorerHAT, GPIOLineModel) async throws -> Void
    ) async throws {
        let lines = GPIOLineModel(lineCount: 4)
        let hat = try ExplorerHAT(outputs: lines, frequency: frequency)
        defer { hat.close() }
        try await body(hat, lines)
    }

    /// The window `[start, start + duration)` after a short settling time.
    private func window(_ duration: Duration) async throws -> (ContinuousClock.Instant, ContinuousClock.Instant) {
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        try await Task.sleep(for: duration)
        return (start, .now)
    }

    @Test("starts with every line low and the thread idle")
    func startsLow() async throws {
        try await withHAT { _, lines in
            let (start, end) = try await window(.milliseconds(100))
            #expect(lines.values == 0)
            #expect((0..<4).allSatisfy { lines.transitions($0, from: start, to: end).isEmpty })
            #expect(lines.setCallCount == 1, "only the initial all-low write")
        }
    }

    @Test("speed 0.5 → about 50 % at 100 Hz on the forward line, backward line low", arguments: [1, 2])
    func forward(motor: Int) async throws {
        try await withHAT { hat, lines in
            try hat.setMotors(motor == 1 ? 0.5 : 0, motor == 2 ? 0.5 : 0)
            let (start, end) = try await window(.seconds(1))
            let (pwmLine, lowLine) = motor == 1 ? (Self.m1Forward, Self.m1Backward) : (Self.m2Forward, Self.m2Backward)
            #expect(abs(lines.dutyCycle(pwmLine, from: start, to: end) - 0.5) <= 0.10)
            #expect(abs(lines.frequency(pwmLine, from: start, to: end) - 100) <= 10)
            #expect(lines.transitions(lowLine).isEmpty && !lines.isHigh(lowLine))
        }
    }

    @Test("negative speed drives the backward line instead")
    func backward() async throws {
        try await withHAT { hat, lines in
            try hat.setMotors(-0.3, -0.7)
            let (start, end) = try await window(.seconds(1))
            #expect(abs(lines.dutyCycle(Self.m1Backward, from: start, to: end) - 0.3) <= 0.10)
            #expect(abs(lines.dutyCycle(Self.m2Backward, from: start, to: end) - 0.7) <= 0.10)
            #expect(abs(lines.frequency(Self.m2Backward, from: start, to: end) - 100) <= 10)
            #expect(lines.transitions(Self.m1Forward).isEmpty && lines.transitions(Self.m2Forward).isEmpty)
        }
    }

    @Test("reversing lowers the old line at once and never has both lines of a motor high")
    func reversal() async throws {
        try await withHAT { hat, lines in
            try hat.setMotors(0.9, 0)
            try await Task.sleep(for: .milliseconds(105))
            try hat.setMotors(-0.9, 0)
            #expect(!lines.isHigh(Self.m1Forward), "the forward line is low when setMotors returns")
            try await Task.sleep(for: .milliseconds(100))
            let forward = lines.transitions(Self.m1Forward)
            let backward = lines.transitions(Self.m1Backward)
            let lastForwardFall = try #require(forward.last { !$0.high }).time
            let firstBackwardRise = try #require(backward.first { $0.high }).time
            #expect(lastForwardFall <= firstBackwardRise)
        }
    }

    @Test("0 → both lines low, and no toggling while both motors are 0")
    func zeroIdles() async throws {
        try await withHAT { hat, lines in
            try hat.setMotors(0.5, -0.5)
            try await Task.sleep(for: .milliseconds(100))
            try hat.setMotors(0, 0)
            #expect(lines.values == 0)
            let calls = lines.setCallCount
            let (start, end) = try await window(.milliseconds(300))
            #expect((0..<4).allSatisfy { lines.transitions($0, from: start, to: end).isEmpty })
            #expect(lines.setCallCount == calls, "an idle PWM thread makes no ioctl")
        }
    }

    @Test("stopAll has all four lines low when it returns, whatever the phase")
    func stopAllIsSynchronous() async throws {
        try await withHAT { hat, lines in
            for delay in [3, 7, 11, 14] {
                try hat.setMotors(0.6, -0.8)
                try await Task.sleep(for: .milliseconds(delay))
                try hat.stopAll()
                let stopped = ContinuousClock.now
                #expect(lines.values == 0)
                try await Task.sleep(for: .milliseconds(30))
                #expect((0..<4).allSatisfy { lines.transitions($0, from: stopped, to: .now).isEmpty })
            }
        }
    }

    @Test("duty 1.0 holds the line high with no toggling")
    func fullSpeed() async throws {
        try await withHAT { hat, lines in
            try hat.setMotors(1, -1)
            let calls = lines.setCallCount
            let (start, end) = try await window(.milliseconds(300))
            #expect(lines.isHigh(Self.m1Forward) && lines.isHigh(Self.m2Backward))
            #expect((0..<4).allSatisfy { lines.transitions($0, from: start, to: end).isEmpty })
            #expect(lines.setCallCount <= calls + 1)
        }
    }

    @Test("the frequency is a parameter: 200 Hz at 25 %")
    func twoHundredHertz() async throws {
        try await withHAT(frequency: 200) { hat, lines in
            try hat.setMotors(0.25, 0.75)
            let (start, end) = try await window(.seconds(1))
            #expect(abs(lines.frequency(Self.m1Forward, from: start, to: end) - 200) <= 20)
            #expect(abs(lines.dutyCycle(Self.m1Forward, from: start, to: end) - 0.25) <= 0.10)
            #expect(abs(lines.dutyCycle(Self.m2Forward, from: start, to: end) - 0.75) <= 0.10)
            #expect(hat.description == "Explorer HAT (DRV8833 on GPIO, 200 Hz software PWM)")
        }
    }

    @Test("a failing line write stops PWM and is thrown by the next call; the driver recovers after")
    func failure() async throws {
        try await withHAT { hat, lines in
            lines.failure = .ioError
            try? hat.setMotors(0.5, 0)
            try await Task.sleep(for: .milliseconds(30))
            let error = try #require(throws: HardwareError.self) { try hat.setMotors(0.5, 0) }
            #expect(error.errno == .ioError)
            lines.failure = nil
            try hat.setMotors(0.5, 0)
            let (start, end) = try await window(.milliseconds(300))
            #expect(abs(lines.dutyCycle(Self.m1Forward, from: start, to: end) - 0.5) <= 0.10)
        }
    }

    @Test("close stops the thread with the lines low")
    func close() async throws {
        let lines = GPIOLineModel(lineCount: 4)
        let hat = try ExplorerHAT(outputs: lines, frequency: 100)
        try hat.setMotors(1, 0.5)
        try await Task.sleep(for: .milliseconds(30))
        hat.close()
        #expect(lines.values == 0)
        let closed = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(50))
        #expect((0..<4).allSatisfy { lines.transitions($0, from: closed, to: .now).isEmpty })
        #expect(hat.pwm.threadCPUTime() == nil)
        hat.close()
        try hat.setMotors(0.5, 0.5)
        try await Task.sleep(for: .milliseconds(30))
        #expect(lines.values == 0, "after close the motors stay stopped")
    }
}
