import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// Hundreds of idle and slow (slowloris) connections against the built robot-server, on loopback: each is
    /// closed after its timeout, connections over `listen.maxConnections` are refused at once, and `/healthz`
    /// keeps answering meanwhile (`docs/LIMITS.md`). Timings are asserted generously and printed precisely.
    @Suite(.serialized, .timeLimit(.minutes(3))) struct SlowClientTests {
        static let headTimeout = 3.0
        static let idleTimeout = 3.0
        static let cap = 400

        func launch() async throws -> RobotServerProcess {
            try await RobotServerProcess.launch(
                robot: nil,
                listen: #""requestHeadTimeoutSeconds":\#(Int(Self.headTimeout)),"#
                    + #""idleTimeoutSeconds":\#(Int(Self.idleTimeout)),"maxConnections":\#(Self.cap)"#)
        }

        @Test func idleAndSlowConnectionsAreClosedAfterTheirTimeoutWhileHealthzAnswers() async throws {
            let server = try await launch()
            defer { Task { await server.stop() } }
            let baseline = try await probes(server.port, count: 20)

            let attack = RawConnections(port: server.port)
            let keepAlive = 0..<20, idle = 20..<220, slowloris = 220..<360, heads = 20..<360, total = 360
            // 20 that finish one request and then trickle the next head (the idle timeout's case, not the head's):
            // opened first, and their answers awaited, so the time of each answer is known to a poll.
            var answered: [Int: ContinuousClock.Instant] = [:]
            for index in keepAlive {
                try attack.open("keep-alive-\(index)", sending: "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            }
            let asked = ContinuousClock.now
            while answered.count < keepAlive.count, ContinuousClock.now - asked < .seconds(10) {
                attack.poll()
                for index in keepAlive where answered[index] == nil && attack[index].hasWholeAnswer {
                    answered[index] = .now
                    try attack.send("GET /healthz HTTP/1.1\r\n", on: index)
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            // 200 that send nothing; 140 that send a request head a header line every 500 ms (slowloris).
            for index in idle { try attack.open("idle-\(index)") }
            for index in slowloris { try attack.open("slowloris-\(index)", sending: "GET /healthz HTTP/1.1\r\n") }
            var lastTrickle = ContinuousClock.now
            var lines = 0
            async let during = probes(server.port, count: 40, every: .milliseconds(100))
            try await attack.waitUntilClosed(0..<total, timeout: .seconds(20)) { now in
                guard now - lastTrickle >= .milliseconds(500) else { return }
                lastTrickle = now
                lines += 1
                for index in Array(keepAlive) + Array(slowloris) where attack[index].closed == nil {
                    try? attack.send("X-Slow-\(lines): 1\r\n", on: index)
                }
            }
            let underAttack = try await during
            let rss = try? String(contentsOfFile: "/proc/\(server.server.processIdentifier)/status", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("VmHWM") }

            let headConnections = heads.map { attack[$0] }
            let keepAliveConnections = keepAlive.map { attack[$0] }
            #expect(headConnections.filter { $0.closed == nil }.count == 0, "still open")
            #expect(keepAliveConnections.allSatisfy { $0.closed != nil })
            let headLifetimes = headConnections.compactMap(\.lifetime).sorted()
            // Not before the timeout (so it is the timeout that closed them), and not long after it.
            #expect(headLifetimes.first.map { $0 >= Self.headTimeout - 0.1 } == true, "\(headLifetimes.prefix(3))")
            #expect(headLifetimes.last.map { $0 < Self.headTimeout + 5 } == true, "\(headLifetimes.suffix(3))")
            let not408 = headConnections.filter { !$0.answer.hasPrefix("HTTP/1.1 408 ") }
            #expect(not408.count == 0, "e.g. \(not408.first.map { "\($0.label): \($0.answer)" } ?? "")")
            // The keep-alive ones got their answer, then were closed one idle timeout after it.
            #expect(
                keepAliveConnections.allSatisfy { $0.answer.hasPrefix("HTTP/1.1 200 ") },
                "\(keepAliveConnections.map(\.answer))")
            let idleAfterAnswer = keepAlive.compactMap { index in
                attack[index].closed.flatMap { closed in answered[index].map { (closed - $0).seconds } }
            }.sorted()
            #expect(idleAfterAnswer.count == 20)
            #expect(idleAfterAnswer.first.map { $0 >= Self.idleTimeout - 0.5 } == true, "\(idleAfterAnswer)")
            #expect(idleAfterAnswer.last.map { $0 < Self.idleTimeout + 5 } == true, "\(idleAfterAnswer)")

            #expect(underAttack.statuses.allSatisfy { $0 == "HTTP/1.1 200 OK" }, "\(underAttack.statuses)")
            #expect(underAttack.max < 3, "a /healthz took \(underAttack.max) s during the attack")
            print(
                """
                slow clients: \(total) connections (200 idle, 140 slowloris, 20 keep-alive trickling), \
                head timeout \(Self.headTimeout) s: closed after \(format(headLifetimes.first)) … \
                \(format(headLifetimes.last)) s (median \(format(headLifetimes[headLifetimes.count / 2])) s); \
                keep-alive closed \(format(idleAfterAnswer.first)) … \(format(idleAfterAnswer.last)) s after \
                their answer (idle timeout \(Self.idleTimeout) s)
                /healthz idle: p50 \(format(baseline.p50 * 1000)) ms, max \(format(baseline.max * 1000)) ms; \
                during the attack: p50 \(format(underAttack.p50 * 1000)) ms, max \(format(underAttack.max * 1000)) ms \
                (\(underAttack.statuses.count) probes); robot-server \(rss ?? "VmHWM ?")
                """)
        }

        @Test func connectionsOverTheCapAreAnswered503AtOnce() async throws {
            let server = try await launch()
            defer { Task { await server.stop() } }
            let held = RawConnections(port: server.port)
            let extra = 20
            for index in 0..<(Self.cap + extra) { try held.open("held-\(index)") }
            let opened = ContinuousClock.now
            // The ones over the cap are answered and closed long before the head timeout would close the rest.
            var refused: [Int] = []
            while ContinuousClock.now - opened < .seconds(Self.headTimeout - 1) {
                held.poll()
                refused = (0..<(Self.cap + extra)).filter { held[$0].closed != nil }
                if refused.count >= extra { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(refused.count == extra, "\(refused.count) closed early")
            #expect(
                refused.allSatisfy { held[$0].answer.hasPrefix("HTTP/1.1 503 ") }, "\(refused.map { held[$0].answer })")
            let slowest = refused.compactMap { held[$0].lifetime }.max() ?? 0
            // While the cap is held, a probe is refused the same way; once the held ones time out, it gets in.
            let blocked = try await probeHealth(port: server.port)
            #expect(blocked.status.hasPrefix("HTTP/1.1 503"), "\(blocked)")
            try await held.waitUntilClosed(0..<(Self.cap + extra), timeout: .seconds(15))
            let after = try await probeHealth(port: server.port)
            #expect(after.status == "HTTP/1.1 200 OK", "\(after)")
            let metrics = try await rawGet("/metrics", port: server.port)
            #expect(metrics.contains(#"robot_server_http_connections_closed_total{reason="over_capacity"} 21"#))
            #expect(metrics.contains(#"robot_server_http_connections_closed_total{reason="request_head_timeout"} 400"#))
            #expect(metrics.contains("robot_server_http_connections 1.0\n"), "only this request's")
            print(
                "connection cap \(Self.cap): \(Self.cap + extra) opened, \(refused.count) answered 503 within "
                    + "\(format(slowest * 1000)) ms of opening; /healthz over the cap: \(blocked.status); "
                    + "after: \(after.status)")
        }

        /// `count` `/healthz` probes one after another (`every` apart): their status lines and latency.
        func probes(_ port: UInt16, count: Int, every pause: Duration = .zero) async throws -> Latencies {
            var statuses: [String] = []
            var seconds: [Double] = []
            for _ in 0..<count {
                let probe = try await probeHealth(port: port)
                statuses.append(probe.status)
                seconds.append(probe.seconds)
                if pause > .zero { try await Task.sleep(for: pause) }
            }
            return Latencies(statuses: statuses, seconds: seconds.sorted())
        }

        struct Latencies {
            var statuses: [String]
            var seconds: [Double]
            var p50: Double { seconds[seconds.count / 2] }
            var max: Double { seconds.last ?? 0 }
        }

        func format(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "?" }
    }
}
