/// What happened to some queued deliveries, to record in one transaction with ``DurableQueue/apply(_:)``.
///
/// A seq should appear in at most one list. The lists are applied in the order completed, retries,
/// replacements, parked; a seq that is no longer queued (already completed, say) is skipped and reported in
/// ``AppliedChanges/missing``.
public struct QueueChanges: Sendable, Equatable {
    /// A failed attempt that will be tried again later.
    public struct Retry: Sendable, Equatable {
        /// The delivery's seq.
        public var seq: Int64
        /// The failed attempts so far, this one included.
        public var attempts: Int
        /// The earliest time of the next attempt, in milliseconds since the Unix epoch.
        public var notBefore: Int64
        /// Why this attempt failed.
        public var lastError: String

        /// Creates a retry record.
        public init(seq: Int64, attempts: Int, notBefore: Int64, lastError: String) {
            self.seq = seq
            self.attempts = attempts
            self.notBefore = notBefore
            self.lastError = lastError
        }
    }

    /// A dead-lettered delivery, replaced by the delivery of its rule's error action.
    public struct Replacement: Sendable, Equatable {
        /// The seq of the delivery that gave up.
        public var seq: Int64
        /// The error-action delivery that takes its place (inserted under a new seq).
        public var with: NewDelivery

        /// Creates a replacement record.
        public init(seq: Int64, with delivery: NewDelivery) {
            self.seq = seq
            self.with = delivery
        }
    }

    /// A delivery that failed for good and has no error action to go to: moved to the dead letters, out of its
    /// lane, until replayed (``DurableQueue/replayDeadLetters(rule:seqs:then:)``).
    public struct Park: Sendable, Equatable {
        /// The delivery's seq (it keeps it among the dead letters).
        public var seq: Int64
        /// The failed attempts, this one included.
        public var attempts: Int
        /// Why it failed.
        public var lastError: String
        /// When it was parked, in milliseconds since the Unix epoch.
        public var parkedAt: Int64

        /// Creates a park record.
        public init(seq: Int64, attempts: Int, lastError: String, parkedAt: Int64) {
            self.seq = seq
            self.attempts = attempts
            self.lastError = lastError
            self.parkedAt = parkedAt
        }
    }

    /// Delivered deliveries: their rows are deleted.
    public var completed: [Int64]
    /// Failed attempts to retry: the rows' attempts, due time and last error are updated.
    public var retries: [Retry]
    /// Dead-lettered deliveries: each row is deleted and its error-action delivery inserted, atomically.
    /// A row that is no longer queued gets no error-action delivery (so applying twice does not duplicate it).
    public var replacements: [Replacement]
    /// Parked deliveries: each row moves from the queue to the dead letters, atomically.
    public var parked: [Park]

    /// Creates a set of changes; all lists default to empty.
    public init(
        completed: [Int64] = [], retries: [Retry] = [], replacements: [Replacement] = [], parked: [Park] = []
    ) {
        self.completed = completed
        self.retries = retries
        self.replacements = replacements
        self.parked = parked
    }

    /// True when there is nothing to apply.
    public var isEmpty: Bool { completed.isEmpty && retries.isEmpty && replacements.isEmpty && parked.isEmpty }
}
