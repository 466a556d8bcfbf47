import Foundation
import HummingbirdWSClient
import StrictJSON
import TestSupport
import Testing

extension VideoEndToEnd {
    /// Floods on the signaling socket, against the built robot-server with real WebSocket clients: the flooder is
    /// closed with 1008, the producer and the other viewer keep talking; ICE bursts pass; one token holds at most
    /// `video.maxViewersPerPrincipal` viewers; an idle socket outlives the HTTP idle timeout (`docs/LIMITS.md`).
    @Suite(.timeLimit(.minutes(2))) struct SignalingFloodTests {
        func start() async throws -> RobotServerProcess {
            try await RobotServerProcess.launch(
                robot: nil, extra: #""video":{"maxViewers":4,"maxViewersPerPrincipal":2}"#,
                listen: #""idleTimeoutSeconds":2"#)
        }

        @Test func aFloodingViewerIsCutWhileTheProducerAndTheOtherViewerCarryOn() async throws {
            let server = try await start()
            defer { Task { await server.stop() } }
            let producer = try await server.connect("producer", token: SignalingServer.producerToken)
            try await producer.next(type: "welcome")
            let viewer = try await server.connect("viewer", token: SignalingServer.viewerToken)
            let viewerID = try #require(try await viewer.next(type: "welcome")["peer"]?.stringValue)
            let flooder = try await server.connect("viewer", token: SignalingServer.homeToken)
            let flooderID = try #require(try await flooder.next(type: "welcome")["peer"]?.stringValue)
            try await producer.next(type: "viewer-joined") { $0["viewer"]?.stringValue == flooderID }

            // A realistic ICE burst both ways passes whole: an offer and 60 candidates, an answer and 60.
            try await producer.send(["type": "offer", "viewer": .string(viewerID), "sdp": "v=0"])
            for index in 0..<60 {
                try await producer.send(["type": "ice", "viewer": .string(viewerID), "candidate": .string("p\(index)")])
            }
            try await viewer.send(["type": "answer", "sdp": "v=0"])
            for index in 0..<60 {
                try await viewer.send(["type": "ice", "candidate": .string("v\(index)")])
            }
            try await viewer.next(type: "ice") { $0["candidate"] == "p59" }
            try await producer.next(type: "ice") { $0["candidate"] == "v59" && $0["viewer"]?.stringValue == viewerID }
            #expect(viewer.count(type: "ice") == 60 && viewer.count(type: "error") == 0)

            // The flood: candidates as fast as the client can write them, until the server closes the socket.
            let started = ContinuousClock.now
            var sent = 0
            while sent < 20_000, !flooder.isClosed {
                do {
                    try await flooder.send(#"{"type":"ice","candidate":"flood \#(sent)"}"#)
                    sent += 1
                } catch {
                    break
                }
            }
            let close = try await flooder.waitUntilClosed()
            let cutAfter = (ContinuousClock.now - started)
            #expect(close?.closeCode == .policyViolation, "\(String(describing: close))")
            #expect(close?.reason?.contains("rate limit") == true, "\(String(describing: close))")
            try await producer.next(type: "viewer-left") { $0["viewer"]?.stringValue == flooderID }

            // The producer and the other viewer never noticed, and still talk.
            try await Task.sleep(for: .milliseconds(200))
            #expect(!producer.isClosed && !viewer.isClosed)
            try await producer.send(["type": "ice", "viewer": .string(viewerID), "candidate": "after"])
            try await viewer.next(type: "ice") { $0["candidate"] == "after" }
            try await viewer.send(["type": "ice", "candidate": "after-too"])
            try await producer.next(type: "ice") { $0["candidate"] == "after-too" }
            let fromFlooder = producer.frames.filter { $0["viewer"]?.stringValue == flooderID && $0["type"] == "ice" }
            let seconds = Double(cutAfter.components.seconds) + Double(cutAfter.components.attoseconds) * 1e-18
            // The burst (100), and what refilled at 20/s while the flood ran.
            #expect(fromFlooder.count >= 100 && fromFlooder.count <= 101 + Int(20 * seconds), "\(fromFlooder.count)")
            print(
                "signaling flood: \(sent) frames sent in \(String(format: "%.3f", seconds)) s "
                    + "(\(Int(Double(sent) / max(seconds, 0.001))) frames/s) until the close "
                    + "(\(close.map { "\($0.closeCode)" } ?? "none"): \(close?.reason ?? "")); "
                    + "\(fromFlooder.count) reached the producer; producer and viewer still connected")

            // Quiet for longer than the HTTP idle timeout (2 s): the WebSockets stay open (they have pings).
            try await Task.sleep(for: .seconds(3))
            #expect(!producer.isClosed && !viewer.isClosed)
            try await producer.send(["type": "ice", "viewer": .string(viewerID), "candidate": "still here"])
            try await viewer.next(type: "ice") { $0["candidate"] == "still here" }
            await viewer.close()
            await producer.close()
        }

        @Test func oneTokenHoldsAtMostItsShareOfTheViewers() async throws {
            let server = try await start()
            defer { Task { await server.stop() } }
            let first = try await server.connect("viewer", token: SignalingServer.homeToken)
            try await first.next(type: "welcome")
            let second = try await server.connect("viewer", token: SignalingServer.homeToken)
            try await second.next(type: "welcome")

            let refused = try await HTTPExchange.get(
                server.signalURL(query: "token=\(SignalingServer.homeToken)"), headers: HTTPExchange.upgradeHeaders)
            #expect(refused.status == 429, "\(refused)")
            #expect(refused.json?["error"] == "too many viewers for this token", "\(refused)")
            #expect(refused.json?["detail"]?.stringValue?.contains("video.maxViewersPerPrincipal") == true)

            // Another token still gets a seat; a seat given back can be taken again.
            let other = try await server.connect("viewer", token: SignalingServer.viewerToken)
            try await other.next(type: "welcome")
            await first.close()
            _ = try await first.waitUntilClosed()
            var again: SignalClient?
            for _ in 0..<50 where again == nil {
                again = try? await server.connect("viewer", token: SignalingServer.homeToken)
                if again == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            try await #require(again).next(type: "welcome")
            await again?.close()
            await second.close()
            await other.close()
        }
    }
}
