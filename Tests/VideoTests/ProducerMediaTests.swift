import Foundation
import Testing
import TestSupport

@Suite("robot-webrtc media", .serialized)
struct ProducerMediaTests {
    @Test("a GStreamer viewer decodes the producer's video over 127.0.0.1", arguments: ["H264", "VP8"])
    func mediaFlows(encoding: String) async throws {
        let peer = try await ProducerSignalingPeer.start(token: ProducerEndToEndTests.token)
        let producer = try ProducerEndToEndTests.startProducer(peer, encoding == "VP8" ? ["--codec", "vp8"] : [])
        try await peer.waitUntilConnected()
        let viewer = try ProducerTestViewer(encoding: encoding)
        try await Self.watch(viewer, as: "g1", through: peer, timeout: .seconds(30)) { viewer.decodedFrames >= 30 }
        #expect(viewer.decodedFrames >= 30, "decoded \(viewer.decodedFrames) frames\n\(producer.outputTail(lines: 40))")
        #expect(producer.standardError.contains("viewer connected"))
        viewer.stop()
        try await peer.send(["type": "viewer-left", "viewer": "g1"])
        try await producer.waitUntilOutput(contains: "viewer branch removed")
        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        await peer.stop()
    }

    @Test("a viewer that vanishes without viewer-left is dropped when its RTP session ends or times out")
    func vanishedViewer() async throws {
        let peer = try await ProducerSignalingPeer.start(token: ProducerEndToEndTests.token)
        let producer = try ProducerEndToEndTests.startProducer(peer)
        try await peer.waitUntilConnected()
        let viewer = try ProducerTestViewer(encoding: "H264")
        try await Self.watch(viewer, as: "gone", through: peer, timeout: .seconds(30)) { viewer.decodedFrames >= 15 }
        #expect(viewer.decodedFrames >= 15, "decoded \(viewer.decodedFrames) frames\n\(producer.outputTail(lines: 40))")
        viewer.stop()
        let clock = ContinuousClock()
        let stopped = clock.now
        let line = try await producer.waitUntilOutput(contains: "webrtc: viewer gone", timeout: .seconds(60))
        print("robot-webrtc noticed the vanished viewer after \(clock.now - stopped): \(line)")
        try await producer.waitUntilOutput(contains: "viewer branch removed")
        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        await peer.stop()
    }

    /// Announces `viewer` to the producer as viewer `id`, relays offer, answer and candidates through `peer` (adding
    /// "viewer" as the server would), until `done()` or `timeout`.
    static func watch(
        _ viewer: ProducerTestViewer, as id: String, through peer: ProducerSignalingPeer, timeout: Duration,
        until done: @escaping @Sendable () -> Bool
    ) async throws {
        try await peer.send(["type": "viewer-joined", "viewer": .string(id)])
        let offer = try await peer.nextFrame("offer for \(id)") {
            $0["type"] == "offer" && $0["viewer"] == .string(id)
        }
        try viewer.accept(offer: try #require(offer["sdp"]?.stringValue))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {  // the producer's candidates → the viewer
                while true {
                    let frame = try await peer.nextFrame("ICE", timeout: .seconds(3600)) {
                        $0["type"] == "ice" && $0["viewer"] == .string(id)
                    }
                    viewer.addCandidate(
                        frame["candidate"]?.stringValue ?? "", UInt32(frame["sdpMLineIndex"]?.intValue ?? 0))
                }
            }
            group.addTask {  // the viewer's answer and candidates → the producer
                for await event in viewer.events {
                    switch event {
                    case .answer(let sdp):
                        try await peer.send(["type": "answer", "viewer": .string(id), "sdp": .string(sdp)])
                    case .candidate(let index, let candidate):
                        try await peer.send([
                            "type": "ice", "viewer": .string(id), "candidate": .string(candidate),
                            "sdpMLineIndex": .number(Double(index)),
                        ])
                    case .failed(let reason):
                        throw TestSupportError("test viewer: \(reason)")
                    }
                }
            }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            while !done() && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
        }
    }
}
