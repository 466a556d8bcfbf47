/// Numbers: validated on bytes, converted exactly without a `String` whenever the decimal fits Clinger's fast
/// path (at most 19 significant digits with a value ≤ 2^53, and a power of ten ≤ 10^22), else by the standard
/// library's correctly rounded conversion.
extension JSONReader {
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses the number at `offset` (a '-' or a digit).
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = offset
        let negative = bytes[offset] == UInt8(ascii: "-")
        if negative {
            offset += 1
        }
        guard let first = digit(at: offset) else {
            throw syntaxError("expected a digit after '-', got \(describeToken(at: offset))")
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0  // decimal exponent to apply to `mantissa`
        var inexact = false  // some nonzero digit did not fit in `mantissa`

        if first == 0 {
            offset += 1
            if digit(at: offset) != nil {
                throw JSONParseError(kind: .syntax, offset: start, detail: "numbers must not have leading zeros")
            }
        } else {
            while let value = digit(at: offset) {
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + value
                    significantDigits += 1
                } else {
                    exponent += 1
                    inexact = inexact || value != 0
                }
                offset += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard digit(at: offset) != nil else {
                throw syntaxError("expected a digit after '.', got \(describeToken(at: offset))")
            }
            while let value = digit(at: offset) {
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + value
                    exponent -= 1
                    if mantissa != 0 {
                        significantDigits += 1
                    }
                } else {
                    inexact = inexact || value != 0
                }
                offset += 1
            }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            let negativeExponent = peek() == UInt8(ascii: "-")
            if negativeExponent || peek() == UInt8(ascii: "+") {
                offset += 1
            }
            guard digit(at: offset) != nil else {
                throw syntaxError("expected a digit in the exponent, got \(describeToken(at: offset))")
            }
            var written = 0
            while let value = digit(at: offset) {
                written = min(written * 10 + Int(value), 1_000_000)  // saturate: far beyond any Double
                offset += 1
            }
            exponent += negativeExponent ? -written : written
        }

        let magnitude: Double
        if mantissa == 0 {
            magnitude = 0
        } else if !inexact, mantissa <= 1 << 53, (-22...22).contains(exponent) {
            let value = Double(mantissa)
            magnitude =
                exponent < 0
                ? value / Self.exactPowersOfTen[-exponent] : value * Self.exactPowersOfTen[exponent]
        } else {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw JSONParseError(kind: .numberOutOfRange, offset: start, detail: "number out of range")
            }
            return value
        }
        return negative ? -magnitude : magnitude
    }

    /// The value of the ASCII digit at `position`, or `nil`.
    private func digit(at position: Int) -> UInt64? {
        guard position < bytes.count else { return nil }
        let value = bytes[position] &- UInt8(ascii: "0")
        return value < 10 ? UInt64(value) : nil
    }
}
