import Basics
import Logging
import RelayQueue
import Synchronization

/// Collects what happened to deliveries (delivered, to retry, dead-lettered) and writes it to the durable queue in
/// one transaction every few milliseconds — one commit for thousands of acknowledgements.
final class Committer: Sendable {
    private struct Pending {
        var changes = QueueChanges()
        /// The error-action lane of each replacement, in the same order as `changes.replacements`.
        var replacementLanes: [Lane] = []
    }

    private let queue: DurableQueue
    private let logger: Logger
    private let pending = Mutex(Pending())
    /// A failing disk fails every flush, 200 a second: one line a minute.
    private let failureLog = Mutex(LogThrottle(interval: .seconds(60)))
    static let interval = Duration.milliseconds(5)

    init(queue: DurableQueue, logger: Logger) {
        self.queue = queue
        self.logger = logger
    }

    func completed(_ seqs: [Int64]) {
        guard !seqs.isEmpty else { return }
        pending.withLock { $0.changes.completed += seqs }
    }

    func retry(_ retry: QueueChanges.Retry) {
        pending.withLock { $0.changes.retries.append(retry) }
    }

    /// Replaces a failed delivery by its error-action delivery, which enters `lane` once committed.
    func replace(_ seq: Int64, with delivery: NewDelivery, lane: Lane) {
        pending.withLock {
            $0.changes.replacements.append(.init(seq: seq, with: delivery))
            $0.replacementLanes.append(lane)
        }
    }

    /// Parks a delivery that failed for good and has no error action.
    func park(_ park: QueueChanges.Park) {
        pending.withLock { $0.changes.parked.append(park) }
    }

    /// Commits until cancelled, then once more.
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.interval)
            flush()
        }
        flush()
    }

    /// Writes what is pending; on failure keeps it for the next turn (a completion not yet written means at most a
    /// duplicate after a restart, never a loss).
    func flush() {
        let batch = pending.withLock { pending -> Pending in
            defer { pending = Pending() }
            return pending
        }
        guard !batch.changes.isEmpty else { return }
        do throws(QueueError) {
            // Error-action deliveries enter their lanes with the queue's lock held: in seq order (see Lane).
            try queue.apply(batch.changes) { applied in
                for (index, seq) in applied.replacementSeqs.enumerated() {
                    guard let seq else { continue }
                    let replacement = batch.changes.replacements[index]
                    batch.replacementLanes[index].push([QueuedDelivery(seq: seq, delivery: replacement.with)])
                }
            }
        } catch {
            if let held = failureLog.withLock({ $0.admit() }) {
                logger.error(
                    "relay: cannot write delivery results to the queue; will retry",
                    metadata: ["error": "\(error)", "relay.suppressed": "\(held)"])
            }
            pending.withLock { pending in
                pending.changes.completed = batch.changes.completed + pending.changes.completed
                pending.changes.retries = batch.changes.retries + pending.changes.retries
                pending.changes.replacements = batch.changes.replacements + pending.changes.replacements
                pending.changes.parked = batch.changes.parked + pending.changes.parked
                pending.replacementLanes = batch.replacementLanes + pending.replacementLanes
            }
        }
    }
}
