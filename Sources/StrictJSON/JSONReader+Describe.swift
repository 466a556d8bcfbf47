/// How the reader names what it found in error messages.
extension JSONReader {
    /// What is at `position`, for "got …": `end of payload`, `'x'`, a whole word such as `'NaN'`,
    /// `control character U+0007` or `'é' (U+00E9)`.
    func describeToken(at position: Int) -> String {
        guard let byte = peek(at: position) else { return "end of payload" }
        if isWordByte(byte) {
            var end = position
            while end < bytes.count, end - position < 24, isWordByte(bytes[end]) {
                end += 1
            }
            let word = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
            return "'\(word)\(isWordByte(peek(at: end)) ? "…" : "")'"
        }
        switch byte {
        case 0x20: return "' '"
        case 0x21..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0..<0x20, 0x7F: return "control character \(codePoint(UInt32(byte)))"
        default:
            let scalar = scalar(at: position)
            return "'\(Character(scalar))' (\(codePoint(scalar.value)))"
        }
    }

    /// `U+00E9` style.
    func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `key` in double quotes with JSON escapes, as it would be written.
    func quoted(_ key: String) -> String {
        var out: [UInt8] = []
        JSONWriter.writeString(key, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ASCII letters and digits: the bytes of a bare word like `true` or `NaN`.
    func isWordByte(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// The scalar starting at `position` (the bytes are known to be valid UTF-8).
    private func scalar(at position: Int) -> Unicode.Scalar {
        let end = min(bytes.count, position + 4)
        var decoder = UTF8()
        var iterator = UnsafeRawBufferPointer(rebasing: bytes[position..<end]).makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) {
            return scalar
        }
        return "\u{FFFD}"
    }
}
