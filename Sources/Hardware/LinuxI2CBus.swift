/// An I2C adapter of the Linux `i2c-dev` interface (`/dev/i2c-N`): `open()`, the `I2C_SLAVE` ioctl to select a
/// chip, `write()` for register writes and libi2c's SMBus helpers for reads.
///
/// Not thread-safe: use one instance from one thread (or actor) at a time, as a driver owns its bus.
public final class LinuxI2CBus: I2CBus {
    public let path: String
    private let fd: Int32
    /// The address the descriptor is currently bound to, so that `I2C_SLAVE` is issued only on a change.
    private var selectedAddress: UInt8?

    /// Opens `/dev/i2c-<bus>` (bus 1 on a Raspberry Pi's GPIO header).
    public convenience init(bus: Int) throws {
        try self.init(path: "/dev/i2c-\(bus)")
    }

    /// Opens the I2C adapter at `path`. A path that is not an adapter is reported at the first transfer.
    public init(path: String) throws {
        self.path = path
        do {
            fd = try Syscall.openReadWrite(path)
        } catch {
            throw HardwareError(operation: .openI2CBus, device: path, errno: error)
        }
    }

    deinit {
        Syscall.close(fd)
    }

    public func write(address: UInt8, bytes: [UInt8]) throws {
        precondition(!bytes.isEmpty, "an I2C register write needs at least the register byte")
        try select(address)
        let written: Int
        do {
            written = try Syscall.write(fd, bytes)
        } catch {
            throw HardwareError(operation: .i2cWrite, device: path, address: address, errno: error)
        }
        if written != bytes.count {
            throw HardwareError(
                operation: .i2cWrite, device: path, address: address, errno: .ioError,
                detail: "wrote \(written) of \(bytes.count) bytes")
        }
    }

    public func readByte(address: UInt8, register: UInt8) throws -> UInt8 {
        try select(address)
        do {
            return try Syscall.smbusReadByte(fd, register: register)
        } catch {
            throw HardwareError(operation: .i2cRead, device: path, address: address, errno: error)
        }
    }

    public func readWord(address: UInt8, register: UInt8) throws -> UInt16 {
        try select(address)
        do {
            // SMBus words are little-endian on the wire; these chips send the most significant byte first.
            return try Syscall.smbusReadWord(fd, register: register).byteSwapped
        } catch {
            throw HardwareError(operation: .i2cRead, device: path, address: address, errno: error)
        }
    }

    private func select(_ address: UInt8) throws {
        if selectedAddress == address { return }
        do {
            try Syscall.selectI2CAddress(fd, address)
        } catch {
            throw HardwareError(operation: .selectAddress, device: path, address: address, errno: error)
        }
        selectedAddress = address
    }
}
