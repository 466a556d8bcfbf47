import DriveProtocol
import StrictJSON
import Testing

@Suite struct DriveCommandParserTests {
    let defaults = DriveDefaults(speed: 0.5, durationMs: 200)

    private func parse(_ text: String, defaults: DriveDefaults? = nil) throws -> DriveCommand {
        try DriveCommandParser.parse(Array(text.utf8), defaults: defaults ?? self.defaults)
    }

    @Test(arguments: [
        ("forward", DriveAction.forward, 0.7, 0.7),
        ("backwards", .backwards, -0.7, -0.7),
        ("backward", .backwards, -0.7, -0.7),
        ("left", .left, -0.7, 0.7),
        ("right", .right, 0.7, -0.7),
        ("stop", .stop, 0, 0),
        ("estop", .estop, 0, 0),
        ("release", .release, 0, 0),
    ])
    func actionsMapToThrottles(name: String, action: DriveAction, left: Double, right: Double) throws {
        let command = try parse(#"{"action":"\#(name)","speed":0.7}"#)
        #expect(command.motion == .action(action, speed: 0.7))
        #expect(command.throttles.left == left)
        #expect(command.throttles.right == right)
        // An emergency stop is a stop; a release is not (it moves nothing, but it lets motions through again).
        #expect(command.isStop == (action == .stop || action == .estop))
    }

    @Test func estopAndReleaseIgnoreSpeedAndDurationAndKeepTheirID() throws {
        let estop = try parse(#"{"action":"estop","speed":1,"durationMs":5000,"id":"e1"}"#)
        #expect(estop.intent == .emergencyStop && estop.isStop && estop.id == "e1")
        #expect(estop.throttles == (0, 0))
        let release = try parse(#"{"action":"release","id":"r1"}"#)
        #expect(release.intent == .release && !release.isStop && release.id == "r1")
        #expect(release.throttles == (0, 0))
        #expect(try parse(#"{"action":"stop"}"#).intent == .stop)
        #expect(try parse(#"{"action":"forward"}"#).intent == .motion)
        #expect(throws: CommandRejection.self) { try parse(#"{"action":"ESTOP"}"#) }
        #expect(throws: CommandRejection.self) { try parse(#"{"action":"estop","left":0,"right":0}"#) }
    }

    @Test func originalPayloadGetsDefaults() throws {
        let command = try parse(#"{"action": "forward"}"#, defaults: DriveDefaults(speed: 0.7, durationMs: 250))
        #expect(command == DriveCommand(motion: .action(.forward, speed: 0.7), durationMs: 250, id: nil))
        #expect(try parse(#"{"action":"left"}"#).throttles == (-0.5, 0.5))
        #expect(try parse(#"{"action":"left"}"#).durationMs == 200)
    }

    @Test func explicitFieldsOverrideDefaults() throws {
        let command = try parse(#"{"action":"forward","speed":0.7,"durationMs":300,"id":"abc"}"#)
        #expect(command == DriveCommand(motion: .action(.forward, speed: 0.7), durationMs: 300, id: "abc"))
    }

    @Test(arguments: ["0", "1", "0.25", "1.0", "0e0", "-0"])
    func speedBoundsAreInclusive(speed: String) throws {
        #expect(throws: Never.self) { try parse(#"{"action":"forward","speed":\#(speed)}"#) }
    }

    @Test(arguments: [(1, 1), (5000, 5000), (300.0, 300), (3e2, 300)] as [(Double, Int)])
    func durationAcceptsIntegralNumbers(written: Double, expected: Int) throws {
        let text = #"{"action":"stop","durationMs":\#(written)}"#
        #expect(try parse(text).durationMs == expected)
    }

    @Test func differentialDriveUsesThrottlesAsGiven() throws {
        let command = try parse(#"{"left":-1.0,"right":0.25,"durationMs":100,"id":"joy-7"}"#)
        #expect(command.motion == .differential(left: -1, right: 0.25))
        #expect(command.throttles == (-1, 0.25))
        #expect(command.durationMs == 100)
        #expect(command.id == "joy-7")
        #expect(!command.isStop)
        #expect(try parse(#"{"left":0,"right":-0}"#).isStop)
        #expect(try parse(#"{"left":1,"right":1}"#).durationMs == 200)
    }

    @Test func actionAtSpeedZeroIsAStop() throws {
        #expect(try parse(#"{"action":"forward","speed":0}"#).isStop)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let command = try parse(#"{"action":"right","future":{"nested":[1,2]},"x":null,"speedy":"no"}"#)
        #expect(command.motion == .action(.right, speed: 0.5))
    }

    @Test(arguments: ["", "a", "robot-42 ✓", String(repeating: "x", count: 64), String(repeating: "é", count: 64)])
    func idsUpTo64CharactersAreEchoed(id: String) throws {
        let payload = JSONValue.object(["action": "stop", "id": .string(id)]).serialized()
        #expect(try DriveCommandParser.parse(payload, defaults: defaults).id == id)
    }

    @Test func payloadOfExactly4096BytesIsAccepted() throws {
        let head = #"{"action":"forward","padding":""#
        let tail = #""}"#
        let text = head + String(repeating: " ", count: 4096 - head.utf8.count - tail.utf8.count) + tail
        #expect(text.utf8.count == DriveCommandParser.maxPayloadBytes)
        #expect(try parse(text).motion == .action(.forward, speed: 0.5))
    }

    @Test func everyInputShapeParsesAlike() throws {
        let text = #"{"action":"backward","durationMs":1}"#
        let expected = try parse(text)
        #expect(try DriveCommandParser.parse(text.utf8, defaults: defaults) == expected)
        #expect(try DriveCommandParser.parse(Array(text.utf8)[...], defaults: defaults) == expected)
        let bytes = Array(text.utf8)
        let borrowed = try bytes.withUnsafeBytes { try DriveCommandParser.parse($0, defaults: defaults) }
        #expect(borrowed == expected)
        #expect(try DriveCommandParser.command(from: JSONParser.parse(text), defaults: defaults) == expected)
    }

    @Test(arguments: [
        DriveCommand(motion: .action(.forward, speed: 0.7), durationMs: 300, id: "abc"),
        DriveCommand(motion: .action(.stop, speed: 0.5), durationMs: 200, id: nil),
        DriveCommand(motion: .differential(left: -0.25, right: 1), durationMs: 5000, id: "j\"1"),
    ])
    func commandsWriteWhatTheParserReadsBack(command: DriveCommand) throws {
        #expect(try DriveCommandParser.parse(command.jsonBytes(), defaults: defaults) == command)
    }

    @Test func commandJSONIsCompactAndOrdered() {
        let command = DriveCommand(motion: .action(.forward, speed: 0.7), durationMs: 300, id: "abc")
        #expect(
            String(decoding: command.jsonBytes(), as: UTF8.self)
                == #"{"action":"forward","speed":0.7,"durationMs":300,"id":"abc"}"#)
    }

    @Test func wireNamesAreCaseSensitiveWithOneAlias() {
        #expect(DriveAction(wireName: "backward") == .backwards)
        #expect(DriveAction(wireName: "Backward") == nil)
        #expect(DriveAction.allCases.allSatisfy { DriveAction(wireName: $0.rawValue) == $0 })
    }
}
