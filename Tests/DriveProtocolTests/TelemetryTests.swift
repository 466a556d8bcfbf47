import Basics
import DriveProtocol
import StrictJSON
import Testing

@Suite struct TelemetryTests {
    let instant = Timestamp(nanosecondsSinceEpoch: 1_795_239_484_123_456_000)  // 2026-11-21T05:38:04.123456Z

    @Test func commandTelemetryIsByteExact() {
        let telemetry = Telemetry(
            thingName: "sts-pi", event: .command, left: 0.7, right: -0.70000001, id: "abc",
            timestamp: instant, extra: ["durationMs": 300])
        let expected =
            #"{"thingName":"sts-pi","event":"command","left":0.7,"right":-0.7,"id":"abc","#
            + #""ts":"2026-11-21T05:38:04.123456Z","durationMs":300}"#
        #expect(String(decoding: telemetry.jsonBytes(), as: UTF8.self) == expected)
    }

    @Test func rejectedTelemetryCarriesTheReasonEscaped() {
        let telemetry = Telemetry(
            thingName: "sts-pi", event: .rejected, reason: #"unknown action "Forward""#,
            timestamp: Timestamp(nanosecondsSinceEpoch: 0))
        let expected =
            #"{"thingName":"sts-pi","event":"rejected","left":0,"right":0,"#
            + #""reason":"unknown action \"Forward\"","ts":"1970-01-01T00:00:00.000000Z"}"#
        #expect(String(decoding: telemetry.jsonBytes(), as: UTF8.self) == expected)
    }

    @Test(arguments: [
        (0.123456, 0.1235), (-0.99999, -1), (0.5, 0.5), (1.0 / 3.0, 0.3333), (0.7000000000000001, 0.7), (-0.0, 0),
    ])
    func throttlesAreRoundedToFourDecimals(throttle: Double, written: Double) throws {
        let telemetry = Telemetry(thingName: "t", event: .heartbeat, left: throttle, right: 0, timestamp: instant)
        let bytes = telemetry.jsonBytes()
        #expect(try JSONParser.parse(bytes)["left"] == .number(written))
    }

    @Test(arguments: [
        Telemetry(
            thingName: "sts-pi", event: .command, left: 0.5, right: -0.25, id: "joy-1", timestamp: .now(),
            extra: ["durationMs": 200, "counters": ["accepted": 3, "rejected": 1]]),
        Telemetry(thingName: "r2", event: .stopped, reason: "deadline", timestamp: .now()),
        Telemetry(thingName: "ünï", event: .offline, timestamp: Timestamp(nanosecondsSinceEpoch: 0)),
    ])
    func telemetryRoundTrips(telemetry: Telemetry) throws {
        #expect(try Telemetry(from: telemetry.jsonBytes()) == telemetry)
    }

    @Test func extrasCannotOverrideStandardFields() throws {
        let telemetry = Telemetry(
            thingName: "a", event: .online, timestamp: instant, extra: ["event": "spoofed", "ts": 1, "note": "kept"])
        let written = try JSONParser.parse(telemetry.jsonBytes())
        #expect(written.objectValue?.keys == ["thingName", "event", "left", "right", "ts", "note"])
        #expect(written["event"] == "online")
    }

    @Test func decodingAcceptsNullOptionalsAndCollectsExtras() throws {
        let text =
            #"{"ts":"2026-11-21T05:38:04Z","event":"video","thingName":"x","left":0,"right":1,"#
            + #""id":null,"state":"running"}"#
        let telemetry = try Telemetry(from: Array(text.utf8))
        #expect(telemetry.event == .video)
        #expect(telemetry.id == nil)
        #expect(telemetry.right == 1)
        #expect(telemetry.extra == ["state": "running"])
    }

    @Test(arguments: [
        ("[]", "telemetry must be a JSON object, got array"),
        ("{", "telemetry is not valid JSON: invalid JSON at byte 1: expected a string key or '}', got end of payload"),
        (#"{"event":"nap"}"#, #"unknown telemetry event "nap""#),
        (#"{"event":"online"}"#, #"telemetry needs "ts""#),
        (#"{"event":"online","ts":"yesterday"}"#, #"telemetry ts must be an ISO-8601 UTC time, got "yesterday""#),
        (#"{"event":"online","ts":"1970-01-01T00:00:00Z","left":0,"right":0}"#, #"telemetry needs "thingName""#),
        (
            #"{"event":"online","ts":"1970-01-01T00:00:00Z","thingName":"t","left":"0","right":0}"#,
            "telemetry left must be a number, got string"
        ),
        (
            #"{"event":"online","ts":"1970-01-01T00:00:00Z","thingName":"t","left":0,"right":0,"reason":7}"#,
            "telemetry reason must be a string, got number"
        ),
    ])
    func decodingErrorsNameTheField(text: String, reason: String) {
        let error = #expect(throws: TelemetryDecodingError.self) { try Telemetry(from: Array(text.utf8)) }
        #expect(error?.description == reason)
    }
}
