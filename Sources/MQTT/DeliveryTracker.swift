/// The tracked publishes that await their acknowledgement, by message id: a pure value that ``ClientCore`` keeps
/// under a lock of its own (acknowledgements come at thousands a second and need nothing of the connection's
/// state), and whose answers it performs — completing deliveries, starting the sweeper.
///
/// A publish is registered *after* libmosquitto's publish call returned its message id, outside any lock (the
/// call walks libmosquitto's list of outgoing messages, and the network thread takes the lock for every
/// acknowledgement), so the acknowledgement can come first. While some publish is between its call and its
/// registration (``beginRegistration()`` … ``endRegistration()``), an acknowledgement for no registered delivery
/// is kept for it; with none registering, such acknowledgements belong to untracked publishes and are dropped.
///
/// Generic over the delivery and the instant so tests need neither continuations nor a clock.
struct DeliveryTracker<Delivery, Instant: Comparable> {
    /// What became of a delivery at its registration.
    enum Registration {
        /// Pending until its acknowledgement, the sweep or the close.
        case pending
        /// Its acknowledgement came first, with this reason code (≥ 0x80: the broker refused it).
        case acknowledged(reasonCode: Int32)
        /// The tracker was closed (the client shut down) before it was registered.
        case closed
    }

    private struct Entry {
        var delivery: Delivery
        var deadline: Instant
    }

    private var pending: [Int32: Entry] = [:]
    /// Tracked publishes between their publish call and their registration.
    private(set) var registering = 0
    /// Acknowledgements that arrived for no registered delivery while some publish was registering.
    private(set) var earlyAcknowledgements: [Int32: Int32] = [:]
    /// Whether the sweeper runs (only while deliveries are pending).
    private(set) var sweeping = false
    /// Closed by the shutdown: nothing is registered any more.
    private(set) var isClosed = false

    init() {}

    /// How many deliveries await their acknowledgement.
    var pendingCount: Int { pending.count }

    /// Whether message `mid` awaits its acknowledgement.
    func isPending(_ mid: Int32) -> Bool { pending[mid] != nil }

    /// A tracked publish is about to call libmosquitto.
    mutating func beginRegistration() {
        registering += 1
    }

    /// Registers `delivery` under message id `mid`, due by `deadline`.
    mutating func register(_ delivery: Delivery, mid: Int32, deadline: Instant) -> Registration {
        if let reasonCode = earlyAcknowledgements.removeValue(forKey: mid) {
            return .acknowledged(reasonCode: reasonCode)
        }
        if isClosed { return .closed }
        pending[mid] = Entry(delivery: delivery, deadline: deadline)
        return .pending
    }

    /// The publish that ``beginRegistration()`` announced registered what it published (or gave up). Returns
    /// whether to start the sweeper: deliveries are pending and none runs.
    mutating func endRegistration() -> Bool {
        registering -= 1
        if registering == 0, !earlyAcknowledgements.isEmpty {
            earlyAcknowledgements.removeAll()
        }
        guard !sweeping, !pending.isEmpty else { return false }
        sweeping = true
        return true
    }

    /// The broker acknowledged message `mid` (or libmosquitto wrote out a QoS 0 one): its delivery to complete,
    /// if one is registered.
    mutating func acknowledged(_ mid: Int32, reasonCode: Int32) -> Delivery? {
        if let entry = pending.removeValue(forKey: mid) { return entry.delivery }
        if registering > 0 { earlyAcknowledgements[mid] = reasonCode }
        return nil
    }

    /// Takes out the deliveries whose deadline is not after `now`, to fail; `sweeping` is false when the sweeper
    /// should end (none left pending — the next registration starts it again).
    mutating func sweep(now: Instant) -> (expired: [Delivery], sweeping: Bool) {
        var expired: [Delivery] = []
        for (mid, entry) in pending where entry.deadline <= now {
            pending.removeValue(forKey: mid)
            expired.append(entry.delivery)
        }
        if pending.isEmpty { sweeping = false }
        return (expired, sweeping)
    }

    /// The client shut down: takes out every pending delivery, to fail; later registrations are
    /// ``Registration/closed``.
    mutating func close() -> [Delivery] {
        isClosed = true
        defer { pending = [:] }
        return pending.values.map(\.delivery)
    }
}
