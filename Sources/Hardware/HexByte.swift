/// A byte as two-digit hexadecimal with a `0x` prefix (`0x60`), the way I2C addresses and registers are written
/// in datasheets and in `i2cdetect`.
public func hexByte(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return "0x" + (digits.count < 2 ? "0" + digits : digits)
}
