import Basics
import StrictJSON
import TestSupport

/// The drive page's test API as video-bench and nat-demo read it: `robotPage.probe()` (the latency probe's decoded frames since
/// the previous call; docs/VIDEO.md) and `robotPage.stats()` (the inbound video's counters).
public struct PageProbe: Sendable {
    public let page: BrowserPage

    public init(page: BrowserPage) {
        self.page = page
    }

    /// What one `probe()` call returned.
    public struct Reading: Sendable {
        public var enabled: Bool
        /// Frames decoded and frames whose stripe did not decode, since the page opened.
        public var frames: Int
        public var misses: Int
        public var samples: [ProbeSample]
    }

    /// The inbound video as `stats()` reports it.
    public struct VideoStats: Sendable {
        public var framesDecoded: Int
        public var framesPerSecond: Double
        public var width, height: Int
        /// Page open (navigation start) → first frame presented, by the page's clock; nil before it.
        public var firstFrameMs: Double?
        public var peerConnections: Int
        public var connectionState: String
    }

    /// Drains the page's samples. Throws when the page has no probe API (a page from before the probe).
    public func drain() async throws -> Reading {
        let value = try await page.evaluate(
            "window.robotPage && typeof window.robotPage.probe === 'function' ? window.robotPage.probe() : null")
        guard !value.isNull else {
            throw TestSupportError(
                "the page has no window.robotPage.probe(): this robot-server's page predates the latency probe")
        }
        let samples = (value["samples"]?.arrayValue ?? []).compactMap { pair -> ProbeSample? in
            guard let shown = pair[0]?.doubleValue, let painted = pair[1]?.doubleValue else { return nil }
            return ProbeSample(shownMs: shown, paintedMs: painted)
        }
        return Reading(
            enabled: value["enabled"]?.boolValue ?? false, frames: value["frames"]?.intValue ?? 0,
            misses: value["misses"]?.intValue ?? 0, samples: samples)
    }

    /// The page's wall clock (`performance.timeOrigin + performance.now()`, which the probe's shown times use)
    /// minus the bench's (CLOCK_REALTIME), in ms, taken at the midpoint of the DevTools round trip. The page's
    /// clock is the monotonic clock from the moment of navigation (≈ 2 ms behind here), so it can drift from
    /// CLOCK_REALTIME while that one is slewed (NTP): glass-to-glass samples are corrected by it (``ClockOffsets``).
    public func clockOffsetMs() async throws -> Double {
        let before = wallMs()
        let page = try await page.evaluate("performance.timeOrigin + performance.now()").doubleValue ?? .nan
        let after = wallMs()
        return page - (before + after) / 2
    }

    /// The page's video statistics, or nil before its script has run.
    public func stats() async throws -> VideoStats? {
        guard let stats = try await page.stats() else { return nil }
        return VideoStats(
            framesDecoded: stats["framesDecoded"]?.intValue ?? 0,
            framesPerSecond: stats["framesPerSecond"]?.doubleValue ?? 0,
            width: stats["width"]?.intValue ?? 0, height: stats["height"]?.intValue ?? 0,
            firstFrameMs: stats["firstFrameMs"]?.doubleValue,
            peerConnections: stats["peerConnections"]?.intValue ?? 0,
            connectionState: stats["connectionState"]?.stringValue ?? "none")
    }
}
