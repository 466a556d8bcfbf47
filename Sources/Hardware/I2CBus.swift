/// An I2C bus on which a driver talks to chips by 7-bit address: the seam between chip drivers (such as the
/// PCA9685) and Linux, so that a register-file fake can stand in for the hardware in tests.
///
/// Implementations throw ``HardwareError`` that name ``path`` and the address.
public protocol I2CBus: AnyObject {
    /// The bus's device path (e.g. `/dev/i2c-1`), for descriptions and error messages.
    var path: String { get }

    /// Writes `bytes` to the chip at `address` in one transaction. The first byte selects the register; the
    /// following bytes go to that register and, on chips with auto-increment turned on, to the ones after it.
    func write(address: UInt8, bytes: [UInt8]) throws

    /// Reads the register `register` of the chip at `address` (an SMBus "read byte data").
    func readByte(address: UInt8, register: UInt8) throws -> UInt8

    /// Reads the 16-bit register `register` of the chip at `address` as the chip sends it, most significant byte
    /// first (as the ADS1015 and INA219 do): `first << 8 | second`. SMBus "read word data" puts the first byte in
    /// the low half, so an SMBus-based bus swaps the two.
    func readWord(address: UInt8, register: UInt8) throws -> UInt16
}

extension I2CBus {
    /// Writes `value` to the 16-bit register `register` of the chip at `address`, most significant byte first
    /// (as the ADS1015 and INA219 take it): one transaction of three bytes.
    public func writeWord(address: UInt8, register: UInt8, _ value: UInt16) throws {
        try write(address: address, bytes: [register, UInt8(value >> 8), UInt8(value & 0xFF)])
    }
}
