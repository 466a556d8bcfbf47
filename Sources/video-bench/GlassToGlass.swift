import BrowserControl

/// The drift check for a long run: the last minute's p95 may exceed the first minute's by at most
/// ``allowanceMs``.
struct DriftCheck: Sendable {
    static let allowanceMs = 20.0

    let firstP95: Double
    let lastP95: Double

    var passes: Bool { lastP95 <= firstP95 + Self.allowanceMs }
}

/// The samples of one measured window, `start` to `start + seconds` (wall clock), cut into whole minutes by the
/// moment each frame was shown. A pure value: the bench feeds it what the page hands out and reads numbers back.
struct GlassToGlassWindow: Sendable {
    let startMs: Double
    let seconds: Int
    private(set) var samples: [ProbeSample] = []
    /// Samples drained from the page that were shown before the window opened or after it closed.
    private(set) var outside = 0

    init(startMs: Double, seconds: Int) {
        self.startMs = startMs
        self.seconds = seconds
    }

    var endMs: Double { startMs + Double(seconds) * 1000 }

    /// Keeps the samples shown inside the window.
    mutating func add(_ new: [ProbeSample]) {
        for sample in new {
            if sample.shownMs >= startMs && sample.shownMs < endMs {
                samples.append(sample)
            } else {
                outside += 1
            }
        }
    }

    var overall: LatencySummary { LatencySummary(samples.map(\.latencyMs)) }

    /// The samples shown in [from, to) seconds after the window opened.
    func span(from: Double, to: Double) -> LatencySummary {
        let low = startMs + from * 1000
        let high = startMs + to * 1000
        return LatencySummary(samples.filter { $0.shownMs >= low && $0.shownMs < high }.map(\.latencyMs))
    }

    /// Consecutive spans of `length` seconds from the window's start (the last one may be shorter).
    func spans(seconds length: Int) -> [LatencySummary] {
        stride(from: 0, to: seconds, by: length).map { span(from: Double($0), to: Double(min($0 + length, seconds))) }
    }

    /// Each whole minute of the window, first to last.
    var minutes: [LatencySummary] {
        (0..<(seconds / 60)).map { span(from: Double($0 * 60), to: Double($0 * 60 + 60)) }
    }

    /// First minute against last minute, when the window has at least one minute and both have samples.
    var drift: DriftCheck? {
        let minutes = minutes
        guard let first = minutes.first?.p95, let last = minutes.last?.p95 else { return nil }
        return DriftCheck(firstP95: first, lastP95: last)
    }
}
