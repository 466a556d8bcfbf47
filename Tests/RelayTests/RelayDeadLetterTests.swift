import AsyncHTTPClient
import Foundation
import NIOCore
import StrictJSON
import TestSupport
import Testing

/// A delivery refused for good on a rule without an error action is parked in the dead letters instead of
/// blocking its lane: later messages go on, the parked one is counted and shown, and a replay delivers it once
/// the destination takes it.
@Suite struct RelayDeadLetterTests {
    @Test func aRefusedDeliveryIsParkedTheLaneGoesOnAndAReplayDeliversIt() async throws {
        let hook = try await WebhookReceiver(statuses: [400])
        defer { hook.stop() }
        let rule = """
            {"name":"parked","source":{"account":"customer","topic":"data/parked"},
             "targets":[{"webhook":{"url":"http://127.0.0.1:\(hook.port)/hook"}}],"retry":{"initialMs":50,"maxMs":200}}
            """
        let relay = try await RelayHarness.start(extraRules: [rule])
        let customer = try relay.client(onA: true, as: "customer")
        try await customer.first(timeout: .seconds(5), "CONNACK") { if case .connected = $0 { true } else { false } }

        try await customer.client.publishAndWait(topic: "data/parked", payload: Array(#"{"n":1}"#.utf8))
        _ = try await hook.waitFor(1, timeout: .seconds(10))
        for n in 2...3 {
            try await customer.client.publishAndWait(topic: "data/parked", payload: Array(#"{"n":\#(n)}"#.utf8))
        }
        // The first was refused with 400; the two behind it are delivered, not held up behind it (in either order:
        // a webhook lane has 4 requests out at once).
        let requests = try await hook.waitFor(3, timeout: .seconds(10))
        #expect(requests.first?.body == #"{"n":1}"#)
        #expect(Set(requests.dropFirst().map(\.body)) == [#"{"n":2}"#, #"{"n":3}"#])

        try await Task.sleep(for: .milliseconds(1200))  // the committer's write, and one turn of the metrics gauges
        let status = try await relay.rules()
        let entry = status["rules"]?.arrayValue?.first { $0["name"]?.stringValue == "parked" }
        #expect(entry?["deadLetters"]?.intValue == 1, "\(entry.map { "\($0)" } ?? "no rule")")
        #expect(relay.counter(status, rule: "parked", "parked") == 1)
        #expect(relay.counter(status, rule: "parked", "delivered") == 2)
        let (_, metrics) = try await HTTPGet.fetch("http://127.0.0.1:\(relay.httpPort)/metrics")
        #expect(metrics.contains(#"relay_parked_total{rule="parked"} 1"#))
        #expect(metrics.contains(#"relay_dead_letters{rule="parked"} 1"#))

        let deadLetters = "http://127.0.0.1:\(relay.httpPort)/relay/dead-letters"
        let (listed, body) = try await HTTPGet.fetch(deadLetters + "?rule=parked")
        #expect(listed == 200, "\(body)")
        let letters = try JSONParser.parse(body)
        #expect(letters["total"]?.intValue == 1)
        let letter = letters["deadLetters"]?[0]
        #expect(letter?["payload"]?["n"]?.intValue == 1)
        #expect(letter?["lastError"]?.stringValue?.hasSuffix("HTTP 400") == true, "\(body)")
        #expect(letter?["attempts"]?.intValue == 1)
        let (unknown, _) = try await HTTPGet.fetch(deadLetters + "?rule=nope")
        #expect(unknown == 404)

        // The webhook takes everything now (its script is used up): replay.
        let (replayStatus, replayBody) = try await Self.post(
            "http://127.0.0.1:\(relay.httpPort)/relay/dead-letters/replay", body: #"{"rule":"parked"}"#)
        #expect(replayStatus == 200, "\(replayBody)")
        #expect(try JSONParser.parse(replayBody)["replayed"]?.intValue == 1)
        let after = try await hook.waitFor(4, timeout: .seconds(10))
        #expect(after.last?.body == #"{"n":1}"#)
        #expect(after.last?.messageID == requests.first?.messageID, "the same message id as its first attempt")
        try await Task.sleep(for: .milliseconds(300))
        let (_, empty) = try await HTTPGet.fetch(deadLetters + "?rule=parked")
        #expect(try JSONParser.parse(empty)["total"]?.intValue == 0)
        let final = try await relay.rules()
        #expect(relay.counter(final, rule: "parked", "delivered") == 3)
        #expect(relay.counter(final, rule: "parked", "replayed") == 1)
        await customer.client.disconnect()
        await relay.stop()
    }

    static func post(_ url: String, body: String) async throws -> (Int, String) {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let result = (Int(response.status.code), String(buffer: bytes))
        try await http.shutdown()
        return result
    }
}
