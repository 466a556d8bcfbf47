import BrowserControl
import StrictJSON

/// Where the receiving side's share of the latency goes: the page's video `inbound-rtp` counters (jitter buffer,
/// decode, receive → decoded), read straight from its `RTCPeerConnection`. The page keeps its connection to itself
/// (module scope), so the bench finds it through DevTools (``PagePeerConnection``) and reads it once a reading.
struct ReceiverDelays: Sendable {
    let connection: PagePeerConnection

    /// Cumulative counters of one reading (seconds and counts, as getStats gives them).
    struct Counters: Sendable {
        var jitterBufferDelay = 0.0, jitterBufferTargetDelay = 0.0, jitterBufferEmittedCount = 0.0
        var totalDecodeTime = 0.0, totalProcessingDelay = 0.0, framesDecoded = 0.0
    }

    /// Mean milliseconds per frame between two readings.
    struct PerFrame: Sendable {
        /// Time a frame waited in the jitter buffer (arrival → release to the decoder), and the buffer's target.
        var jitterBufferMs: Double?
        var jitterBufferTargetMs: Double?
        /// Decoding.
        var decodeMs: Double?
        /// The frame's first packet received → decoded (jitter buffer + decode).
        var processingMs: Double?

        init(from start: Counters, to end: Counters) {
            func mean(_ total: KeyPath<Counters, Double>, over count: KeyPath<Counters, Double>) -> Double? {
                let frames = end[keyPath: count] - start[keyPath: count]
                return frames > 0 ? (end[keyPath: total] - start[keyPath: total]) / frames * 1000 : nil
            }
            jitterBufferMs = mean(\.jitterBufferDelay, over: \.jitterBufferEmittedCount)
            jitterBufferTargetMs = mean(\.jitterBufferTargetDelay, over: \.jitterBufferEmittedCount)
            decodeMs = mean(\.totalDecodeTime, over: \.framesDecoded)
            processingMs = mean(\.totalProcessingDelay, over: \.framesDecoded)
        }
    }

    /// The page's connected peer connection, or nil when DevTools finds none.
    static func find(in page: BrowserPage) async throws -> ReceiverDelays? {
        try await PagePeerConnection.find(in: page, objectGroup: "video-bench").map(ReceiverDelays.init)
    }

    /// The video receiver's counters now, or nil when the connection has no inbound video.
    func read() async throws -> Counters? {
        let stats = try await connection.call(
            """
            async function() {
              let found = null;
              (await this.getStats()).forEach((e) => {
                if (e.type === 'inbound-rtp' && e.kind === 'video') found = e;
              });
              return found;
            }
            """)
        guard stats["framesDecoded"] != nil else { return nil }
        func value(_ name: String) -> Double { stats[name]?.doubleValue ?? 0 }
        return Counters(
            jitterBufferDelay: value("jitterBufferDelay"), jitterBufferTargetDelay: value("jitterBufferTargetDelay"),
            jitterBufferEmittedCount: value("jitterBufferEmittedCount"), totalDecodeTime: value("totalDecodeTime"),
            totalProcessingDelay: value("totalProcessingDelay"), framesDecoded: value("framesDecoded"))
    }
}
