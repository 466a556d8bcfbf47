import Foundation
import StrictJSON
import TestSupport
import Testing

extension EndToEnd {
    /// One driver at a time on the built robot-server, a TLS mosquitto and real HTTP: the 409 naming the holder, a
    /// stop from someone else reaching the robot's topic, request and handover, expiry after `control.idleSeconds` (5,
    /// the least allowed), and an admin's takeover.
    @Suite(.timeLimit(.minutes(1))) struct ControlLeaseEndToEndTests {
        static let alice = "alice-token-2f7d9c1e5a3b0864"
        static let bob = "bob-token-9e1b4d7a2c6f0358"
        static let carol = "carol-token-4a8c2e6f1d9b7035"
        static let ops = "ops-token-7b3e9d1c5f2a8046"

        /// alice, bob and carol drive and watch sts-pi; ops may also take over (`admin`).
        static var auth: String {
            let drivers = [("alice", alice), ("bob", bob), ("carol", carol)].map { name, token in
                #"{"name":"\#(name)","sha256":"\#(ServerHarness.sha256(token))","robots":["sts-pi"]}"#
            }
            let ops =
                #"{"name":"ops","sha256":"\#(ServerHarness.sha256(Self.ops))","robots":["sts-pi"],"#
                + #""roles":["drive","view","admin"]}"#
            return #"{"tokens":[\#((drivers + [ops]).joined(separator: ","))]}"#
        }

        static let forward = #"{"action":"forward","durationMs":100}"#

        func control(_ harness: ServerHarness, _ action: String, token: String) async throws -> HTTPAnswer {
            try await harness.post("/robots/sts-pi/control", #"{"action":"\#(action)"}"#, token: token)
        }

        func state(_ harness: ServerHarness, token: String) async throws -> JSONValue? {
            try await harness.get("/robots/sts-pi/control", headers: [("Authorization", "Bearer \(token)")]).json
        }

        @Test func oneDriverAtATimeWithHandoverExpiryAndTakeover() async throws {
            let harness = try await ServerHarness.start(
                robotd: false, auth: Self.auth, extra: #""control":{"idleSeconds":5}"#)
            defer { Task { await harness.stop() } }

            // alice drives; bob's motion is refused, naming alice and since when.
            #expect(try await harness.post("/publish", Self.forward, token: Self.alice).status == 202)
            let refused = try await harness.post("/robots/sts-pi/publish", Self.forward, token: Self.bob)
            #expect(refused.status == 409 && refused.error == "control held", "\(refused)")
            let since = try #require(refused.json?["holder"]?["since"]?.stringValue, "\(refused)")
            #expect(refused.json?["holder"]?["name"] == "alice")
            #expect(refused.detail?.hasPrefix("alice is driving sts-pi since \(since); ask for control") == true)

            // bob's stop is accepted and reaches the robot's topic.
            let stop = try await harness.post("/publish", #"{"action":"stop","id":"bob-stop"}"#, token: Self.bob)
            #expect(stop.status == 202, "\(stop)")
            _ = try await harness.admin.message("bob's stop") {
                $0.topic == "sts-pi/action" && String(decoding: $0.payload, as: UTF8.self).contains("bob-stop")
            }
            #expect(harness.actions().count == 2, "alice's forward and bob's stop, nothing refused")

            // bob asks; alice sees the request and hands over; bob drives, alice is refused.
            let asked = try await control(harness, "request", token: Self.bob)
            #expect(asked.status == 202 && asked.json?["request"]?["name"] == "bob", "\(asked)")
            #expect(try await state(harness, token: Self.alice)?["request"]?["name"] == "bob")
            let handed = try await control(harness, "handover", token: Self.alice)
            #expect(handed.status == 200 && handed.json?["holder"]?["name"] == "bob", "\(handed)")
            #expect(try await harness.post("/publish", Self.forward, token: Self.bob).status == 202)
            let aliceRefused = try await harness.post("/publish", Self.forward, token: Self.alice)
            #expect(aliceRefused.status == 409 && aliceRefused.json?["holder"]?["name"] == "bob", "\(aliceRefused)")

            // bob lets go; alice drives again and goes idle: after 5 s the lease is free and carol drives.
            #expect(try await control(harness, "release", token: Self.bob).status == 200)
            #expect(try await harness.post("/publish", Self.forward, token: Self.alice).status == 202)
            let idleFrom = ContinuousClock.now
            #expect(try await harness.post("/publish", Self.forward, token: Self.carol).status == 409)
            let deadline = idleFrom + .seconds(10)
            while try await state(harness, token: Self.carol)?["holder"] != .null {
                #expect(ContinuousClock.now < deadline, "the lease never expired")
                if ContinuousClock.now >= deadline { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(ContinuousClock.now - idleFrom >= .seconds(5), "not before control.idleSeconds")
            #expect(try await harness.post("/publish", Self.forward, token: Self.carol).status == 202)
            #expect(try await state(harness, token: Self.carol)?["you"]?["driving"] == true)

            // bob may not take over; ops (admin) may, at once.
            let bobTakeover = try await control(harness, "takeover", token: Self.bob)
            #expect(bobTakeover.status == 403 && bobTakeover.detail?.contains(#"lacks the "admin" role"#) == true)
            let takeover = try await control(harness, "takeover", token: Self.ops)
            #expect(takeover.status == 200 && takeover.json?["holder"]?["name"] == "ops", "\(takeover)")
            let carolRefused = try await harness.post("/publish", Self.forward, token: Self.carol)
            #expect(carolRefused.status == 409 && carolRefused.json?["holder"]?["name"] == "ops", "\(carolRefused)")
            try await harness.server.waitUntilOutput(contains: "control: takenOver")
        }
    }
}
