import StrictJSON
import Testing

/// Every way a payload can fail, with the exact message a person would read.
@Suite struct JSONRejectionTests {
    @Test(arguments: [
        ("", "empty payload"),
        ("   ", "invalid JSON at byte 3: expected a value, got end of payload"),
        (#"{"a":1 "b":2}"#, "invalid JSON at byte 7: expected ',' or '}' after object member, got '\"'"),
        (#"{"speed":1,"speed":2}"#, #"invalid JSON at byte 11: duplicate key "speed""#),
        (#"{"a":1,}"#, "invalid JSON at byte 7: expected a string key after ',', got '}'"),
        ("[1,]", "invalid JSON at byte 3: expected a value after ',', got ']'"),
        ("[1 2]", "invalid JSON at byte 3: expected ',' or ']' after array element, got '2'"),
        ("{a:1}", "invalid JSON at byte 1: expected a string key or '}', got 'a'"),
        (#"{"a" 1}"#, "invalid JSON at byte 5: expected ':' after object key, got '1'"),
        (#"{"a":}"#, "invalid JSON at byte 5: expected a value, got '}'"),
        (#"{"a":1"#, "invalid JSON at byte 6: expected ',' or '}' after object member, got end of payload"),
        ("{'a':1}", "invalid JSON at byte 1: expected a string key or '}', got '''"),
        (#"{"speed":NaN}"#, "invalid JSON at byte 9: expected a value, got 'NaN'"),
        (#"{"speed":Infinity}"#, "invalid JSON at byte 9: expected a value, got 'Infinity'"),
        (#"{"speed":-Infinity}"#, "invalid JSON at byte 10: expected a digit after '-', got 'Infinity'"),
        ("tru", "invalid JSON at byte 0: expected a value, got 'tru'"),
        ("trueish", "invalid JSON at byte 0: expected a value, got 'trueish'"),
        ("nul", "invalid JSON at byte 0: expected a value, got 'nul'"),
        ("True", "invalid JSON at byte 0: expected a value, got 'True'"),
        ("{} {}", "invalid JSON at byte 3: unexpected '{' after the JSON value"),
        ("1 2", "invalid JSON at byte 2: unexpected '2' after the JSON value"),
        ("// comment\n1", "invalid JSON at byte 0: expected a value, got '/'"),
        (#""abc"#, "invalid JSON at byte 4: unterminated string (opened at byte 0)"),
        (#""a\"#, "invalid JSON at byte 2: unterminated string: '\\' at the end of the payload"),
        ("\"a\nb\"", "invalid JSON at byte 2: control character U+000A must be escaped in a string"),
        ("\"a\tb\"", "invalid JSON at byte 2: control character U+0009 must be escaped in a string"),
        (#""\x""#, "invalid JSON at byte 2: invalid escape in string: '\\' followed by 'x'"),
        (#""\u12""#, "invalid JSON at byte 5: expected 4 hex digits after '\\u', got '\"'"),
        (#""\uD800""#, "invalid JSON at byte 1: lone surrogate \\uD800 in string"),
        (#""\uDC00x""#, "invalid JSON at byte 1: lone surrogate \\uDC00 in string"),
        (#""\uD800\u0041""#, "invalid JSON at byte 1: lone surrogate \\uD800 in string"),
        (#""\uD800\n""#, "invalid JSON at byte 1: lone surrogate \\uD800 in string"),
        ("\u{FEFF}{}", "invalid JSON at byte 0: expected a value, got '\u{FEFF}' (U+FEFF)"),
        ("{\"é\":1,\"é\":2}", "invalid JSON at byte 8: duplicate key \"é\""),
        ("\u{7}", "invalid JSON at byte 0: expected a value, got control character U+0007"),
    ])
    func rejectsWithMessage(text: String, message: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.description == message)
    }

    @Test func errorKindsTellProblemsApart() {
        func kind(_ text: String) -> JSONParseError.Kind? {
            do {
                _ = try JSONParser.parse(text)
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(kind("") == .emptyPayload)
        #expect(kind("[") == .syntax)
        #expect(kind(#"{"a":1,"a":1}"#) == .duplicateKey)
        #expect(kind("1e400") == .numberOutOfRange)
        #expect(kind(String(repeating: "[", count: 65)) == .tooDeep)
        #expect(
            JSONParseError(kind: .invalidUTF8, offset: 5, detail: "").description
                == "payload is not valid UTF-8 (byte 5)")
    }
}
