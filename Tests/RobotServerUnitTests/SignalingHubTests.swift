@testable import RobotServer
import Logging
import StrictJSON
import Synchronization
import Testing

/// The signaling room's rate limits and mailboxes, in process: time is passed in, frames are read from the
/// sockets' mailboxes.
@Suite struct SignalingHubTests {
    let start = ContinuousClock.now
    let ice = #"{"type":"ice","candidate":"candidate:1 1 udp 2122260223 192.0.2.7 54321 typ host","sdpMLineIndex":0}"#

    func hub(maxViewers: Int = 4) -> SignalingHub {
        SignalingHub(
            thing: "sts-pi",
            video: .init(maxViewers: maxViewers, signalingBurst: 100, signalingFramesPerSecond: 20),
            logger: Logger(label: "test"))
    }

    /// The first `count` frames of a mailbox (or fewer, if it ends).
    func frames(_ count: Int, of mailbox: AsyncStream<SignalingHub.Outbound>) async -> [SignalingHub.Outbound] {
        var frames: [SignalingHub.Outbound] = []
        for await frame in mailbox {
            frames.append(frame)
            if frames.count == count { break }
        }
        return frames
    }

    func relayed(_ frames: [SignalingHub.Outbound], from viewer: String) -> Int {
        frames.count {
            guard case .text(let text, let origin) = $0 else { return false }
            return origin == viewer && text.contains(#""type":"ice""#)
        }
    }

    @Test func aFloodingViewerIsClosedWith1008AndNobodyElseIs() async {
        let hub = hub()
        let (producer, producerMailbox) = hub.join(as: .producer, principal: "token:robot", now: start)
        let (flooder, flooderMailbox) = hub.join(as: .viewer, principal: "token:home", now: start)
        let (viewer, _) = hub.join(as: .viewer, principal: "token:guest", now: start)
        for _ in 0..<150 {
            hub.received(ice, from: flooder, now: start)
        }
        #expect(!hub.isOpen(flooder))
        #expect(hub.isOpen(producer) && hub.isOpen(viewer))

        // The flooder heard why, last.
        var flooderFrames: [SignalingHub.Outbound] = []
        for await frame in flooderMailbox { flooderFrames.append(frame) }
        guard case .close(let code, let reason)? = flooderFrames.last else {
            Issue.record("no close: \(flooderFrames)")
            return
        }
        #expect(code == 1008)
        #expect(reason.contains("rate limit") && reason.utf8.count <= 123, "\(reason)")

        // The producer got the 100 frames of the burst, not one more, then the other viewer's.
        hub.received(ice, from: viewer, now: start)
        // welcome, talker, 2 viewer-joined, the flooder's ice, its viewer-left (at once: it left the room when cut),
        // the ice
        let seen = await frames(2 + 2 + 100 + 1 + 1, of: producerMailbox)
        #expect(relayed(seen, from: flooder) == 100)
        #expect(seen.contains { "\($0)".contains("viewer-left") && "\($0)".contains(flooder) })
        #expect(relayed(seen, from: viewer) == 1)
    }

    @Test func anICEBurstOfRealisticSizePassesBothWays() async {
        let hub = hub()
        let (producer, producerMailbox) = hub.join(as: .producer, now: start)
        var viewers: [String] = []
        for _ in 0..<4 {
            viewers.append(hub.join(as: .viewer, now: start).peer)
        }
        // The producer offers to four viewers at once, with 60 candidates each; each viewer answers with 60.
        for viewer in viewers {
            hub.received(#"{"type":"offer","viewer":"\#(viewer)","sdp":"v=0"}"#, from: producer, now: start)
            for _ in 0..<60 {
                hub.received(#"{"type":"ice","viewer":"\#(viewer)","candidate":"c"}"#, from: producer, now: start)
            }
            hub.received(#"{"type":"answer","sdp":"v=0"}"#, from: viewer, now: start)
            for _ in 0..<60 {
                hub.received(ice, from: viewer, now: start)
            }
        }
        #expect(hub.isOpen(producer) && viewers.allSatisfy(hub.isOpen))
        let seen = await frames(2 + 4 + 4 * 61, of: producerMailbox)
        #expect(viewers.allSatisfy { relayed(seen, from: $0) == 60 })
    }

    @Test func aViewerTheProducerHasNotReadIsCutNotTheProducer() async {
        let hub = hub()
        let (producer, _) = hub.join(as: .producer, now: start)
        let (reader, _) = hub.join(as: .viewer, now: start)
        let (flooder, flooderMailbox) = hub.join(as: .viewer, now: start)
        // Within the rate limit (a burst, and later another), but the producer writes none of them out.
        for _ in 0..<100 { hub.received(ice, from: flooder, now: start) }
        #expect(hub.isOpen(flooder))
        for _ in 0..<10 { hub.received(ice, from: flooder, now: start + .seconds(10)) }
        #expect(!hub.isOpen(flooder))
        #expect(hub.isOpen(producer))
        var last: SignalingHub.Outbound?
        for await frame in flooderMailbox { last = frame }
        #expect(last.map { "\($0)" }?.contains("not yet read by the producer") == true, "\(String(describing: last))")

        // A viewer whose frames the producer does write out keeps going.
        for round in 0..<5 {
            for _ in 0..<100 {
                hub.received(ice, from: reader, now: start + .seconds(10 * round))
                hub.written(from: reader, to: producer)
            }
        }
        #expect(hub.isOpen(reader) && hub.isOpen(producer))
    }

    /// Counts a socket's `onCut` calls.
    final class Cuts: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func record() { count.withLock { $0 += 1 } }
    }

    @Test func aViewerThatStopsReadingLeavesTheRoomWhenCutNotWhenItsConnectionDies() async {
        let hub = hub()
        let (producer, producerMailbox) = hub.join(as: .producer, principal: "token:robot", now: start)
        let cuts = Cuts()
        // Its mailbox is never read, as when its socket's writes wait on a full TCP window.
        let (stuck, stuckMailbox) = hub.join(
            as: .viewer, principal: "token:home", now: start, onCut: { cuts.record() })
        #expect(hub.viewerCount == 1 && hub.viewerCount(of: "token:home") == 1)
        var sent = 0
        while hub.isOpen(stuck), sent < 10_000 {
            hub.telemetry(["event": "heartbeat"])
            sent += 1
        }
        #expect(!hub.isOpen(stuck), "still open after \(sent) frames")
        #expect(cuts.value == 1)
        // Its slot is free now, not when its connection finally ends; the producer is told at once.
        #expect(hub.viewerCount == 0 && hub.viewerCount(of: "token:home") == 0)
        hub.leave(producer)
        var producerFrames: [String] = []
        for await frame in producerMailbox { producerFrames.append("\(frame)") }
        #expect(producerFrames.contains { $0.contains("viewer-left") && $0.contains(stuck) }, "\(producerFrames)")
        // When the connection does end, nothing happens twice. (Reading the mailbox only now also keeps it alive
        // until here: an AsyncStream nobody holds drops what is yielded to it instead of buffering it.)
        hub.leave(stuck)
        #expect(cuts.value == 1)
        var queued = 0
        for await _ in stuckMailbox { queued += 1 }
        #expect(queued == SignalingHub.mailboxSize + 100 * 4, "what it had not read when it was cut")
    }

    @Test func aRateLimitedViewerIsCutAndLeavesTheRoomAtOnce() {
        let hub = hub()
        let cuts = Cuts()
        let (viewer, _) = hub.join(as: .viewer, principal: "token:home", now: start, onCut: { cuts.record() })
        for _ in 0..<101 { hub.received(ice, from: viewer, now: start) }
        #expect(!hub.isOpen(viewer))
        #expect(cuts.value == 1 && hub.viewerCount == 0)
    }

    @Test func binaryFramesCountAgainstTheLimitToo() {
        let hub = hub()
        let (viewer, _) = hub.join(as: .viewer, now: start)
        for _ in 0..<100 { hub.receivedBinary(from: viewer, now: start) }
        #expect(hub.isOpen(viewer))
        hub.receivedBinary(from: viewer, now: start)
        #expect(!hub.isOpen(viewer))
    }
}
