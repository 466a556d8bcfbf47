/// A stop that did not fully happen. Every stop write was still tried (a failure never skips the next one);
/// this lists the ones that failed, in the order they were tried.
///
/// Its `description` is one line for an operator and for `fault` telemetry, naming the device, the address or
/// lines and the `errno`, e.g. `cannot stop the motors: 7 of 7 stop writes failed (ALL_LED_OFF, motor 1 PWM
/// (channel 8), …): no chip answered at 0x60 on /dev/i2c-1 (EREMOTEIO) — is the chip seated …?`.
public struct MotorStopError: Error, CustomStringConvertible {
    /// One stop write that failed.
    public struct Failure: Sendable {
        /// What the write should have stopped, e.g. `ALL_LED_OFF` or `motor 2 IN1 (channel 11)`.
        public var output: String
        /// Why it failed (a ``HardwareError`` from the real buses).
        public var error: any Error

        /// A failed write of `output`.
        public init(output: String, error: any Error) {
            self.output = output
            self.error = error
        }
    }

    /// The failed writes, in the order tried; never empty.
    public var failures: [Failure]
    /// How many stop writes were tried in all.
    public var attempted: Int

    /// A stop of which `failures` (not empty) out of `attempted` writes failed.
    public init(failures: [Failure], attempted: Int) {
        precondition(!failures.isEmpty, "a stop error has at least one failed write")
        self.failures = failures
        self.attempted = attempted
    }

    public var description: String {
        let outputs = failures.map(\.output).joined(separator: ", ")
        return "cannot stop the motors: \(failures.count) of \(attempted) stop writes failed (\(outputs)): "
            + "\(failures[0].error)"
    }
}

/// Runs stop writes one after the other whatever fails, and throws a ``MotorStopError`` at the end if any did.
struct StopWrites {
    private var failures: [MotorStopError.Failure] = []
    private var attempted = 0

    /// Tries one write; a failure is recorded, never thrown.
    mutating func attempt(_ output: String, _ write: () throws -> Void) {
        attempted += 1
        do {
            try write()
        } catch {
            failures.append(MotorStopError.Failure(output: output, error: error))
        }
    }

    /// Throws when any write failed.
    func finish() throws(MotorStopError) {
        if !failures.isEmpty { throw MotorStopError(failures: failures, attempted: attempted) }
    }
}
