/// Strings: the common case without escapes becomes a `String` straight from the input bytes.
extension JSONReader {
    /// Parses the string whose opening quote is at `offset`.
    mutating func parseString() throws(JSONParseError) -> String {
        let opening = offset
        offset += 1
        let start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(from: start, opening: opening)
            }
            if byte < 0x20 {
                throw controlCharacterError(byte)
            }
            offset += 1
        }
        throw syntaxError("unterminated string (opened at byte \(opening))")
    }

    /// Continues a string at its first backslash, collecting the decoded UTF-8 from `start`.
    private mutating func parseEscapedString(from start: Int, opening: Int) throws(JSONParseError) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(offset - start + 16)
        utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try appendEscape(to: &utf8)
            case 0..<0x20:
                throw controlCharacterError(byte)
            default:
                utf8.append(byte)
                offset += 1
            }
        }
        throw syntaxError("unterminated string (opened at byte \(opening))")
    }

    /// Decodes the escape sequence at `offset` (a backslash) into `utf8`.
    private mutating func appendEscape(to utf8: inout [UInt8]) throws(JSONParseError) {
        let escapeOffset = offset
        guard let letter = peek(at: offset + 1) else {
            throw syntaxError("unterminated string: '\\' at the end of the payload")
        }
        let simple: UInt8
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = letter
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            offset += 2
            let unit = try parseHexQuad()
            try appendUTF16(unit, escapeOffset: escapeOffset, to: &utf8)
            return
        default:
            offset += 1
            throw syntaxError("invalid escape in string: '\\' followed by \(describeToken(at: offset))")
        }
        utf8.append(simple)
        offset += 2
    }

    /// Appends the scalar for `unit`, reading the low half of a surrogate pair from the next `\uXXXX` if needed.
    private mutating func appendUTF16(
        _ unit: UInt16, escapeOffset: Int, to utf8: inout [UInt8]
    ) throws(JSONParseError) {
        var value = UInt32(unit)
        switch unit {
        case 0xD800...0xDBFF:
            guard peek() == UInt8(ascii: "\\"), peek(at: offset + 1) == UInt8(ascii: "u") else {
                throw loneSurrogateError(unit, at: escapeOffset)
            }
            offset += 2
            let low = try parseHexQuad()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw loneSurrogateError(unit, at: escapeOffset)
            }
            value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        case 0xDC00...0xDFFF:
            throw loneSurrogateError(unit, at: escapeOffset)
        default:
            break
        }
        // Cannot fail: surrogates are handled above and the value is at most U+10FFFF.
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        UTF8.encode(scalar) { utf8.append($0) }
    }

    /// Reads four hex digits at `offset`.
    private mutating func parseHexQuad() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for position in offset..<(offset + 4) {
            let digit: UInt8
            switch peek(at: position) {
            case let byte? where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"): digit = byte - 48
            case let byte? where byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"): digit = byte - 87
            case let byte? where byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"): digit = byte - 55
            default:
                offset = position
                throw syntaxError("expected 4 hex digits after '\\u', got \(describeToken(at: position))")
            }
            value = value << 4 | UInt16(digit)
        }
        offset += 4
        return value
    }

    private func controlCharacterError(_ byte: UInt8) -> JSONParseError {
        syntaxError("control character \(codePoint(UInt32(byte))) must be escaped in a string")
    }

    private func loneSurrogateError(_ unit: UInt16, at position: Int) -> JSONParseError {
        let hex = String(unit, radix: 16, uppercase: true)
        return JSONParseError(kind: .syntax, offset: position, detail: "lone surrogate \\u\(hex) in string")
    }
}
