import StrictJSON
import Testing

@Suite struct JSONNumberTests {
    @Test(arguments: [
        ("0", 0.0),
        ("-0", -0.0),
        ("1", 1),
        ("-1", -1),
        ("200", 200),
        ("0.1", 0.1),
        ("0.7", 0.7),
        ("-0.5", -0.5),
        ("1e308", 1e308),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        ("2.2250738585072014E-308", 2.2250738585072014e-308),
        ("5e-324", Double.leastNonzeroMagnitude),
        ("1e-400", 0),
        ("1E+2", 100),
        ("1e-2", 0.01),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("9007199254740993", 9007199254740992),
        ("0.30000000000000004", 0.30000000000000004),
        ("3.141592653589793238462643383279", 3.141592653589793),
        ("0.000000000000000000000000000001", 1e-30),
        ("1000000000000000000000000", 1e24),
        ("4.35", 4.35),
    ])
    func parsesToTheNearestDouble(text: String, expected: Double) throws {
        let value = try #require(try JSONParser.parse(text).doubleValue)
        #expect(value == expected)
        #expect(value.sign == expected.sign)
    }

    @Test(arguments: [
        ("1e400", "invalid JSON at byte 0: number out of range"),
        ("-1e400", "invalid JSON at byte 0: number out of range"),
        ("[1.8e308]", "invalid JSON at byte 1: number out of range"),
        ("01", "invalid JSON at byte 0: numbers must not have leading zeros"),
        ("-01", "invalid JSON at byte 0: numbers must not have leading zeros"),
        ("00", "invalid JSON at byte 0: numbers must not have leading zeros"),
        ("-", "invalid JSON at byte 1: expected a digit after '-', got end of payload"),
        ("1.", "invalid JSON at byte 2: expected a digit after '.', got end of payload"),
        ("1.e5", "invalid JSON at byte 2: expected a digit after '.', got 'e5'"),
        (".5", "invalid JSON at byte 0: expected a value, got '.'"),
        ("+1", "invalid JSON at byte 0: expected a value, got '+'"),
        ("1e", "invalid JSON at byte 2: expected a digit in the exponent, got end of payload"),
        ("1e+", "invalid JSON at byte 3: expected a digit in the exponent, got end of payload"),
        ("0x10", "invalid JSON at byte 1: unexpected 'x10' after the JSON value"),
        ("1_000", "invalid JSON at byte 1: unexpected '_' after the JSON value"),
    ])
    func rejectsMalformedNumbers(text: String, message: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.description == message)
    }

    @Test func randomDoublesRoundTripThroughText() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = Double(bitPattern: generator.next() & ~(0x7FF << 52) | (UInt64.random(in: 0...0x7FE) << 52))
            let text = JSONValue.number(value).serializedString()
            #expect(try JSONParser.parse(text) == .number(value), "\(text)")
        }
    }
}
