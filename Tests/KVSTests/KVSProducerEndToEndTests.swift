import BrowserControl
import Foundation
import Testing
import TestSupport

/// The built robot-webrtc as the master of the KVS model's channel, watched by KVS viewers (`kvs_viewer.html` in
/// headless Chromium): they offer, robot-webrtc answers, and they keep decoding while the signaling side changes
/// under them — the ICE configuration refreshed before its `Ttl`, the credentials rotated in the file (the old key
/// expired by the model), a `GO_AWAY` (a new master connection, after which a new viewer can join).
@Suite(.serialized)
struct KVSProducerEndToEndTests {
    @Test func viewersKeepDecodingThroughICERefreshRotationAndGoAway() async throws {
        let iceTtl = 6
        let (stack, firstKey) = try await KVSProducerStack.start(iceTtl: iceTtl)
        let chromium: Chromium
        do { chromium = try await Chromium.start() } catch {
            _ = try? await stack.stop()
            throw error
        }
        defer { Task { await chromium.stop() } }
        let viewerKey = try stack.kvs.addCredentials()
        try await stack.waitForMasterConnect()

        // Two viewers at once.
        let a = try await KVSViewerPage.open(
            in: chromium, url: try stack.kvs.viewerURL(clientId: "viewer-a", credentials: viewerKey))
        let b = try await KVSViewerPage.open(
            in: chromium, url: try stack.kvs.viewerURL(clientId: "viewer-b", credentials: viewerKey))
        let aStarted = try await a.waitForFrames(100)
        let bStarted = try await b.waitForFrames(100)
        #expect(aStarted.width == 640 && aStarted.height == 480, "\(aStarted)")
        if let start = aStarted.startedAtMs, let first = aStarted.firstFrameAtMs {
            print("KVS viewer A: start → first decoded frame \(Int(first - start)) ms")
        }

        // The ICE configuration is fetched again before its Ttl (at 80 %: 4.8 s after the last).
        try await stack.kvs.waitFor("a second ICE configuration request", timeout: .seconds(Double(iceTtl) + 2)) {
            _ in stack.iceRequests.count >= 2
        }
        let times = stack.iceRequests.compactMap { $0["time"] as? Double }
        let gap = times[1] - times[0]
        print("KVS: ICE configuration fetched again after \(String(format: "%.2f", gap)) s (Ttl \(iceTtl) s)")
        #expect(gap < Double(iceTtl), "ICE config refetched only after \(gap) s")

        // RECONNECT_ICE_SERVER: fetched again at once, not at the next 80 % mark.
        let reconnectMark = stack.kvs.log.count
        let requestsBefore = stack.iceRequests.count
        try await stack.kvs.reconnectICEServer()
        try await stack.kvs.waitFor(
            "an ICE configuration request after RECONNECT_ICE_SERVER", after: reconnectMark,
            timeout: .seconds(2)
        ) { _ in stack.iceRequests.count > requestsBefore }

        // Rotation: fresh credentials in the file, the old key expired. The viewers go on; the next signature (the
        // next ICE refresh) uses the new key.
        let rotationMark = stack.kvs.log.count
        let secondKey = try stack.kvs.addCredentials()
        try stack.rotate(to: secondKey)
        try stack.kvs.expire(firstKey.accessKeyID)
        let signed = try await stack.kvs.waitFor("a request signed with the new key", after: rotationMark) {
            $0["kind"] as? String == "http" && $0["accessKeyId"] as? String == secondKey.accessKeyID
        }
        #expect(signed["status"] as? Int == 200, "\(signed)")
        let aRotated = try await a.waitForFrames(30, after: try await a.stats().framesDecoded)
        let bRotated = try await b.waitForFrames(30, after: try await b.stats().framesDecoded)
        #expect(aRotated.connectionState == "connected" && bRotated.connectionState == "connected")
        #expect(
            stack.kvs.entries("http", after: rotationMark).allSatisfy {
                $0["accessKeyId"] as? String != firstKey.accessKeyID
            }, "the expired key was used after the rotation")

        // GO_AWAY: robot-webrtc connects again (a new master connection, with the new key), a new viewer joins, the
        // first two keep decoding.
        let goAwayMark = stack.kvs.log.count
        try await stack.kvs.goAway()
        let reconnect = try await stack.waitForMasterConnect(after: goAwayMark)
        #expect(reconnect["accessKeyId"] as? String == secondKey.accessKeyID, "\(reconnect)")
        let c = try await KVSViewerPage.open(
            in: chromium, url: try stack.kvs.viewerURL(clientId: "viewer-c", credentials: viewerKey))
        try await c.waitForFrames(60)
        let aAfter = try await a.waitForFrames(30, after: aRotated.framesDecoded)
        let bAfter = try await b.waitForFrames(30, after: bRotated.framesDecoded)
        #expect(aAfter.connectionState == "connected" && bAfter.connectionState == "connected")
        let log = stack.producer.output(.any)
        #expect(!log.contains("closing the viewer's peer connection"), "a viewer was dropped: \(log.suffix(2000))")
        print(
            "KVS: viewers kept through a credential rotation and a GO_AWAY: 2 of 2 (A \(aAfter.framesDecoded), "
                + "B \(bAfter.framesDecoded) frames); viewer C joined after GO_AWAY; master connections: "
                + "\(stack.masterConnects.count)")
        #expect(!log.contains(secondKey.secretAccessKey) && !log.contains(secondKey.sessionToken ?? "-"))

        for viewer in [a, b, c] { await viewer.close() }
        let termination = try await stack.stop()
        #expect(termination == .exited(0), "\(termination): \(stack.producer.outputTail(lines: 40))")
    }
}
