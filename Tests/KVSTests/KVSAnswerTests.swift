import BrowserControl
import Foundation
import Logging
import ServiceLifecycle
import SignalingProtocol
import StrictJSON
import Synchronization
import TestSupport
import Testing

@testable import WebRTCProducer

/// The producer answering a viewer's offer, without KVS: headless Chromium offers (video receive-only, audio
/// send-and-receive without a track) and the producer — the real pipeline, in process — answers through a
/// ``LoopbackTransport`` that hands the page's offer and candidates to it as KVS's transport would.
@Suite(.serialized, .timeLimit(.minutes(2))) struct KVSAnswerTests {
    @Test func chromiumOffersAndDecodesTheAnsweredVideoThroughASignalingReconnect() async throws {
        let logs = LogCapture()
        let settings = try ProducerSettings(
            server: "ws://127.0.0.1:9", thing: "kvs-answer", token: "unused", framesPerSecond: 30,
            audio: AudioSettings(source: .test), iceLoopback: true)
        let transport = LoopbackTransport()
        let producer = WebRTCProducer(settings: settings, transport: transport, logger: logs.logger)
        let group = ServiceGroup(services: [producer], logger: Logger(label: "kvs-answer-test"))
        let running = Task { try await group.run() }
        let chromium = try await Chromium.start()
        defer { running.cancel() }
        do {
            let page = try await OfferingPage.open(in: chromium)
            let offer = try await page.offer()
            transport.receive(.offer(viewer: "viewer-1", sdp: offer))
            let answer = try await transport.answer(for: "viewer-1", timeout: .seconds(20))
            try await page.accept(answer)
            try await Self.trickle(
                page, transport, viewer: "viewer-1", until: { try await page.framesDecoded() >= 100 })

            // The answer sends the video with the payload type the page gave constrained baseline H.264, and
            // keeps the feedback the bit rate and recovery need.
            let video = try #require(ViewerOffer.mediaSections(answer).first { $0.kind == "video" })
            let pt = try #require(video.formats.first { $0.name == "H264" }?.payloadType)
            let offered = try #require(ViewerOffer.mediaSections(offer).first { $0.kind == "video" })
            let chosen = try #require(offered.formats.first { $0.payloadType == pt })
            #expect(chosen.parameters["packetization-mode"] == "1")
            #expect(ViewerOffer.Format.isConstrainedBaseline(chosen.parameters["profile-level-id"] ?? ""))
            for feedback in ["nack", "nack pli", "ccm fir", "goog-remb"] where chosen.feedback.contains(feedback) {
                #expect(answer.contains("a=rtcp-fb:\(pt) \(feedback)\r\n"), "offered \(feedback), not answered")
            }
            #expect(!answer.contains("a=rtcp-fb:\(pt) transport-cc"))
            #expect(Self.directions(answer) == ["sendonly", "sendonly"], "video and audio: the robot only sends")
            #expect(try await page.audioPackets() > 0, "the robot's test tone arrives")

            // KVS's signaling reconnects (GO_AWAY, a credential change): the peer connection goes on.
            let before = try await page.framesDecoded()
            transport.reconnect()
            let deadline = ContinuousClock.now + .seconds(10)
            while try await page.framesDecoded() < before + 60 {
                #expect(ContinuousClock.now < deadline, "the video stopped after the signaling reconnect")
                guard ContinuousClock.now < deadline else { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(!logs.entries.contains { $0.message.hasPrefix("webrtc: closing the viewer's peer connection") })

            // A viewer whose offer has no H.264 gets no answer and a log line naming what it offered.
            let vp8Page = try await OfferingPage.open(in: chromium, codecs: "VP8")
            transport.receive(.offer(viewer: "vp8-only", sdp: try await vp8Page.offer()))
            let refused = try await logs.waitFor(timeout: .seconds(10)) {
                $0.message.hasPrefix("webrtc: cannot answer the viewer") && $0.metadata["webrtc.viewer"] == "vp8-only"
            }
            #expect(refused.message.contains("it offered VP8"), "\(refused.message)")
            #expect(transport.sent.allSatisfy { $0.viewer != "vp8-only" })
        } catch {
            await chromium.stop()
            throw error
        }
        await chromium.stop()
        await group.triggerGracefulShutdown()
        try await running.value
    }

    /// Passes candidates both ways until `done`.
    static func trickle(
        _ page: OfferingPage, _ transport: LoopbackTransport, viewer: String, until done: () async throws -> Bool
    ) async throws {
        var passedToPage = 0
        var passedToProducer = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while try await !done() {
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("the page decoded \(try await page.framesDecoded()) frames in 30 s")
            }
            let local = try await page.candidates()
            for (candidate, index) in local.dropFirst(passedToProducer) {
                transport.receive(.candidate(viewer: viewer, candidate: candidate, sdpMLineIndex: index))
            }
            passedToProducer = local.count
            let remote = transport.sent.compactMap { message -> (String, UInt32)? in
                guard case .candidate(viewer, let candidate, let index) = message else { return nil }
                return (candidate, index)
            }
            for (candidate, index) in remote.dropFirst(passedToPage) {
                try await page.add(candidate: candidate, sdpMLineIndex: index)
            }
            passedToPage = remote.count
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The `a=sendonly`… direction of each m-line, in order.
    static func directions(_ sdp: String) -> [String] {
        let names: Set<Substring> = ["a=sendonly", "a=recvonly", "a=sendrecv", "a=inactive"]
        return sdp.split(whereSeparator: \.isNewline).filter { names.contains($0) }.map { String($0.dropFirst(2)) }
    }
}

/// A signaling transport the test drives: `connected` with no ICE servers (loopback host candidates suffice), then
/// whatever the test ``receive(_:)``s; what the producer sends is kept in ``sent``. ``reconnect()`` says
/// `disconnected` (viewers kept, as KVS's transport does) and `connected` again.
final class LoopbackTransport: SignalingTransport {
    private let inbound: AsyncStream<Inbound>
    private let inboundContinuation: AsyncStream<Inbound>.Continuation
    private let outbox = Mutex<[ProducerMessage]>([])

    private enum Inbound {
        case message(SignalingMessage)
        case reconnect
    }

    init() {
        (inbound, inboundContinuation) = AsyncStream.makeStream(of: Inbound.self)
    }

    func receive(_ message: SignalingMessage) { inboundContinuation.yield(.message(message)) }
    func reconnect() { inboundContinuation.yield(.reconnect) }
    var sent: [ProducerMessage] { outbox.withLock { $0 } }

    /// The producer's answer to `viewer`.
    func answer(for viewer: String, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for case .answer(viewer, let sdp) in sent { return sdp }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("the producer sent no answer to \(viewer) within \(timeout): \(sent)")
    }

    func run(events: AsyncStream<ProducerEvent>.Continuation) async {
        var generation = 0
        func connect() -> Task<Void, Never> {
            generation += 1
            let (stream, continuation) = AsyncStream.makeStream(of: ProducerMessage.self)
            events.yield(.connected(generation: generation, outgoing: continuation))
            events.yield(.message(generation: generation, .iceServers([])))
            return Task {
                for await message in stream { self.outbox.withLock { $0.append(message) } }
            }
        }
        var draining = connect()
        for await item in inbound {
            switch item {
            case .message(let message):
                events.yield(.message(generation: generation, message))
            case .reconnect:
                events.yield(.disconnected(generation: generation, keepViewers: true))
                await draining.value
                draining = connect()
            }
        }
        // Cancelled (the producer stops): the producer finishes the outbox only after this returns.
        draining.cancel()
        events.yield(.disconnected(generation: generation, keepViewers: true))
    }
}

extension ProducerMessage {
    var viewer: String {
        switch self {
        case .offer(let viewer, _), .answer(let viewer, _), .candidate(let viewer, _, _): viewer
        }
    }
}

/// A blank page (a `file:` URL, a secure context) with an `RTCPeerConnection` that offers video receive-only and
/// audio send-and-receive (no track), optionally limited to `codecs` (`setCodecPreferences`), and collects its ICE
/// candidates.
struct OfferingPage: Sendable {
    let page: BrowserPage

    static func open(in chromium: Chromium, codecs: String? = nil) async throws -> OfferingPage {
        let scratch = try ScratchDirectory.make("kvs-answer-page")
        let file = scratch.appendingPathComponent("offer.html")
        try Data("<!doctype html><title>offer</title>".utf8).write(to: file)
        let page = try await chromium.open(file.absoluteString)
        let deadline = ContinuousClock.now + .seconds(10)
        while try await page.evaluate("document.readyState").stringValue != "complete" {
            guard ContinuousClock.now < deadline else { throw TestSupportError("the blank page did not load") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let filter = codecs.map { JSONValue.string($0).serializedString() } ?? "null"
        _ = try await page.evaluate(
            """
            (() => {
              const pc = new RTCPeerConnection({ iceServers: [] });
              window.viewer = { pc, candidates: [] };
              const video = pc.addTransceiver('video', { direction: 'recvonly' });
              pc.addTransceiver('audio', { direction: 'sendrecv' });
              const only = \(filter);
              if (only) {
                const codecs = RTCRtpReceiver.getCapabilities('video').codecs;
                video.setCodecPreferences(codecs.filter((c) => c.mimeType === 'video/' + only));
              }
              pc.onicecandidate = (e) => {
                if (e.candidate && e.candidate.candidate)
                  window.viewer.candidates.push([e.candidate.candidate, e.candidate.sdpMLineIndex]);
              };
              return true;
            })()
            """)
        return OfferingPage(page: page)
    }

    func offer() async throws -> String {
        let sdp = try await page.evaluate(
            "(async () => { const pc = window.viewer.pc; await pc.setLocalDescription(await pc.createOffer()); "
                + "return pc.localDescription.sdp; })()")
        return try requireValue(sdp.stringValue, "no offer from the page: \(sdp)")
    }

    func accept(_ answer: String) async throws {
        _ = try await page.evaluate(
            "window.viewer.pc.setRemoteDescription({ type: 'answer', sdp: \(JSONValue.string(answer).serializedString()) })"
                + ".then(() => true)")
    }

    func candidates() async throws -> [(String, UInt32)] {
        try await page.evaluate("window.viewer.candidates").arrayValue?.compactMap { pair in
            guard let candidate = pair[0]?.stringValue, let index = pair[1]?.intValue else { return nil }
            return (candidate, UInt32(index))
        } ?? []
    }

    func add(candidate: String, sdpMLineIndex: UInt32) async throws {
        guard !candidate.isEmpty else { return }
        let candidateInit: JSONValue = [
            "candidate": .string(candidate), "sdpMLineIndex": .number(Double(sdpMLineIndex)),
        ]
        _ = try await page.evaluate(
            "window.viewer.pc.addIceCandidate(\(candidateInit.serializedString())).then(() => true)")
    }

    /// `inbound-rtp` counters of `kind`.
    private func inbound(_ kind: String, _ counter: String) async throws -> Int {
        let value = try await page.evaluate(
            "(async () => { let n = 0; (await window.viewer.pc.getStats()).forEach((s) => { "
                + "if (s.type === 'inbound-rtp' && s.kind === '\(kind)') n += s.\(counter) || 0; }); return n; })()")
        return value.intValue ?? 0
    }

    func framesDecoded() async throws -> Int { try await inbound("video", "framesDecoded") }
    func audioPackets() async throws -> Int { try await inbound("audio", "packetsReceived") }
}
