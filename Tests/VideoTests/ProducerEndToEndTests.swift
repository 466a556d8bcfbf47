import Foundation
import StrictJSON
import Testing
import TestSupport

/// The built `robot-webrtc` against ``ProducerSignalingPeer``: real GStreamer, real WebSocket, real process.
/// Small frames (320×240 at 15 fps) keep the machine's two cores free for the other tests.
@Suite("robot-webrtc producer", .serialized)
struct ProducerEndToEndTests {
    static let token = "producer-test-token"

    @Test("a viewer gets an H.264 send-only offer and 127.0.0.1 candidates; viewer-left frees its branch")
    func offerCandidatesAndViewerLeft() async throws {
        let peer = try await ProducerSignalingPeer.start(token: Self.token)
        let producer = try Self.startProducer(peer)
        try await peer.waitUntilConnected()

        try await peer.send(["type": "viewer-joined", "viewer": "v1"])
        let offer = try await peer.nextFrame("offer for v1") { $0["type"] == "offer" && $0["viewer"] == "v1" }
        let sdp = try #require(offer["sdp"]?.stringValue)
        try Self.expectSendOnlyVideo(sdp, encoding: "H264")
        #expect(sdp.contains("packetization-mode=1"), "\(sdp)")
        let profile = try #require(Self.fmtp(sdp, "profile-level-id"), "no profile-level-id in \(sdp)")
        #expect(Self.isConstrainedBaseline(profile), "profile-level-id \(profile) is not constrained baseline")

        let candidate = try await peer.nextFrame("a 127.0.0.1 candidate for v1") {
            $0["type"] == "ice" && $0["viewer"] == "v1"
                && ($0["candidate"]?.stringValue ?? "").contains(" 127.0.0.1 ")
        }
        #expect(candidate["candidate"]?.stringValue?.hasPrefix("candidate:") == true)
        #expect(candidate["sdpMLineIndex"] == 0)

        try await peer.send(["type": "viewer-left", "viewer": "v1"])
        let removed = try await producer.waitUntilOutput(contains: "viewer branch removed")
        #expect(removed.contains("webrtc.viewer=v1"))

        // The freed branch does not disturb the next viewer.
        try await peer.send(["type": "viewer-joined", "viewer": "v2"])
        let second = try await peer.nextFrame("offer for v2") { $0["type"] == "offer" && $0["viewer"] == "v2" }
        try Self.expectSendOnlyVideo(try #require(second["sdp"]?.stringValue), encoding: "H264")

        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        #expect(producer.standardError.contains("robot-webrtc: stopped"))
        #expect(!producer.standardError.contains(Self.token), "the token is never logged, even at debug level")
        await peer.stop()
    }

    @Test("several viewers at once each get their own offer; a bad answer drops only that viewer")
    func severalViewersAndAFailedOne() async throws {
        let peer = try await ProducerSignalingPeer.start(token: Self.token)
        let producer = try Self.startProducer(peer)
        try await peer.waitUntilConnected()

        for viewer in ["a", "b", "c"] {
            try await peer.send(["type": "viewer-joined", "viewer": .string(viewer)])
        }
        var fingerprints: Set<String> = []
        for viewer in ["a", "b", "c"] {
            let offer = try await peer.nextFrame("offer for \(viewer)") {
                $0["type"] == "offer" && $0["viewer"] == .string(viewer)
            }
            let sdp = try #require(offer["sdp"]?.stringValue)
            try Self.expectSendOnlyVideo(sdp, encoding: "H264")
            fingerprints.insert(Self.attribute(sdp, "ice-ufrag") ?? "")
        }
        #expect(fingerprints.count == 3, "each viewer has its own peer connection (ICE credentials)")

        try await peer.send(["type": "answer", "viewer": "b", "sdp": "this is not SDP"])
        let dropped = try await producer.waitUntilOutput(contains: "viewer branch removed")
        #expect(dropped.contains("webrtc.viewer=b"))
        #expect(producer.standardError.contains("dropping the viewer's peer connection"))

        try await peer.send(["type": "viewer-joined", "viewer": "d"])
        _ = try await peer.nextFrame("offer for d") { $0["type"] == "offer" && $0["viewer"] == "d" }
        #expect(producer.isRunning)
        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        await peer.stop()
    }

    @Test("--codec vp8 offers VP8")
    func vp8Offer() async throws {
        let peer = try await ProducerSignalingPeer.start(token: Self.token)
        let producer = try Self.startProducer(peer, ["--codec", "vp8"])
        try await peer.waitUntilConnected()
        try await peer.send(["type": "viewer-joined", "viewer": "v"])
        let offer = try await peer.nextFrame("offer") { $0["type"] == "offer" }
        try Self.expectSendOnlyVideo(try #require(offer["sdp"]?.stringValue), encoding: "VP8")
        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        await peer.stop()
    }

    @Test("the welcome frame's STUN and TURN servers are handed to each viewer's webrtcbin")
    func iceServersFromWelcome() async throws {
        let peer = try await ProducerSignalingPeer.start(
            token: Self.token,
            iceServers: [
                ["urls": ["stun:127.0.0.1:3478"]],
                ["urls": "turn:127.0.0.1:3478?transport=udp", "username": "robot", "credential": "s3cret"],
            ])
        let producer = try Self.startProducer(peer)
        try await peer.waitUntilConnected()
        try await peer.send(["type": "viewer-joined", "viewer": "v"])
        _ = try await peer.nextFrame("offer") { $0["type"] == "offer" }
        let joined = try await producer.waitUntilOutput(contains: "webrtc: viewer joined")
        #expect(joined.contains("webrtc.stun=stun://127.0.0.1:3478"), "\(joined)")
        #expect(joined.contains("webrtc.turn=1"), "\(joined)")
        #expect(!producer.standardError.contains("s3cret"), "the TURN credential is never logged")
        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        await peer.stop()
    }

    @Test("a refused token is logged with the fix and retried with back-off; SIGTERM still stops it")
    func refusedToken() async throws {
        let peer = try await ProducerSignalingPeer.start(token: Self.token)
        let producer = try Self.startProducer(peer, token: "wrong-token")
        try await peer.waitUntilRefused(count: 2)
        let line = try await producer.waitUntilOutput(contains: "refused the WebSocket upgrade")
        #expect(line.contains("token"))
        #expect(peer.connections == 0)
        #expect(producer.isRunning)
        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        await peer.stop()
    }

    @Test("after the server goes away the producer drops its viewers, reconnects and serves again")
    func reconnects() async throws {
        let first = try await ProducerSignalingPeer.start(token: Self.token)
        let producer = try Self.startProducer(first)
        try await first.waitUntilConnected()
        try await first.send(["type": "viewer-joined", "viewer": "v1"])
        _ = try await first.nextFrame("offer for v1") { $0["type"] == "offer" }
        await first.stop()
        try await producer.waitUntilOutput(contains: "signaling connection lost")
        try await producer.waitUntilOutput(contains: "viewer branch removed")

        let second = try await ProducerSignalingPeer.start(token: Self.token, port: first.port)
        try await second.waitUntilConnected()
        try await second.send(["type": "viewer-joined", "viewer": "v2"])
        _ = try await second.nextFrame("offer for v2 after reconnecting") { $0["type"] == "offer" }
        #expect(try await producer.terminate() == .exited(0), "\(producer.outputTail())")
        await second.stop()
    }

    @Test("a camera that cannot be opened is a clean error exit naming the device")
    func missingCamera() async throws {
        let peer = try await ProducerSignalingPeer.start(token: Self.token)
        let producer = try Self.startProducer(peer, ["--source", "v4l2:/dev/no-such-video"])
        let termination = try await producer.waitForExit(timeout: .seconds(20))
        #expect(termination == .exited(1))
        #expect(producer.standardError.contains("/dev/no-such-video"), "\(producer.outputTail())")
        await peer.stop()
    }

    @Test("no token is a one-line error before anything starts")
    func noToken() async throws {
        let result = try await ChildProcess.run(
            try RepositoryPaths.product("robot-webrtc").path, ["--thing", "sim-bot"],
            environment: ["ROBOT_WEBRTC_TOKEN": ""])
        #expect(result.termination == .exited(1))
        #expect(result.standardError.contains("ROBOT_WEBRTC_TOKEN"))
    }

    @Test("check lists the installed elements and the encoder --encoder auto picks")
    func check() async throws {
        let result = try await ChildProcess.run(try RepositoryPaths.product("robot-webrtc").path, ["check"])
        #expect(result.termination == .exited(0), "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("✓ webrtcbin"))
        #expect(result.standardOutput.contains("--codec h264: --encoder auto uses"))
    }

    // MARK: helpers

    static func startProducer(
        _ peer: ProducerSignalingPeer, token: String = token, _ extra: [String] = []
    ) throws -> ChildProcess {
        let folder = try ScratchDirectory.make("producer")
        let tokenFile = folder.appending(path: "token")
        try Data((token + "\n").utf8).write(to: tokenFile)
        let arguments =
            [
                "--server", peer.url, "--thing", "sim-bot", "--token-file", tokenFile.path, "--ice-loopback",
                "--width", "320", "--height", "240", "--fps", "15", "--bitrate", "300", "--log-level", "debug",
                "--reconnect-initial-ms", "100", "--reconnect-max-ms", "1000",
            ] + extra
        return try ChildProcess.start(
            try RepositoryPaths.product("robot-webrtc").path, arguments, outputDirectory: folder)
    }

    /// One m-line, video, send-only, bundled, DTLS fingerprint, and an rtpmap for `encoding`.
    static func expectSendOnlyVideo(_ sdp: String, encoding: String) throws {
        let lines = sdp.split(whereSeparator: \.isNewline).map(String.init)
        let media = lines.filter { $0.hasPrefix("m=") }
        #expect(media.count == 1, "expected one m-line in \(sdp)")
        #expect(media.first?.hasPrefix("m=video ") == true, "\(sdp)")
        #expect(lines.contains("a=sendonly"), "not send-only: \(sdp)")
        #expect(lines.contains { $0.hasPrefix("a=group:BUNDLE") }, "no BUNDLE group: \(sdp)")
        #expect(lines.contains { $0.hasPrefix("a=fingerprint:") }, "no DTLS fingerprint: \(sdp)")
        #expect(
            lines.contains { $0.hasPrefix("a=rtpmap:") && $0.hasSuffix(" \(encoding)/90000") }, "no \(encoding): \(sdp)"
        )
    }

    /// The value of `a=<name>:` in `sdp`.
    static func attribute(_ sdp: String, _ name: String) -> String? {
        sdp.split(whereSeparator: \.isNewline).first { $0.hasPrefix("a=\(name):") }
            .map { String($0.dropFirst(name.count + 3)) }
    }

    /// A parameter of the `a=fmtp:` line.
    static func fmtp(_ sdp: String, _ parameter: String) -> String? {
        guard let line = sdp.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("a=fmtp:") }) else {
            return nil
        }
        let parameters = line.split(separator: " ", maxSplits: 1).last ?? ""
        for pair in parameters.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == parameter {
                return String(parts[1])
            }
        }
        return nil
    }

    /// profile_idc 66 (baseline) with constraint_set1 (constrained baseline), per RFC 6184.
    static func isConstrainedBaseline(_ profileLevelID: String) -> Bool {
        guard profileLevelID.count == 6, let value = UInt32(profileLevelID, radix: 16) else { return false }
        return value >> 16 == 0x42 && (value >> 8) & 0x40 != 0
    }
}
