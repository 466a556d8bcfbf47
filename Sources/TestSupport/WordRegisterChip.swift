public import Hardware
public import SystemPackage

/// The I2C side shared by the register models of chips with 16-bit registers behind a pointer register (the
/// ADS1015 and the INA219): a write's first byte sets the pointer and the next two, most significant first, load
/// the register it points at; a read returns the register the pointer selects. The chip models subclass it and
/// decide what each register holds.
///
/// Other addresses do not answer (`EREMOTEIO`, as the Raspberry Pi's adapter reports it), and ``failure`` makes
/// every transaction fail. Not thread-safe, like a real bus.
public class WordRegisterChip: I2CBus {
    /// One transaction on the bus, in order.
    public typealias Transaction = I2CTransaction

    /// The chip's address.
    public let address: UInt8
    public let path: String
    /// Every transaction so far, answered or not.
    public private(set) var transactions: [Transaction] = []
    /// Datasheet rules the driver broke, in plain words.
    public private(set) var violations: [String] = []
    /// When set, every transaction fails with this error number (a chip that vanished, a bus error…).
    public var failure: Errno?
    /// The register the pointer selects.
    public private(set) var pointer: UInt8 = 0
    private let registerCount: UInt8

    init(address: UInt8, path: String, registerCount: UInt8) {
        self.address = address
        self.path = path
        self.registerCount = registerCount
    }

    // MARK: Chip behaviour (overridden by each model)

    /// Loads `value` into `register` (a valid register number).
    func store(_ value: UInt16, at register: UInt8) {}

    /// What reading `register` returns (a valid register number).
    func load(_ register: UInt8) -> UInt16 { 0 }

    /// Notes a datasheet rule the driver broke.
    func note(_ violation: String) {
        violations.append(violation)
    }

    // MARK: I2CBus

    public func write(address: UInt8, bytes: [UInt8]) throws {
        transactions.append(.write(address: address, bytes: bytes))
        try answer(address, operation: .i2cWrite)
        guard let register = bytes.first else { return }
        guard register < registerCount else {
            note("wrote to \(hexByte(register)), which is not a register (0x00…\(hexByte(registerCount - 1)))")
            return
        }
        pointer = register
        switch bytes.count {
        case 1: break  // sets the pointer for the reads that follow
        case 3: store(UInt16(bytes[1]) << 8 | UInt16(bytes[2]), at: register)
        default:
            let count = bytes.count - 1
            note("wrote \(count) data byte\(count == 1 ? "" : "s") to register \(hexByte(register)), which takes 2")
        }
    }

    /// The register's most significant byte, as a one-byte read of a 16-bit register returns.
    public func readByte(address: UInt8, register: UInt8) throws -> UInt8 {
        transactions.append(.read(address: address, register: register))
        return UInt8(try read(address, register) >> 8)
    }

    public func readWord(address: UInt8, register: UInt8) throws -> UInt16 {
        transactions.append(.readWord(address: address, register: register))
        return try read(address, register)
    }

    /// Forgets the transactions so far (e.g. after the driver's set-up).
    public func clearTransactions() {
        transactions = []
    }

    private func read(_ address: UInt8, _ register: UInt8) throws -> UInt16 {
        try answer(address, operation: .i2cRead)
        guard register < registerCount else {
            note("read \(hexByte(register)), which is not a register (0x00…\(hexByte(registerCount - 1)))")
            return 0
        }
        pointer = register
        return load(register)
    }

    private func answer(_ address: UInt8, operation: HardwareError.Operation) throws {
        if let failure {
            throw HardwareError(operation: operation, device: path, address: address, errno: failure)
        }
        if address != self.address {
            throw HardwareError(operation: operation, device: path, address: address, errno: .remoteIO)
        }
    }
}
