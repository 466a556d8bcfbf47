import StrictJSON
import Testing

@Suite struct UTF8ValidationTests {
    /// `"` + bytes + `"`: the offending byte sits at offset 1 + its index in `bytes`.
    private func quoted(_ bytes: [UInt8]) -> [UInt8] {
        [0x22] + bytes + [0x22]
    }

    @Test(
        arguments: [
            ([0x80], 1),  // stray continuation byte
            ([0xBF], 1),
            ([0xC0, 0xAF], 1),  // overlong '/'
            ([0xC1, 0xBF], 1),  // overlong
            ([0xE0, 0x80, 0xAF], 1),  // overlong 3-byte
            ([0xF0, 0x80, 0x80, 0xAF], 1),  // overlong 4-byte
            ([0xED, 0xA0, 0x80], 1),  // UTF-8-encoded high surrogate U+D800
            ([0xED, 0xBF, 0xBF], 1),  // UTF-8-encoded low surrogate U+DFFF
            ([0xF4, 0x90, 0x80, 0x80], 1),  // above U+10FFFF
            ([0xF5, 0x80, 0x80, 0x80], 1),
            ([0xFF], 1),
            ([0xFE], 1),
            ([0x61, 0xC3], 2),  // truncated 2-byte sequence
            ([0x61, 0x62, 0xE2, 0x82], 3),  // truncated 3-byte sequence
            ([0xE2, 0x28, 0xA1], 1),  // bad second byte
            ([0xF0, 0x9F, 0xA4, 0x41], 1),  // bad fourth byte
            ([0x61, 0x62, 0x63, 0x64, 0xC3, 0xA9, 0xA9], 7),  // continuation after a complete 'é'
        ] as [([UInt8], Int)])
    func rejectsIllFormedSequences(bytes: [UInt8], offset: Int) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(quoted(bytes)) }
        #expect(error?.kind == .invalidUTF8)
        #expect(error?.offset == offset)
        #expect(error?.description == "payload is not valid UTF-8 (byte \(offset))")
    }

    @Test func invalidUTF8OutsideStringsIsReportedAsSuch() {
        let error = #expect(throws: JSONParseError.self) {
            try JSONParser.parse(Array(#"{"a":1}"#.utf8) + [0xC0])
        }
        #expect(error?.description == "payload is not valid UTF-8 (byte 7)")
    }

    @Test(
        arguments: [
            [0x7F],
            [0xC2, 0x80],  // U+0080, smallest 2-byte
            [0xDF, 0xBF],  // U+07FF
            [0xE0, 0xA0, 0x80],  // U+0800, smallest 3-byte
            [0xED, 0x9F, 0xBF],  // U+D7FF, just below the surrogates
            [0xEE, 0x80, 0x80],  // U+E000, just above
            [0xEF, 0xBF, 0xBF],  // U+FFFF
            [0xF0, 0x90, 0x80, 0x80],  // U+10000
            [0xF4, 0x8F, 0xBF, 0xBF],  // U+10FFFF
        ] as [[UInt8]])
    func acceptsBoundaryScalars(bytes: [UInt8]) throws {
        let value = try JSONParser.parse(quoted(bytes))
        #expect(value == .string(String(decoding: bytes, as: UTF8.self)))
    }
}
