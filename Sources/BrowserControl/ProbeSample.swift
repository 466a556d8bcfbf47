import Basics

/// One frame whose clock stripe the page decoded: when the page showed it and when the producer painted the time
/// into it, both wall-clock milliseconds since the Unix epoch (CLOCK_REALTIME on one machine).
public struct ProbeSample: Sendable, Equatable {
    public var shownMs: Double
    public var paintedMs: Double

    public init(shownMs: Double, paintedMs: Double) {
        self.shownMs = shownMs
        self.paintedMs = paintedMs
    }

    /// Glass-to-glass: painted at the source → shown on the page.
    public var latencyMs: Double { shownMs - paintedMs }

    /// The sample with its shown time moved from the page's clock to the producer's, the page's clock being
    /// `offsetMs` ahead.
    public func shownOnWallClock(offsetMs: Double) -> ProbeSample {
        ProbeSample(shownMs: shownMs - offsetMs, paintedMs: paintedMs)
    }
}

/// A set of latencies, sorted once, with the numbers video-bench and nat-demo print.
public struct LatencySummary: Sendable {
    public let sorted: [Double]

    public init(_ latencies: [Double]) {
        sorted = latencies.sorted()
    }

    public var count: Int { sorted.count }

    /// Nearest rank: the value at index round((n − 1)·p) of the sorted latencies; nil when there are none.
    public func percentile(_ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((Double(sorted.count - 1) * p).rounded())
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    public var p50: Double? { percentile(0.5) }
    public var p95: Double? { percentile(0.95) }
    public var p99: Double? { percentile(0.99) }
    public var mean: Double? { sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count) }
}

/// The wall clock (CLOCK_REALTIME) in milliseconds since the Unix epoch — the clock the producer paints and the
/// page's `performance.timeOrigin + …` reads.
public func wallMs() -> Double {
    Double(Timestamp.now().nanosecondsSinceEpoch) / 1e6
}

/// The page's clock offset, smoothed: one reading is off by up to half a DevTools round trip (a millisecond or
/// two when the page is busy), so the offset used is the median of the last 31 readings (one a second) — steady
/// against that noise, and still following a clock that drifts.
public struct ClockOffsets: Sendable {
    public init() {}

    private var readings: [Double] = []

    /// Adds a reading and returns the offset to use now.
    public mutating func add(_ reading: Double) -> Double {
        if reading.isFinite { readings.append(reading) }
        let recent = readings.suffix(31).sorted()
        return recent.isEmpty ? 0 : recent[recent.count / 2]
    }
}
