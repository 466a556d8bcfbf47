/// A delivery as the queue holds it, under its sequence number.
public struct QueuedDelivery: Sendable, Equatable {
    /// The row's sequence number: unique, increasing in append order, never reused (also across restarts).
    public var seq: Int64
    /// The delivery, with its current attempt count, due time and last error.
    public var delivery: NewDelivery

    /// Pairs a sequence number with its delivery.
    public init(seq: Int64, delivery: NewDelivery) {
        self.seq = seq
        self.delivery = delivery
    }
}
