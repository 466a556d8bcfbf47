import Synchronization

/// Stable message ids: a per-start random prefix and a counter, unique across restarts and instances without
/// coordination. An id stays with its message through retries, restarts and every target.
final class MessageIDs: Sendable {
    private let prefix = String(UInt64.random(in: 1...UInt64.max), radix: 16)
    private let sequence = Atomic<UInt64>(0)

    func next() -> String {
        "\(prefix)-\(sequence.add(1, ordering: .relaxed).newValue)"
    }
}
