import Basics
import CGPIO
import CI2C
import Glibc
import SystemPackage

/// Every system call the hardware wrappers make, in one place: `EINTR` is retried and a failure becomes an
/// `Errno` that the caller turns into a ``HardwareError`` naming the device.
enum Syscall {
    /// Opens a device file for reading and writing, close-on-exec.
    static func openReadWrite(_ path: String) throws(Errno) -> Int32 {
        try retrying { Glibc.open(path, O_RDWR | O_CLOEXEC) }
    }

    /// Closes a file descriptor. `EINTR` is not retried: on Linux the descriptor is released anyway.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Writes all `bytes` in one `write()`; returns how many were written.
    static func write(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) -> Int {
        try retrying { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
    }

    /// `ioctl(fd, I2C_SLAVE, address)`.
    static func selectI2CAddress(_ fd: Int32, _ address: UInt8) throws(Errno) {
        _ = try retrying { ci2c_set_slave_address(fd, Int32(address)) }
    }

    /// libi2c's `i2c_smbus_read_byte_data`: one SMBus "read byte data" transaction.
    static func smbusReadByte(_ fd: Int32, register: UInt8) throws(Errno) -> UInt8 {
        UInt8(truncatingIfNeeded: try retrying { i2c_smbus_read_byte_data(fd, register) })
    }

    /// libi2c's `i2c_smbus_read_word_data`: one SMBus "read word data" transaction; the first byte on the wire
    /// is the low byte of the result.
    static func smbusReadWord(_ fd: Int32, register: UInt8) throws(Errno) -> UInt16 {
        UInt16(truncatingIfNeeded: try retrying { i2c_smbus_read_word_data(fd, register) })
    }

    /// `GPIO_GET_CHIPINFO_IOCTL`: the chip's name, label and number of lines.
    static func gpioChipInfo(_ fd: Int32) throws(Errno) -> (name: String, label: String, lines: Int) {
        var name = [CChar](repeating: 0, count: 33)
        var label = [CChar](repeating: 0, count: 33)
        var lines: UInt32 = 0
        _ = try retrying { cgpio_chip_info(fd, &name, &label, &lines) }
        return (decodeCString(name), decodeCString(label), Int(lines))
    }

    /// `GPIO_V2_GET_LINE_IOCTL` for outputs; returns the line request's file descriptor.
    static func gpioRequestOutputs(
        _ fd: Int32, offsets: [UInt32], consumer: String, initialValues: UInt64
    ) throws(Errno) -> Int32 {
        try retrying {
            offsets.withUnsafeBufferPointer {
                cgpio_request_outputs(fd, $0.baseAddress, UInt32($0.count), consumer, initialValues)
            }
        }
    }

    /// `GPIO_V2_LINE_SET_VALUES_IOCTL`.
    static func gpioSetValues(_ fd: Int32, bits: UInt64, mask: UInt64) throws(Errno) {
        _ = try retrying { cgpio_set_values(fd, bits, mask) }
    }

    /// Runs `call` until it does not fail with `EINTR`; a negative result becomes the current `errno`.
    private static func retrying<T: BinaryInteger>(_ call: () -> T) throws(Errno) -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            let errno = Errno.current
            if errno != .interrupted { throw errno }
        }
    }

    private static func decodeCString(_ chars: [CChar]) -> String {
        let bytes = chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
