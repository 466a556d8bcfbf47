/// One transaction on a register-model bus (``PCA9685RegisterFile``, ``WordRegisterChip``), in order, answered or
/// not: what tests assert the driver sent.
public enum I2CTransaction: Equatable, Sendable {
    /// A write of `bytes` (register first) to `address`.
    case write(address: UInt8, bytes: [UInt8])
    /// A one-byte read of `register` from `address`.
    case read(address: UInt8, register: UInt8)
    /// A two-byte read of `register` from `address`.
    case readWord(address: UInt8, register: UInt8)
}
