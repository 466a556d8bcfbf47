public import Basics
import Foundation
public import Hardware
public import SystemPackage

/// An I2C bus that fails on demand in front of a PCA9685 register-file model: `EREMOTEIO` (or another `errno`)
/// for the next N writes, or for every write until healed — a HAT that lost power, a loose connector, a bus
/// glitch. Failed writes never reach the chip, as on the wire; the others go through to the model, so tests
/// assert on the chip's registers.
///
/// `@unchecked Sendable`: the chip and the fault settings are only touched with `lock` held, so a test can
/// break and heal the bus while an actor drives it, and read the registers through ``inspect(_:)``.
public final class FaultyI2CBus: I2CBus, @unchecked Sendable {
    private let lock = NSLock()
    private let chip: PCA9685RegisterFile
    // Guarded by `lock`.
    private var failingWrites = 0
    private var failingUntilHealed = false
    private var errno = Errno.remoteIO
    private var failedWrites: [[UInt8]] = []
    private var failureTimes: [ContinuousClock.Instant] = []

    public let path: String

    /// A bus in front of `chip` (a fresh one at 0x60 on `/dev/i2c-1` by default) that works until told to fail.
    public init(chip: PCA9685RegisterFile = PCA9685RegisterFile()) {
        self.chip = chip
        path = chip.path
    }

    /// The next `count` writes fail with `errno`; reads keep working.
    public func failNextWrites(_ count: Int, errno: Errno = .remoteIO) {
        locked {
            failingWrites = count
            self.errno = errno
        }
    }

    /// Every write fails with `errno` until ``heal()``.
    public func failUntilHealed(errno: Errno = .remoteIO) {
        locked {
            failingUntilHealed = true
            self.errno = errno
        }
    }

    /// Writes work again.
    public func heal() {
        locked {
            failingUntilHealed = false
            failingWrites = 0
        }
    }

    /// The byte sequences of the writes that failed, in order.
    public var failedWriteBytes: [[UInt8]] { locked { failedWrites } }

    /// When each failed write was attempted, in order.
    public var failedWriteTimes: [ContinuousClock.Instant] { locked { failureTimes } }

    /// Runs `body` on the chip model with the bus locked (no write lands meanwhile).
    public func inspect<Result>(_ body: (PCA9685RegisterFile) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(chip)
    }

    // MARK: I2CBus

    public func write(address: UInt8, bytes: [UInt8]) throws {
        try locked {
            if failingUntilHealed || failingWrites > 0 {
                failingWrites = max(0, failingWrites - 1)
                failedWrites.append(bytes)
                failureTimes.append(.now)
                throw HardwareError(operation: .i2cWrite, device: path, address: address, errno: errno)
            }
            try chip.write(address: address, bytes: bytes)
        }
    }

    public func readByte(address: UInt8, register: UInt8) throws -> UInt8 {
        try locked { try chip.readByte(address: address, register: register) }
    }

    public func readWord(address: UInt8, register: UInt8) throws -> UInt16 {
        try locked { try chip.readWord(address: address, register: register) }
    }

    private func locked<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
