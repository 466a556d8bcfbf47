import Foundation
import StrictJSON
import TestSupport
import Testing

extension EndToEnd {
    /// Signaling across instances on real parts: two built robot-servers (`cluster` a and b) on one TLS mosquitto, a
    /// producer's WebSocket on a, viewers' on b (forwarded over MQTT) and on a (local).
    @Suite(.timeLimit(.minutes(1))) struct MultiInstanceSignalingTests {
        static let producerToken = RobotServerProcess.producerToken

        static func url(_ instance: ServerCluster.Instance, role: String) -> String {
            "ws://127.0.0.1:\(instance.port)/robots/sts-pi/signal?role=\(role)"
        }

        /// Round trips producer → viewer → producer of `count` ICE frames, each sent when the last came back: the two
        /// hops' times from each send to the frame's arrival (not to when the client's 5 ms poll saw it), sorted, in ms.
        static func roundTrips(
            producer: SignalClient, viewer: SignalClient, peer: String, count: Int = 50
        ) async throws -> [Double] {
            var samples: [Double] = []
            for index in 0..<count {
                let sent = ContinuousClock.now
                try await producer.send(
                    [
                        "type": "ice", "viewer": .string(peer), "candidate": .string("probe-\(index)"),
                        "sdpMLineIndex": 0,
                    ])
                let there = try await viewer.arrival("probe \(index)") {
                    $0["candidate"]?.stringValue == "probe-\(index)"
                }
                let echoed = ContinuousClock.now
                try await viewer.send(["type": "ice", "candidate": .string("echo-\(index)"), "sdpMLineIndex": 0])
                let back = try await producer.arrival("echo \(index)") {
                    $0["candidate"]?.stringValue == "echo-\(index)"
                }
                samples.append(((there.at - sent) + (back.at - echoed)).seconds * 1000)
            }
            return samples.sorted()
        }

        @Test func aViewerOnOneInstanceMeetsTheProducerOnTheOther() async throws {
            let cluster = try await ServerCluster.start(["a", "b"])
            defer { Task { await cluster.stop() } }
            let (a, b) = (cluster["a"], cluster["b"])

            let producer = try await SignalClient.connect(
                url: Self.url(a, role: "producer"), bearer: Self.producerToken, label: "producer@a")
            try await producer.next(type: "welcome")
            // b learns the robot's home from the retained message.
            try await b.server.waitUntilOutput(contains: "sts-pi's room moved to instance a")

            let viewer = try await SignalClient.connect(
                url: Self.url(b, role: "viewer"), bearer: RobotServerProcess.homeToken, label: "viewer@b")
            let peer = try #require(try await viewer.next(type: "welcome")["peer"]?.stringValue)
            #expect(try await viewer.next(type: "producer")["online"] == true)
            try await producer.next(type: "viewer-joined") { $0["viewer"]?.stringValue == peer }
            try await a.server.waitUntilOutput(contains: "signaling: a viewer forwarded from instance b joined")

            // Offer, answer and candidates both ways; the viewer field only on the producer's side, and b's peer id.
            try await producer.send(["type": "offer", "viewer": .string(peer), "sdp": "v=0\r\n"])
            #expect(try await viewer.next(type: "offer") == ["type": "offer", "sdp": "v=0\r\n"])
            try await viewer.send(["type": "answer", "sdp": "v=0\r\n", "viewer": "viewer-000000000000"])
            #expect(
                try await producer.next(type: "answer") == [
                    "type": "answer", "sdp": "v=0\r\n", "viewer": .string(peer),
                ])
            try await producer.send([
                "type": "ice", "viewer": .string(peer), "candidate": "candidate:1", "sdpMLineIndex": 0,
            ])
            #expect(
                try await viewer.next(type: "ice") == ["type": "ice", "candidate": "candidate:1", "sdpMLineIndex": 0])
            try await viewer.send(["type": "ice", "candidate": "", "sdpMLineIndex": 0])
            #expect(try await producer.next(type: "ice")["viewer"]?.stringValue == peer)

            // The latency the cross-instance path adds, against a viewer on the producer's own instance.
            let crossing = try await Self.roundTrips(producer: producer, viewer: viewer, peer: peer)
            let local = try await SignalClient.connect(
                url: Self.url(a, role: "viewer"), bearer: RobotServerProcess.viewerToken, label: "viewer@a")
            let localPeer = try #require(try await local.next(type: "welcome")["peer"]?.stringValue)
            try await producer.next(type: "viewer-joined") { $0["viewer"]?.stringValue == localPeer }
            let direct = try await Self.roundTrips(producer: producer, viewer: local, peer: localPeer)
            let format = { (samples: [Double], p: Double) in String(format: "%.2f", samples.percentile(p)) }
            print(
                "signaling round trip producer→viewer→producer, median (p90) of \(crossing.count): "
                    + "viewer on the other instance \(format(crossing, 0.5)) ms (\(format(crossing, 0.9))), "
                    + "same instance \(format(direct, 0.5)) ms (\(format(direct, 0.9))); the cross-instance path adds "
                    + String(format: "%.2f", crossing.percentile(0.5) - direct.percentile(0.5))
                    + " ms per round trip (two MQTT hops through the broker)")
            await local.close()

            // The forwarded viewer leaves: the producer hears it.
            await viewer.close()
            try await producer.next(type: "viewer-left") { $0["viewer"]?.stringValue == peer }

            // The producer's instance dies: a viewer forwarded to it is closed with 4003 at once.
            let orphan = try await SignalClient.connect(
                url: Self.url(b, role: "viewer"), bearer: RobotServerProcess.homeToken, label: "orphan@b")
            try await orphan.next(type: "welcome")
            let killed = ContinuousClock.now
            try await a.server.kill()
            let close = try await orphan.waitUntilClosed(timeout: .seconds(5))
            let at = ContinuousClock.now
            #expect(close?.closeCode == .unknown(4003), "\(String(describing: close))")
            #expect(close?.reason?.contains("went away") == true, "\(String(describing: close))")
            #expect(at - killed < .seconds(3), "closed \(at - killed) after the kill")
            print("kill -9 of the producer's instance → the forwarded viewer's close 4003 after \(at - killed)")
            try await b.server.waitUntilOutput(contains: "cluster: instance a is offline")
        }
    }
}
