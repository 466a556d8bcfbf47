import Basics
import Glibc

/// What one viewer's RTCP said about the video it receives (``BitrateController``'s input). Each field is nil
/// when that packet did not carry it.
public struct ReceiverFeedback: Sendable, Equatable {
    /// Packets lost since the viewer's previous receiver report, 0…1 (the report block's "fraction lost").
    public var lossFraction: Double?
    /// The viewer's receive-side estimate of the link (REMB), in kbit/s.
    public var rembKbps: Int?
    /// The round trip measured from the report block's LSR/DLSR, in ms.
    public var roundTripMs: Int?

    public init(lossFraction: Double? = nil, rembKbps: Int? = nil, roundTripMs: Int? = nil) {
        self.lossFraction = lossFraction
        self.rembKbps = rembKbps
        self.roundTripMs = roundTripMs
    }
}

/// The encoder's target bit rate from the viewers' feedback, between `--min-bitrate` and `--max-bitrate`. Pure:
/// feedback and time in, a ``Change`` out (the caller sets the encoder and logs it).
///
/// The encoder is shared by every viewer (one tee), so the target follows the **worst** viewer: each viewer has its
/// own estimate and the target is the smallest. A viewer on a good link then gets the quality a bad one can take —
/// the price of encoding once (a second encoder per quality would cost a Pi's CPU).
///
/// Per viewer, after GCC's loss-based controller (draft-ietf-rmcat-gcc §6) with REMB as its delay-based half:
/// - loss above 10 % → sent × (1 − loss / 2) (GCC's step: a burst of loss on a queue that is draining already
///   must not take the rate to the floor), at most once per RTT + 300 ms;
/// - the round trip more than ``queueingLimit`` above the viewer's smallest and still growing → a queue is
///   building (a rate limit with a deep buffer loses nothing for seconds): −15 %, as often;
/// - loss under 2 % and no queue, ``holdAfterDecrease`` after the last decrease → +10 % per second of feedback,
///   +3 % within 15 % of the rate sent at the last decrease (GCC's "near max" additive phase: the sawtooth on a
///   fixed link stays small); between 2 and 10 % it holds;
/// - a falling REMB (the receiver's delay-based overuse signal) → 90 % of it at once (the rest is RTP headers and
///   audio); a steady or rising REMB does not cap (see ``applyREMB(_:to:now:)``).
/// Hysteresis: the target moves only by ≥ 5 % (or onto a bound), so report-to-report noise does not reach the
/// encoder; an estimate never runs more than 50 % ahead of the target, so one viewer leaving does not jump the rate.
public struct BitrateController<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Why the target changed.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// Loss above the decrease threshold (percent).
        case loss(percent: Int)
        /// The viewer's REMB estimate (kbit/s).
        case remb(kbps: Int)
        /// The round trip grew (ms): a queue on the path.
        case roundTrip(ms: Int)
        /// Little loss: probing upwards.
        case increase
        /// The last viewer left: back to the start value for the next one.
        case noViewers

        public var description: String {
            switch self {
            case .loss(let percent): "loss \(percent)%"
            case .remb(let kbps): "REMB \(kbps) kbit/s"
            case .roundTrip(let ms): "round trip \(ms) ms"
            case .increase: "increase"
            case .noViewers: "no viewers"
            }
        }
    }

    public struct Change: Sendable, Equatable {
        public var kbps: Int
        public var reason: Reason

        public init(kbps: Int, reason: Reason) {
            self.kbps = kbps
            self.reason = reason
        }
    }

    private struct Viewer {
        var estimateKbps: Double
        var reason: Reason = .increase
        /// The last REMB: a lower one is an overuse signal.
        var rembKbps: Int?
        var smallestRoundTripMs: Int?
        var lastRoundTripMs: Int?
        var lastIncrease: Instant?
        var lastDecrease: Instant?
        /// What was sent when the last decrease came, until the estimate is 15 % past it (the link grew).
        var overuseKbps: Double?
    }

    public let startKbps: Int
    public let minKbps: Int
    public let maxKbps: Int
    public private(set) var targetKbps: Int
    private var viewers: [Int: Viewer] = [:]

    static var decreaseAbove: Double { 0.10 }
    static var increaseBelow: Double { 0.02 }
    static var growthPerSecond: Double { 1.10 }
    /// Growth within 15 % of the rate of the last overuse: carefully past the point that hurt last time.
    static var growthNearOverusePerSecond: Double { 1.03 }
    static var rembShare: Double { 0.90 }
    /// The share of REMB a loss-based decrease stops at.
    static var lossFloorShare: Double { 0.5 }
    /// How much REMB must fall to count as overuse (Chromium sends a new REMB when its estimate falls by 3 %).
    static var rembFall: Double { 0.03 }
    /// Extra round trip that counts as a queue.
    static var queueingLimit: Int { 100 }
    /// …and still growing, report over report: a longer path (a new route, a relay) is long but steady.
    static var queueingGrowth: Int { 30 }
    static var holdAfterDecrease: Duration { .seconds(2) }
    /// The smallest relative move of the target.
    static var hysteresis: Double { 0.05 }

    public init(startKbps: Int, minKbps: Int, maxKbps: Int) {
        self.minKbps = minKbps
        self.maxKbps = max(minKbps, maxKbps)
        self.startKbps = min(max(startKbps, minKbps), self.maxKbps)
        targetKbps = self.startKbps
    }

    /// Feedback from `viewer` (any id, e.g. its branch serial) at `now`; a change of the target, or nil.
    public mutating func feedback(_ feedback: ReceiverFeedback, from viewer: Int, now: Instant) -> Change? {
        var state = viewers[viewer] ?? Viewer(estimateKbps: Double(targetKbps))
        if let loss = feedback.lossFraction {
            step(&state, loss: loss, roundTripMs: feedback.roundTripMs, now: now)
        }
        if let remb = feedback.rembKbps {
            applyREMB(remb, to: &state, now: now)
        }
        viewers[viewer] = state
        return retarget()
    }

    /// `viewer` is gone; with nobody left the target goes back to the start value.
    public mutating func viewerLeft(_ viewer: Int) -> Change? {
        guard viewers.removeValue(forKey: viewer) != nil else { return nil }
        guard viewers.isEmpty else { return retarget() }
        guard targetKbps != startKbps else { return nil }
        targetKbps = startKbps
        return Change(kbps: startKbps, reason: .noViewers)
    }

    /// One receiver report: the loss-based (and queue) step of one viewer's estimate.
    private func step(_ state: inout Viewer, loss: Double, roundTripMs: Int?, now: Instant) {
        var queueing: Int?
        if let roundTripMs {
            let smallest = min(state.smallestRoundTripMs ?? roundTripMs, roundTripMs)
            let rising = roundTripMs - (state.lastRoundTripMs ?? roundTripMs) >= Self.queueingGrowth
            state.smallestRoundTripMs = smallest
            state.lastRoundTripMs = roundTripMs
            if roundTripMs - smallest > Self.queueingLimit && rising { queueing = roundTripMs }
        }
        let sent = min(state.estimateKbps, Double(targetKbps))
        if loss > Self.decreaseAbove || queueing != nil {
            let interval = Duration.milliseconds(300 + (roundTripMs ?? 0))
            guard state.lastDecrease.map({ $0.duration(to: now) >= interval }) ?? true else { return }
            if loss > Self.decreaseAbove {
                // Not under half the viewer's REMB: while a queue drains (and NACKed packets are sent again) the
                // reports still count the old rate's losses, which would take the rate to the floor.
                let floor = state.rembKbps.map { Double($0) * Self.lossFloorShare } ?? 0
                state.estimateKbps = min(sent, max(sent * (1 - 0.5 * loss), floor))
                state.reason = .loss(percent: Int((loss * 100).rounded()))
            } else if let queueing {
                state.estimateKbps = sent * 0.85
                state.reason = .roundTrip(ms: queueing)
            }
            state.lastDecrease = now
            state.lastIncrease = now
            state.overuseKbps = sent
        } else if loss < Self.increaseBelow {
            defer { state.lastIncrease = now }
            guard let last = state.lastIncrease,
                state.lastDecrease.map({ $0.duration(to: now) >= Self.holdAfterDecrease }) ?? true
            else { return }
            let seconds = min(1, max(0, Double(last.duration(to: now).milliseconds) / 1000))
            if let overuse = state.overuseKbps, state.estimateKbps >= overuse * 1.15 { state.overuseKbps = nil }
            let nearOveruse = state.overuseKbps.map { state.estimateKbps >= $0 * 0.85 } ?? false
            let growth = nearOveruse ? Self.growthNearOverusePerSecond : Self.growthPerSecond
            let grown = state.estimateKbps * Glibc.pow(growth, seconds)
            state.estimateKbps = min(grown, Double(targetKbps) * 1.5, Double(maxKbps))
            state.reason = .increase
        }
        state.estimateKbps = max(state.estimateKbps, Double(minKbps))
    }

    /// A REMB that fell is the receiver's overuse signal (Chromium's estimate only falls when its delay-based
    /// detector sees a queue): the estimate comes down to 90 % of it at once. A steady or rising REMB does not cap
    /// the estimate: in its additive phase Chromium's estimate trails what it receives and only speeds up once the
    /// incoming rate passes it, so a cap would hold the rate down for a minute after a link recovered.
    private func applyREMB(_ remb: Int, to state: inout Viewer, now: Instant) {
        defer { state.rembKbps = remb }
        guard let previous = state.rembKbps, Double(remb) < Double(previous) * (1 - Self.rembFall) else { return }
        let cap = max(Double(remb) * Self.rembShare, Double(minKbps))
        guard cap < state.estimateKbps else { return }
        state.overuseKbps = min(state.estimateKbps, Double(targetKbps))
        state.estimateKbps = cap
        state.reason = .remb(kbps: remb)
        state.lastDecrease = now
    }

    /// The worst viewer's allowed rate, clamped; a change when it moved past the hysteresis.
    private mutating func retarget() -> Change? {
        guard let worst = viewers.values.min(by: { $0.estimateKbps < $1.estimateKbps }) else { return nil }
        let kbps = min(max(Int(worst.estimateKbps.rounded()), minKbps), maxKbps)
        let moved = abs(Double(kbps - targetKbps)) >= Double(targetKbps) * Self.hysteresis
        guard kbps != targetKbps, moved || kbps == minKbps || kbps == maxKbps else { return nil }
        targetKbps = kbps
        return Change(kbps: kbps, reason: worst.reason)
    }
}
