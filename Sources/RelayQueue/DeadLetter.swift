/// A delivery that failed for good on a rule without an error action, parked out of its lane so the messages
/// behind it go on. It stays in the queue file until replayed.
public struct DeadLetter: Sendable, Equatable {
    /// The seq it had in the queue (it keeps it while parked; a replay queues it under a new one).
    public var seq: Int64
    /// The delivery as it was when it gave up: its attempts and its last error.
    public var delivery: NewDelivery
    /// When it was parked, in milliseconds since the Unix epoch.
    public var parkedAt: Int64

    /// Creates a dead letter.
    public init(seq: Int64, delivery: NewDelivery, parkedAt: Int64) {
        self.seq = seq
        self.delivery = delivery
        self.parkedAt = parkedAt
    }
}
