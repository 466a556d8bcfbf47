/// Checks bytes for well-formed UTF-8 as the Unicode standard (table 3-7) and RFC 3629 define it.
enum UTF8Validation {
    /// The offset of the first byte of the first ill-formed sequence, or `nil` if all of `bytes` is well-formed.
    ///
    /// Rejects stray continuation bytes, truncated sequences, overlong forms (`C0`, `C1`, `E0 80…9F`,
    /// `F0 80…8F`), UTF-16 surrogates (`ED A0…BF`) and code points above U+10FFFF.
    static func firstInvalidOffset(in bytes: UnsafeRawBufferPointer) -> Int? {
        let count = bytes.count
        var index = 0
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: return index
            }
            guard index + length <= count, secondRange.contains(bytes[index + 1]) else { return index }
            for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 {
                return index
            }
            index += length
        }
        return nil
    }
}
