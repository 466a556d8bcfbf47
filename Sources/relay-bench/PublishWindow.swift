import MQTT
import Synchronization

/// Bounds the QoS 1 messages awaiting their PUBACK and tallies how each one settled.
///
/// The publishing loop takes a slot per message (``acquire()``); each message's completion, which runs on the MQTT
/// client's network thread, gives it back (``settle(_:)``). A full window suspends the loop until a quarter of it is
/// free again, so the loop wakes once per batch rather than once per acknowledgement.
final class PublishWindow: Sendable {
    struct Tally {
        var acknowledged = 0
        var failed = 0
        /// The first few failures, for the report.
        var failures: [String] = []
        /// When the last message settled.
        var lastSettled: ContinuousClock.Instant?
    }

    private struct State {
        var inFlight = 0
        var tally = Tally()
        var slotWaiter: CheckedContinuation<Void, Never>?
        var drainWaiter: CheckedContinuation<Void, Never>?
    }

    let size: Int
    private let resumeAt: Int
    private let state = Mutex(State())

    init(size: Int) {
        precondition(size > 0, "a window holds at least one message")
        self.size = size
        self.resumeAt = size - max(1, size / 4)
    }

    /// Returns when a slot is free, having taken it.
    func acquire() async {
        let taken = state.withLock { state in
            guard state.inFlight < size else { return false }
            state.inFlight += 1
            return true
        }
        if taken { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let takenNow = state.withLock { state in
                guard state.inFlight >= size else {
                    state.inFlight += 1
                    return true
                }
                state.slotWaiter = continuation
                return false
            }
            if takenNow { continuation.resume() }
        }
    }

    /// Gives a slot back with the message's outcome. Called once per acquired slot.
    func settle(_ result: Result<Void, MQTTError>) {
        let now = ContinuousClock.now
        let (slotWaiter, drainWaiter) = state.withLock { state in
            state.inFlight -= 1
            state.tally.lastSettled = now
            switch result {
            case .success: state.tally.acknowledged += 1
            case .failure(let error):
                state.tally.failed += 1
                if state.tally.failures.count < 5 { state.tally.failures.append("\(error)") }
            }
            var slotWaiter: CheckedContinuation<Void, Never>?
            if state.inFlight <= resumeAt, let waiter = state.slotWaiter {
                state.slotWaiter = nil
                state.inFlight += 1  // the slot the waiter asked for
                slotWaiter = waiter
            }
            var drainWaiter: CheckedContinuation<Void, Never>?
            if state.inFlight == 0 {
                drainWaiter = state.drainWaiter
                state.drainWaiter = nil
            }
            return (slotWaiter, drainWaiter)
        }
        slotWaiter?.resume()
        drainWaiter?.resume()
    }

    /// Returns when no message awaits its outcome any more (every one has a deadline, so this ends).
    func drained() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let empty = state.withLock { state in
                guard state.inFlight > 0 else { return true }
                state.drainWaiter = continuation
                return false
            }
            if empty { continuation.resume() }
        }
    }

    var tally: Tally { state.withLock { $0.tally } }
}
