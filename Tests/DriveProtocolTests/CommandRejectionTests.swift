import DriveProtocol
import Testing

/// A payload that must be rejected, the exact reason, and the id the rejection must carry.
struct BadCommand: Sendable, CustomTestStringConvertible {
    var payload: [UInt8]
    var reason: String
    var id: String?

    init(_ text: String, _ reason: String, id: String? = nil) {
        self.init(bytes: Array(text.utf8), reason, id: id)
    }

    init(bytes: [UInt8], _ reason: String, id: String? = nil) {
        self.payload = bytes
        self.reason = reason
        self.id = id
    }

    var testDescription: String {
        let text = String(decoding: payload.prefix(60), as: UTF8.self)
        return payload.count > 60 ? "\(text)… (\(payload.count) bytes)" : text
    }
}

@Suite struct CommandRejectionTests {
    static let unknown = "; expected forward, backwards, left, right, stop, estop, release"
    static let durationRange = "durationMs must be an integer between 1 and 5000, got"

    static let cases: [BadCommand] = [
        // Not JSON, or not an object.
        BadCommand("", "empty payload"),
        BadCommand(
            #"{"action":"forward""#,
            "invalid JSON at byte 19: expected ',' or '}' after object member, got end of payload"),
        BadCommand(#"{"action":"forward",}"#, "invalid JSON at byte 20: expected a string key after ',', got '}'"),
        BadCommand(
            #"{"action":"forward"}garbage"#, "invalid JSON at byte 20: unexpected 'garbage' after the JSON value"),
        BadCommand("{'action':'forward'}", "invalid JSON at byte 1: expected a string key or '}', got '''"),
        BadCommand(#"{"action":"forward","action":"stop"}"#, #"invalid JSON at byte 20: duplicate key "action""#),
        BadCommand(
            bytes: Array(#"{"action":"forw"#.utf8) + [0xC3] + Array(#""}"#.utf8),
            "payload is not valid UTF-8 (byte 15)"),
        BadCommand(
            bytes: Array(#"{"id":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),
            "payload is not valid UTF-8 (byte 7)"),
        BadCommand(#"["forward"]"#, "command must be a JSON object, got array"),
        BadCommand(#""forward""#, "command must be a JSON object, got string"),
        BadCommand("42", "command must be a JSON object, got number"),
        BadCommand("null", "command must be a JSON object, got null"),
        BadCommand("true", "command must be a JSON object, got boolean"),
        // Which motion.
        BadCommand("{}", #"command needs "action" or "left" and "right""#),
        BadCommand(#"{"speed":0.5,"id":"a"}"#, #"command needs "action" or "left" and "right""#, id: "a"),
        BadCommand(#"{"left":0.5}"#, #""left" needs "right" too"#),
        BadCommand(#"{"right":0.5,"id":"r"}"#, #""right" needs "left" too"#, id: "r"),
        BadCommand(
            #"{"action":"forward","left":0.5,"right":0.5}"#,
            #"ambiguous command: "action" together with "left"/"right""#),
        BadCommand(#"{"action":"stop","right":0}"#, #"ambiguous command: "action" together with "left"/"right""#),
        BadCommand(
            #"{"left":0.5,"right":0.5,"speed":1}"#,
            #"ambiguous command: "speed" together with "left" and "right""#),
        // action
        BadCommand(#"{"action":"Forward","id":"c1"}"#, #"unknown action "Forward""# + unknown, id: "c1"),
        BadCommand(#"{"action":"STOP"}"#, #"unknown action "STOP""# + unknown),
        BadCommand(#"{"action":"fly"}"#, #"unknown action "fly""# + unknown),
        BadCommand(#"{"action":""}"#, #"unknown action """# + unknown),
        BadCommand(#"{"action":" forward"}"#, #"unknown action " forward""# + unknown),
        BadCommand(#"{"action":"\u0000"}"#, #"unknown action "\u0000""# + unknown),
        BadCommand(
            #"{"action":"\#(String(repeating: "z", count: 50))"}"#,
            #"unknown action "\#(String(repeating: "z", count: 40))…""# + unknown),
        BadCommand(#"{"action":1}"#, "action must be a string, got number 1"),
        BadCommand(#"{"action":null}"#, "action must be a string, got null"),
        BadCommand(#"{"action":["forward"]}"#, "action must be a string, got array"),
        BadCommand(#"{"action":{"name":"forward"}}"#, "action must be a string, got object"),
        // speed
        BadCommand(#"{"action":"forward","speed":"0.5"}"#, #"speed must be a number, got string "0.5""#),
        BadCommand(#"{"action":"forward","speed":null}"#, "speed must be a number, got null"),
        BadCommand(#"{"action":"forward","speed":true}"#, "speed must be a number, got boolean true"),
        BadCommand(#"{"action":"forward","speed":1.5,"id":"s"}"#, "speed must be between 0 and 1, got 1.5", id: "s"),
        BadCommand(#"{"action":"forward","speed":-0.1}"#, "speed must be between 0 and 1, got -0.1"),
        BadCommand(#"{"action":"stop","speed":2}"#, "speed must be between 0 and 1, got 2"),
        BadCommand(#"{"action":"forward","speed":1e300}"#, "speed must be between 0 and 1, got 1e+300"),
        BadCommand(#"{"action":"forward","speed":NaN}"#, "invalid JSON at byte 28: expected a value, got 'NaN'"),
        BadCommand(
            #"{"action":"forward","speed":Infinity}"#,
            "invalid JSON at byte 28: expected a value, got 'Infinity'"),
        BadCommand(
            #"{"action":"forward","speed":-Infinity}"#,
            "invalid JSON at byte 29: expected a digit after '-', got 'Infinity'"),
        BadCommand(#"{"action":"forward","speed":1e400}"#, "invalid JSON at byte 28: number out of range"),
        BadCommand(#"{"action":"forward","speed":.5}"#, "invalid JSON at byte 28: expected a value, got '.'"),
        // left / right
        BadCommand(#"{"left":1.5,"right":0}"#, "left must be between -1 and 1, got 1.5"),
        BadCommand(#"{"left":0,"right":-1.01}"#, "right must be between -1 and 1, got -1.01"),
        BadCommand(#"{"left":0,"right":"1"}"#, #"right must be a number, got string "1""#),
        BadCommand(#"{"left":null,"right":0}"#, "left must be a number, got null"),
        // durationMs
        BadCommand(#"{"action":"forward","durationMs":0}"#, "\(durationRange) 0"),
        BadCommand(#"{"action":"forward","durationMs":-5}"#, "\(durationRange) -5"),
        BadCommand(#"{"action":"forward","durationMs":5001}"#, "\(durationRange) 5001"),
        BadCommand(#"{"action":"forward","durationMs":1e9,"id":"d"}"#, "\(durationRange) 1000000000", id: "d"),
        BadCommand(#"{"action":"forward","durationMs":1e100}"#, "\(durationRange) 1e+100"),
        BadCommand(#"{"action":"forward","durationMs":2.5}"#, "\(durationRange) 2.5"),
        BadCommand(#"{"left":0,"right":0,"durationMs":0.001}"#, "\(durationRange) 0.001"),
        BadCommand(#"{"action":"forward","durationMs":"300"}"#, #"durationMs must be a number, got string "300""#),
        BadCommand(
            #"{"action":"forward","durationMs":0300}"#,
            "invalid JSON at byte 33: numbers must not have leading zeros"),
        // id
        BadCommand(
            #"{"action":"forward","id":"\#(String(repeating: "x", count: 65))"}"#,
            "id must be at most 64 characters, got 65"),
        BadCommand(#"{"action":"forward","id":5}"#, "id must be a string, got number 5"),
        BadCommand(#"{"action":"forward","id":null}"#, "id must be a string, got null"),
        BadCommand(#"{"action":"fly","id":["a"]}"#, "id must be a string, got array"),
        // size
        BadCommand(oversize(4097), "payload is 4097 bytes; the limit is 4096"),
        BadCommand(oversize(5000), "payload is 5000 bytes; the limit is 4096"),
    ]

    /// A command that would be valid but for its size.
    static func oversize(_ size: Int) -> String {
        let head = #"{"action":"forward","id":"big","padding":""#
        let tail = #""}"#
        return head + String(repeating: "x", count: size - head.utf8.count - tail.utf8.count) + tail
    }

    @Test(arguments: cases)
    func rejectsWithExactReason(bad: BadCommand) {
        let error = #expect(throws: CommandRejection.self) {
            try DriveCommandParser.parse(bad.payload, defaults: DriveDefaults())
        }
        #expect(error?.reason == bad.reason)
        #expect(error?.id == bad.id)
        #expect(error?.description == bad.reason)
    }

    @Test func oversizePayloadIsRejectedBeforeParsing() {
        #expect(Self.oversize(4097).utf8.count == 4097)
        let garbage = [UInt8](repeating: 0xFF, count: 4097)
        let error = #expect(throws: CommandRejection.self) {
            try DriveCommandParser.parse(garbage, defaults: DriveDefaults())
        }
        #expect(error == CommandRejection(reason: "payload is 4097 bytes; the limit is 4096"))
    }

    @Test func atLeastTwentyKindsOfBadInputAreCovered() {
        #expect(Set(Self.cases.map(\.reason)).count >= 20)
    }
}
