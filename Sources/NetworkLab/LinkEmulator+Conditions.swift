/// What one direction of an emulated link does to the packets it carries — the parts of `tc netem` the lab needs
/// (this machine's kernel has no netem): random loss, a propagation delay with uniform jitter, and a rate limit
/// with a router's bounded queue. ``LinkSchedule`` applies them; docs/NAT.md ("The wire") describes the model.
public struct LinkConditions: Sendable, Equatable, CustomStringConvertible {
    /// The bounded queue in front of the rate limit; a packet that does not fit is dropped (tail drop).
    public enum QueueLimit: Sendable, Equatable {
        /// At most this many packets waiting or being sent (netem's and `tc`'s `limit N`).
        case packets(Int)
        /// At most this much sending time queued: a router buffer sized in time, the same at every rate.
        case duration(Duration)
    }

    /// One-way propagation delay.
    public var delay: Duration
    /// Each packet's delay is `delay ± jitter`, uniform (netem's default distribution is a table; uniform is
    /// what `delay D J` gives without `distribution`). Packets whose delays cross are reordered, as netem does.
    public var jitter: Duration
    /// Probability that a packet is dropped at random, 0…1, before it queues (netem's `loss random P%`).
    public var loss: Double
    /// The link's rate; nil: unlimited (no serialisation delay, no queue).
    public var rateBitsPerSecond: Int?
    public var queueLimit: QueueLimit

    /// A bufferbloated home router's 200 ms, the same as `tbf … latency 200ms`.
    public static let defaultQueueLimit = QueueLimit.duration(.milliseconds(200))

    /// A plain wire: nothing delayed, lost or limited.
    public static let none = LinkConditions()

    public init(
        delay: Duration = .zero, jitter: Duration = .zero, loss: Double = 0, rateBitsPerSecond: Int? = nil,
        queueLimit: QueueLimit = defaultQueueLimit
    ) {
        self.delay = delay
        self.jitter = jitter
        self.loss = loss
        self.rateBitsPerSecond = rateBitsPerSecond
        self.queueLimit = queueLimit
    }

    /// The netem form, e.g. `delay 80ms 10ms loss 2% rate 2mbit`.
    public var description: String {
        var words: [String] = []
        if delay > .zero || jitter > .zero {
            words += ["delay", Self.format(delay)] + (jitter > .zero ? [Self.format(jitter)] : [])
        }
        if loss > 0 {
            words += ["loss", "\(loss * 100)%"]
        }
        if let rate = rateBitsPerSecond {
            words += ["rate", "\(rate)bit"]
        }
        switch queueLimit {
        case .packets(let count): words += ["limit", "\(count)"]
        case .duration(let time) where time != Self.defaultQueueLimit.time: words += ["queue", Self.format(time)]
        case .duration: break
        }
        return words.isEmpty ? "none" : words.joined(separator: " ")
    }

    private static func format(_ duration: Duration) -> String {
        let microseconds = duration.nanoseconds / 1000
        return microseconds % 1000 == 0 ? "\(microseconds / 1000)ms" : "\(microseconds)us"
    }
}

extension LinkConditions.QueueLimit {
    fileprivate var time: Duration? {
        if case .duration(let time) = self { return time }
        return nil
    }
}

extension Duration {
    /// The whole duration in nanoseconds (the lab's durations are far below Int64's 292 years).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
