/// One direction of an emulated link as a pure function of time: each packet offered at `now` (nanoseconds on
/// any monotonic clock) is lost, dropped by the full queue, or delivered at a computed time. ``LinkEmulator``
/// performs the verdicts; tests pass the time in.
///
/// The model, in the order a packet meets it:
/// 1. **Loss** — dropped with probability `loss`, independently (netem's `loss random`); a lost packet takes no
///    room in the queue.
/// 2. **Rate** — the link sends one packet after another at `rateBitsPerSecond`: a packet starts when the one
///    before it has finished (or at once on an idle link) and takes `bytes × 8 / rate` to send. Packets waiting
///    or being sent form the queue; one that would exceed ``LinkConditions/queueLimit`` (packets, or sending time
///    queued) is dropped (tail drop, like a router's buffer). Without a rate there is no queue.
/// 3. **Delay** — after it is sent, a packet travels `delay ± jitter` (uniform). Without a rate, delivery is in
///    time order, so packets whose jitter crosses are reordered (netem's default); with a rate, a packet is never
///    delivered before the one sent ahead of it (netem with `rate` keeps the order too: it times each packet from
///    the one before).
///
/// ``update(_:)`` takes new conditions at once for every later packet; packets already scheduled keep their times.
struct LinkSchedule: Sendable {
    enum Verdict: Equatable, Sendable {
        case lost
        case queueFull
        /// Hand the packet to the far end at this time (same clock as `now`).
        case deliver(at: Int64)
    }

    private(set) var conditions: LinkConditions
    private var random: SeededGenerator
    /// When the rate limit finishes sending each packet still queued, oldest first.
    private var sendingEnds: [Int64] = []
    /// When the latest packet is delivered.
    private var lastDelivery = Int64.min

    init(_ conditions: LinkConditions, seed: UInt64) {
        self.conditions = conditions
        random = SeededGenerator(seed: seed)
    }

    mutating func update(_ conditions: LinkConditions) {
        self.conditions = conditions
        if conditions.rateBitsPerSecond == nil {
            sendingEnds = []
        }
    }

    /// What happens to a packet of `bytes` (its IP length) offered at `now`.
    mutating func offer(bytes: Int, at now: Int64) -> Verdict {
        if conditions.loss > 0, Double.random(in: 0..<1, using: &random) < conditions.loss {
            return .lost
        }
        var sent = now
        if let rate = conditions.rateBitsPerSecond {
            sendingEnds.removeFirst(sendingEnds.prefix { $0 <= now }.count)
            let start = sendingEnds.last ?? now
            let sendingTime = Int64(bytes) * 8 * 1_000_000_000 / Int64(rate)
            guard fits(queued: sendingEnds.count, backlog: start - now, sendingTime: sendingTime) else {
                return .queueFull
            }
            sent = start + sendingTime
            sendingEnds.append(sent)
        }
        var travel = conditions.delay.nanoseconds
        let jitter = conditions.jitter.nanoseconds
        if jitter > 0 {
            travel += Int64.random(in: -jitter...jitter, using: &random)
        }
        var delivery = sent + max(0, travel)
        if conditions.rateBitsPerSecond != nil {
            delivery = max(delivery, lastDelivery)
        }
        lastDelivery = max(lastDelivery, delivery)
        return .deliver(at: delivery)
    }

    /// Whether a packet taking `sendingTime` may join a queue of `queued` packets that needs `backlog` to drain.
    /// An empty queue takes any packet, however large.
    private func fits(queued: Int, backlog: Int64, sendingTime: Int64) -> Bool {
        guard queued > 0 else { return true }
        switch conditions.queueLimit {
        case .packets(let limit): return queued < limit
        case .duration(let limit): return backlog + sendingTime <= limit.nanoseconds
        }
    }
}

/// SplitMix64: a small, fast generator with a seed, so that a run's losses and jitter can be repeated.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
