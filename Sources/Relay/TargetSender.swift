import RelayQueue

/// What became of one delivery attempt.
enum DeliveryResult: Sendable, Equatable {
    case delivered
    /// The destination could not be reached (offline broker, refused connection): the delivery was not attempted,
    /// so it costs the message no attempt; the lane waits and tries again.
    case unreachable(String)
    /// The destination saw the message and did not take it. Permanent failures (a missing queue, a refusal) go to
    /// the error action at once; others are retried until the rule's `maxAttempts`.
    case failed(String, permanent: Bool)
}

/// Sends a lane's deliveries to one kind of destination. How many per call and how many calls at once is the
/// lane's plan (``TargetPlan/batchSize``, ``TargetPlan/concurrency``).
protocol TargetSender: Sendable {
    /// Sends `batch` and calls `settle` once for every delivery in it — possibly later, from another thread.
    func send(_ batch: [QueuedDelivery], settle: @escaping @Sendable ([(QueuedDelivery, DeliveryResult)]) -> Void) async
}
