import DriveProtocol
import TestSupport
import Testing

/// Bad commands never move the robot and never crash robotd: each is reported as `rejected` with its reason.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BadInputTests {
    static let cases: [(name: String, payload: [UInt8], reason: String)] = [
        ("malformed JSON", Array(#"{"action":"forward""#.utf8), "invalid JSON at byte 19"),
        ("trailing garbage", Array(#"{"action":"forward"} x"#.utf8), "invalid JSON at byte"),
        ("not an object", Array(#"["forward"]"#.utf8), "command must be a JSON object, got array"),
        ("a bare string", Array(#""forward""#.utf8), "command must be a JSON object, got string"),
        ("unknown action", Array(#"{"action":"fly"}"#.utf8), #"unknown action "fly""#),
        ("upper-case action", Array(#"{"action":"Forward"}"#.utf8), #"unknown action "Forward""#),
        ("action not a string", Array(#"{"action":1}"#.utf8), "action must be a string"),
        (
            "speed as a string", Array(#"{"action":"forward","speed":"0.5"}"#.utf8),
            #"speed must be a number, got string "0.5""#
        ),
        (
            "speed out of range", Array(#"{"action":"forward","speed":1.5}"#.utf8),
            "speed must be between 0 and 1, got 1.5"
        ),
        (
            "NaN", Array(#"{"action":"forward","speed":NaN}"#.utf8),
            "invalid JSON at byte 28: expected a value, got 'NaN'"
        ),
        ("huge number", Array(#"{"action":"forward","speed":1e400}"#.utf8), "number out of range"),
        (
            "negative durationMs", Array(#"{"action":"forward","durationMs":-5}"#.utf8),
            "durationMs must be an integer between 1 and 5000, got -5"
        ),
        (
            "zero durationMs", Array(#"{"action":"forward","durationMs":0}"#.utf8),
            "durationMs must be an integer between 1 and 5000, got 0"
        ),
        (
            "huge durationMs", Array(#"{"action":"forward","durationMs":86400000}"#.utf8),
            "durationMs must be an integer between 1 and 5000"
        ),
        (
            "fractional durationMs", Array(#"{"action":"forward","durationMs":2.5}"#.utf8),
            "durationMs must be an integer between 1 and 5000, got 2.5"
        ),
        ("left without right", Array(#"{"left":0.5}"#.utf8), #""left" needs "right" too"#),
        ("action with left/right", Array(#"{"action":"forward","left":1,"right":1}"#.utf8), "ambiguous command"),
        ("left out of range", Array(#"{"left":-1.5,"right":0}"#.utf8), "left must be between -1 and 1, got -1.5"),
        (
            "neither action nor left/right", Array(#"{"speed":0.5}"#.utf8),
            #"command needs "action" or "left" and "right""#
        ),
        ("null action", Array(#"{"action":null}"#.utf8), "action must be a string, got null"),
        (
            "id too long", Array(#"{"action":"forward","id":"\#(String(repeating: "x", count: 65))"}"#.utf8),
            "id must be"
        ),
        (
            "oversize payload", Array(#"{"action":"forward","pad":"\#(String(repeating: "x", count: 5000))"}"#.utf8),
            "the limit is 4096"
        ),
        ("invalid UTF-8", [0x7B, 0x22, 0x61, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "not valid UTF-8"),
        ("empty payload", [], "empty payload"),
        ("duplicate key", Array(#"{"action":"stop","action":"forward"}"#.utf8), #"duplicate key "action""#),
    ]

    @Test func everyBadCommandIsRejectedWithItsReasonAndNothingMoves() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        for (index, bad) in Self.cases.enumerated() {
            try await robot.send(bytes: bad.payload)
            try await robot.waitForTelemetry("rejection \(index) (\(bad.name))") { _ in
                robot.telemetry.filter({ $0.event == .rejected }).count == index + 1
            }
            let rejected = robot.telemetry.filter { $0.event == .rejected }[index]
            let reason = try #require(rejected.reason)
            #expect(reason.contains(bad.reason), "\(bad.name): \(reason)")
            #expect(rejected.left == 0 && rejected.right == 0)
        }
        #expect(Self.cases.count >= 15)
        #expect(!robot.telemetry.contains { $0.event == .command }, "no bad command moved the motors")
        #expect(!robot.process.standardError.contains("simulated motors: left=+0.500"))
        #expect(robot.process.isRunning)

        // Still alive and driving; rejections are counted in the heartbeat-less log and the id is echoed.
        try await robot.send(#"{"action":"fly","id":"bad-1"}"#)
        let echoed = try await robot.waitForTelemetry("echoed id") { $0.event == .rejected && $0.id == "bad-1" }
        #expect(echoed.reason?.contains("fly") == true)
        try await robot.send(#"{"action":"forward","id":"ok"}"#)
        let command = try await robot.waitForTelemetry("good command") { $0.event == .command && $0.id == "ok" }
        #expect(command.left == 0.5 && command.right == 0.5)
    }

    @Test func aBadCommandDoesNotCancelTheCurrentMotion() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        try await robot.send(#"{"action":"forward","durationMs":400,"id":"go"}"#)
        let command = try await robot.waitForTelemetry("command") { $0.event == .command && $0.id == "go" }
        try await robot.send(#"{"action":"warp"}"#)
        let rejected = try await robot.waitForTelemetry("rejection") { $0.event == .rejected }
        #expect(rejected.left == 0.5 && rejected.right == 0.5, "telemetry reports the motion still under way")
        let stopped = try await robot.waitForTelemetry("deadline") { $0.event == .stopped && $0.id == "go" }
        let held = stopped.timestamp.milliseconds(since: command.timestamp)
        #expect(held >= 399 && held < 500, "the rejected command neither stopped nor extended the motion: \(held) ms")
    }

    @Test func heartbeatsCarryTheCounters() async throws {
        let robot = try await RobotdHarness.start(heartbeatSeconds: 1)
        defer { Task { await robot.stop() } }
        try await robot.send(#"{"action":"fly"}"#)
        try await robot.send(#"{"action":"stop"}"#)
        try await robot.waitForTelemetry("rejection") { $0.event == .rejected }
        let heartbeat = try await robot.waitForTelemetry("heartbeat", timeout: .seconds(3)) { $0.event == .heartbeat }
        #expect(heartbeat.extra["rejected"] == .number(1))
        #expect(heartbeat.extra["commands"] == .number(1))
    }
}
