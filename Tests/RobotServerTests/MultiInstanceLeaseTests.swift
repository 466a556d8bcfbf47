import Foundation
import StrictJSON
import TestSupport
import Testing

extension EndToEnd {
    /// The control lease across two built robot-servers (cluster ids a and b) on one TLS mosquitto
    /// (``ServerCluster``): two people on two instances still cannot drive at once, a handover crosses instances, an
    /// owner that does not answer is a 503, when the owner (a) dies b continues from its replica, and an owner cut off
    /// from the broker decides nothing.
    @Suite(.timeLimit(.minutes(1))) struct MultiInstanceLeaseTests {
        typealias Tokens = ControlLeaseEndToEndTests
        static let forward = Tokens.forward

        func control(_ cluster: ServerCluster, _ id: String, _ action: String, token: String) async throws
            -> HTTPAnswer
        {
            try await cluster.post(id, "/robots/sts-pi/control", #"{"action":"\#(action)"}"#, token: token)
        }

        func drive(_ cluster: ServerCluster, _ id: String, token: String) async throws -> HTTPAnswer {
            try await cluster.post(id, "/robots/sts-pi/publish", Self.forward, token: token)
        }

        @Test func oneDriverAcrossInstancesThroughHandoverAndTheOwnersDeath() async throws {
            let cluster = try await ServerCluster.start(
                ["a", "b"], auth: Tokens.auth, cluster: #""callTimeoutMs":500"#)
            defer { Task { await cluster.stop() } }
            let (a, b) = (cluster["a"].server, cluster["b"].server)
            try await b.waitUntilOutput(contains: "instance a owns the control leases now (was b)")

            // bob takes the free lease through b: a call to a, whose reply (seq 1) b applies before it answers; his
            // release through b is a call too.
            let first = try await drive(cluster, "b", token: Tokens.bob)
            #expect(first.status == 202, "\(first)\nb: \(b.outputTail(lines: 15))")
            let held = try await cluster.get("b", "/robots/sts-pi/control", token: Tokens.bob)
            #expect(held.json?["you"]?["driving"] == true, "\(held)")
            let released = try await control(cluster, "b", "release", token: Tokens.bob)
            #expect(released.status == 200 && released.json?["holder"] == .null, "\(released)")

            // alice drives through a (the owner); bob's motion through b is refused by a, naming alice.
            #expect(try await drive(cluster, "a", token: Tokens.alice).status == 202)
            let refused = try await drive(cluster, "b", token: Tokens.bob)
            #expect(
                refused.status == 409 && refused.error == "control held",
                "\(refused)\na: \(a.outputTail(lines: 15))\nb: \(b.outputTail(lines: 15))")
            let since = try #require(refused.json?["holder"]?["since"]?.stringValue, "\(refused)")
            #expect(refused.json?["holder"]?["name"] == "alice")
            #expect(refused.detail?.hasPrefix("alice is driving sts-pi since \(since); ask for control") == true)
            // b's replica shows alice too (GET answers from it, without a call).
            let seen = try await cluster.get("b", "/robots/sts-pi/control", token: Tokens.bob).json
            #expect(seen?["holder"]?["name"] == "alice" && seen?["holder"]?["since"]?.stringValue == since)

            // bob asks through b, alice hands over through a; bob drives through b, alice is refused through a.
            let asked = try await control(cluster, "b", "request", token: Tokens.bob)
            #expect(asked.status == 202 && asked.json?["request"]?["name"] == "bob", "\(asked)")
            let handed = try await control(cluster, "a", "handover", token: Tokens.alice)
            #expect(handed.status == 200 && handed.json?["holder"]?["name"] == "bob", "\(handed)")
            try await b.waitUntilOutput(contains: "control: bob drives (instance a, seq")
            #expect(try await drive(cluster, "b", token: Tokens.bob).status == 202)
            let aliceRefused = try await drive(cluster, "a", token: Tokens.alice)
            #expect(aliceRefused.status == 409 && aliceRefused.json?["holder"]?["name"] == "bob", "\(aliceRefused)")

            // How long a call through the owner takes: bob's request (he holds it: nothing changes) through b, against
            // the same decided locally on a.
            let viaB = try await medianMilliseconds(50) {
                let answer = try await control(cluster, "b", "request", token: Tokens.bob)
                #expect(answer.status == 200, "\(answer)")
            }
            let onA = try await medianMilliseconds(50) {
                let answer = try await control(cluster, "a", "request", token: Tokens.bob)
                #expect(answer.status == 200, "\(answer)")
            }
            print(
                String(
                    format: "MultiInstanceLease: POST control through b (a call to a) median %.2f ms, on a (the owner) "
                        + "%.2f ms: the call adds %.2f ms", viaB, onA, viaB - onA))

            // An owner that does not answer (stopped, still connected): 503 naming it and the timeout.
            a.signal(SIGSTOP)
            let unavailable = try await control(cluster, "b", "request", token: Tokens.bob)
            a.signal(SIGCONT)
            #expect(
                unavailable.status == 503 && unavailable.error == "control lease unavailable",
                "\(unavailable)\na: \(a.outputTail(lines: 15))\nb: \(b.outputTail(lines: 15))")
            #expect(unavailable.detail?.contains("no answer from instance a") == true, "\(unavailable)")
            #expect(unavailable.detail?.contains("within 500 ms") == true, "\(unavailable)")

            // The owner dies: b owns the leases now and still knows that bob drives.
            try await cluster.kill("a")
            try await b.waitUntilOutput(contains: "instance b owns the control leases now (was a)")
            let afterDeath = try await drive(cluster, "b", token: Tokens.alice)
            #expect(afterDeath.status == 409 && afterDeath.json?["holder"]?["name"] == "bob", "\(afterDeath)")
            #expect(afterDeath.json?["holder"]?["since"] == handed.json?["holder"]?["since"], "\(afterDeath)")
            #expect(try await drive(cluster, "b", token: Tokens.bob).status == 202)
            let status = try await control(cluster, "b", "request", token: Tokens.bob)
            #expect(status.status == 200 && status.json?["you"]?["driving"] == true, "\(status)")

            // The broker goes away: the owner decides nothing it cannot tell the others.
            try await cluster.broker.stop()
            let deadline = ContinuousClock.now + .seconds(5)
            var cut = try await control(cluster, "b", "request", token: Tokens.bob)
            while cut.status != 503, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                cut = try await control(cluster, "b", "request", token: Tokens.bob)
            }
            #expect(cut.status == 503 && cut.error == "control lease unavailable", "\(cut)")
            #expect(cut.detail?.contains("owns the control leases but is not connected to the broker") == true)
        }

        /// The median wall time of `count` runs of `body`, in milliseconds.
        func medianMilliseconds(_ count: Int, _ body: () async throws -> Void) async throws -> Double {
            var times: [Double] = []
            for _ in 0..<count {
                let started = ContinuousClock.now
                try await body()
                let elapsed = ContinuousClock.now - started
                times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
            }
            return times.sorted().percentile(0.5)
        }
    }
}
