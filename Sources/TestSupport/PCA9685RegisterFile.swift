public import Basics
public import Hardware
public import SystemPackage

/// A PCA9685 modelled at register level on a fake I2C bus, so that the real ``PCA9685`` and Motor HAT drivers run
/// against it and tests assert on the chip's registers rather than on calls.
///
/// Modelled from the datasheet: power-on defaults (MODE1 0x11 = SLEEP | ALLCALL, MODE2 0x04, every channel full
/// off, PRE_SCALE 0x1E); auto-increment only while MODE1.AI is set (past LED15_OFF_H and past PRE_SCALE it wraps
/// to MODE1), otherwise every data byte of a write lands on the same register; PRE_SCALE writes ignored while
/// awake and raised to at least 3; ALL_LED_* writes loading every channel and reading back 0; reserved bits 7:5
/// of the ON_H/OFF_H registers reading 0; RESTART set on going to sleep with a channel running, cleared by
/// writing 1, and written 1 too soon (< 500 µs after waking) noted in ``violations``. Other addresses do not
/// answer (`EREMOTEIO`, as the Raspberry Pi's adapter reports it). Word reads follow auto-increment like writes.
public final class PCA9685RegisterFile: I2CBus {
    /// One transaction on the bus, in order.
    public typealias Transaction = I2CTransaction

    /// The chip's address.
    public let address: UInt8
    public let path: String
    /// The 256 registers as the chip would return them.
    public private(set) var registers = [UInt8](repeating: 0, count: 256)
    /// Every transaction so far, answered or not.
    public private(set) var transactions: [Transaction] = []
    /// Writes to PRE_SCALE that the chip ignored because it was awake.
    public private(set) var ignoredPrescaleWrites = 0
    /// Datasheet rules the driver broke, in plain words.
    public private(set) var violations: [String] = []
    /// When set, every transaction fails with this error number (a chip that vanished, a bus error…).
    public var failure: Errno?
    private var wokeAt: ContinuousClock.Instant?

    /// A chip at `address` on a bus named `path`, in its power-on state.
    public init(address: UInt8 = 0x60, path: String = "/dev/i2c-1") {
        self.address = address
        self.path = path
        powerOn()
    }

    /// Puts every register back to its power-on value, as a power cycle would; the log is kept.
    public func powerOn() {
        registers = [UInt8](repeating: 0, count: 256)
        registers[0x00] = 0x11
        registers[0x01] = 0x04
        registers[0x02...0x05] = [0xE2, 0xE4, 0xE8, 0xE0]
        for channel in 0..<16 { registers[Self.base(channel) + 3] = 0x10 }
        registers[0xFE] = 0x1E
        wokeAt = nil
    }

    // MARK: I2CBus

    public func write(address: UInt8, bytes: [UInt8]) throws {
        transactions.append(.write(address: address, bytes: bytes))
        try answer(address, operation: .i2cWrite)
        guard var pointer = bytes.first else { return }
        for value in bytes.dropFirst() {
            store(value, at: pointer)
            if registers[0] & 0x20 != 0 { pointer = Self.next(after: pointer) }
        }
    }

    public func readByte(address: UInt8, register: UInt8) throws -> UInt8 {
        transactions.append(.read(address: address, register: register))
        try answer(address, operation: .i2cRead)
        return registers[Int(register)]
    }

    /// The PCA9685's registers are 8-bit: a two-byte read returns `register` then, with MODE1.AI set, the next
    /// register in auto-increment order — without AI, the same register twice, as the chip does.
    public func readWord(address: UInt8, register: UInt8) throws -> UInt16 {
        transactions.append(.readWord(address: address, register: register))
        try answer(address, operation: .i2cRead)
        let second = registers[0] & 0x20 != 0 ? Self.next(after: register) : register
        return UInt16(registers[Int(register)]) << 8 | UInt16(registers[Int(second)])
    }

    // MARK: Inspection

    /// MODE1.
    public var mode1: UInt8 { registers[0x00] }
    /// MODE2.
    public var mode2: UInt8 { registers[0x01] }
    /// PRE_SCALE.
    public var prescale: UInt8 { registers[0xFE] }
    /// Whether the oscillator is off (MODE1.SLEEP).
    public var isAsleep: Bool { mode1 & 0x10 != 0 }
    /// The PWM frequency PRE_SCALE gives with the internal 25 MHz oscillator.
    public var pwmFrequency: Double { 25_000_000 / (4096 * (Double(prescale) + 1)) }

    /// The byte sequences written to this chip, in order.
    public var writes: [[UInt8]] {
        transactions.compactMap {
            if case .write(let address, let bytes) = $0, address == self.address { return bytes }
            return nil
        }
    }

    /// Forgets the transactions so far (e.g. after the driver's start-up).
    public func clearTransactions() {
        transactions = []
    }

    /// A channel's registers, decoded.
    public func channel(_ number: Int) -> PCA9685Channel {
        precondition((0..<16).contains(number), "the PCA9685 has channels 0 to 15")
        let base = Self.base(number)
        return PCA9685Channel(
            on: UInt16(registers[base + 1] & 0x0F) << 8 | UInt16(registers[base]),
            off: UInt16(registers[base + 3] & 0x0F) << 8 | UInt16(registers[base + 2]),
            fullOn: registers[base + 1] & 0x10 != 0,
            fullOff: registers[base + 3] & 0x10 != 0)
    }

    // MARK: Model

    private static func base(_ channel: Int) -> Int { 0x06 + 4 * channel }

    private func answer(_ address: UInt8, operation: HardwareError.Operation) throws {
        if let failure {
            throw HardwareError(operation: operation, device: path, address: address, errno: failure)
        }
        if address != self.address {
            throw HardwareError(operation: operation, device: path, address: address, errno: .remoteIO)
        }
    }

    /// The auto-increment order: 0x00…0x45 then MODE1; 0xFA…0xFE then MODE1.
    private static func next(after register: UInt8) -> UInt8 {
        switch register {
        case 0x45, 0xFE, 0xFF: 0x00
        default: register + 1
        }
    }

    private func store(_ value: UInt8, at register: UInt8) {
        switch register {
        case 0x00: storeMode1(value)
        case 0x01: registers[1] = value & 0x1F
        case 0x02...0x05: registers[Int(register)] = value
        case 0x06...0x45:
            let isHigh = (register - 0x06) % 2 == 1
            registers[Int(register)] = isHigh ? value & 0x1F : value
        case 0xFA...0xFD:
            let offset = Int(register - 0xFA)
            for channel in 0..<16 { registers[Self.base(channel) + offset] = offset % 2 == 1 ? value & 0x1F : value }
        case 0xFE:
            if isAsleep {
                registers[0xFE] = max(3, value)
            } else {
                ignoredPrescaleWrites += 1
            }
        case 0xFF: violations.append("wrote \(hexByte(value)) to the reserved TestMode register 0xFF")
        default: break  // reserved: not acknowledged by the real chip, ignored here
        }
    }

    private func storeMode1(_ value: UInt8) {
        let wasAsleep = isAsleep
        var restart = registers[0] & 0x80
        if value & 0x80 != 0 {
            if let wokeAt, ContinuousClock.now - wokeAt < .microseconds(500) {
                violations.append("RESTART written less than 500 µs after clearing SLEEP")
            }
            restart = 0
        }
        let goesToSleep = !wasAsleep && value & 0x10 != 0
        if goesToSleep && (0..<16).contains(where: { !channel($0).fullOff }) { restart = 0x80 }
        registers[0] = (value & 0x7F) | restart
        if wasAsleep && !isAsleep { wokeAt = ContinuousClock.now }
        if isAsleep { wokeAt = nil }
    }
}
