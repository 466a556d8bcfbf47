import Basics
import DriveProtocol

/// One robot's control lease, as a pure state machine: one principal drives at a time (`docs/SERVER.md`, "One driver
/// at a time").
///
/// The first principal whose motion (or `release`) comes while nobody holds the lease takes it; each of its commands
/// refreshes it; a lease without a command for ``idleSeconds`` has expired and is free. Another principal's motion is
/// refused, naming the holder. Stops and emergency stops are always allowed and never take or refresh the lease. A
/// principal may ask the holder for control (one pending request at a time), and the holder hands over, declines or
/// releases; an admin takes over at once (the shell checks the role).
///
/// Time is passed in: `now` (monotonic) for idleness, `time` (the wall clock) for what the lease shows (`since`,
/// `at`). The state is a plain value (``holder``, ``request``) and each event returns the ``Change`` it made, so
/// ``ClusterLeases`` shares the lease between robot-server instances by publishing the value (a retained MQTT message
/// per robot) after each change. An expired holder is treated as absent by every event (lazy expiry); the shell's
/// sweep calls ``expire(now:)`` each second so that viewers hear of it.
struct ControlLease: Sendable, Equatable {
    /// Who drives or asks: a principal's identity (``SignalingHub/identity(of:)``: `token:home`, `jwt:alice`; nil
    /// when authentication is disabled, where everyone is the same principal) and its display name.
    struct Driver: Sendable, Equatable {
        var identity: String?
        var name: String
    }

    struct Holder: Sendable, Equatable {
        var driver: Driver
        /// When it took the lease (wall clock), as shown.
        var since: Timestamp
        /// Its last command that took or refreshed the lease (monotonic): idleness counts from here.
        var lastCommand: ContinuousClock.Instant
    }

    /// A principal asking the holder for control.
    struct Request: Sendable, Equatable {
        var driver: Driver
        var at: Timestamp
    }

    /// What an event changed, for the viewers to hear (a refresh of the holder's lease is not a change).
    enum Change: Sendable, Equatable {
        /// Someone took the free (or expired) lease.
        case taken
        /// The holder gave it to the principal who asked.
        case handedOver
        /// The holder let it go.
        case released
        /// The holder sent nothing for `idleSeconds`.
        case expired
        /// An admin took it.
        case takenOver
        /// Someone asked the holder for control.
        case requested
        /// The holder kept control and the request was dropped.
        case declined
    }

    /// Why an event was refused (the shell answers 409).
    enum Refusal: Error, Sendable, Equatable {
        /// A motion or release while someone else holds the lease.
        case heldByAnother(Holder)
        /// A holder's action (handover, decline, release) from someone who does not hold the lease (nil: nobody does).
        case notTheHolder(Holder?)
        /// A handover with no pending request.
        case nobodyAsked
    }

    /// How long a lease lasts without a command (`control.idleSeconds`).
    let idleSeconds: Int
    private(set) var holder: Holder?
    /// Only while someone else holds the lease.
    private(set) var request: Request?

    init(idleSeconds: Int) {
        self.idleSeconds = idleSeconds
    }

    /// A lease as another robot-server instance published it (``ClusterLeases``): a replica, or where a new owner
    /// starts from.
    init(idleSeconds: Int, holder: Holder?, request: Request?) {
        self.idleSeconds = idleSeconds
        self.holder = holder
        self.request = holder == nil ? nil : request
    }

    /// Whether `holder` has gone `idleSeconds` without a command at `now`.
    func isIdle(_ holder: Holder, now: ContinuousClock.Instant) -> Bool {
        now - holder.lastCommand >= .seconds(idleSeconds)
    }

    /// The holder at `now`: nil if nobody holds the lease or it has expired.
    func holder(at now: ContinuousClock.Instant) -> Holder? {
        holder.flatMap { isIdle($0, now: now) ? nil : $0 }
    }

    /// The sweep: frees an idle lease (and drops the request made to its holder).
    mutating func expire(now: ContinuousClock.Instant) -> Change? {
        guard let holder, isIdle(holder, now: now) else { return nil }
        self.holder = nil
        request = nil
        return .expired
    }

    /// A drive command from `driver`: stops and emergency stops always pass and change nothing; a motion or a release
    /// takes a free lease, refreshes the driver's own, or is refused while another holds it.
    mutating func command(
        _ intent: DriveCommand.Intent, from driver: Driver, now: ContinuousClock.Instant, at time: Timestamp
    ) throws(Refusal) -> Change? {
        switch intent {
        case .stop, .emergencyStop:
            return nil
        case .motion, .release:
            switch holder(at: now) {
            case nil:
                take(for: driver, now: now, at: time)
                return .taken
            case let current? where current.driver == driver:
                holder?.lastCommand = now
                return nil
            case let current?:
                throw .heldByAnother(current)
            }
        }
    }

    /// `driver` asks for control: a free lease is its at once (``Change/taken``), its own is unchanged, another's gets
    /// the request (replacing an older one; ``Change/requested``).
    mutating func request(
        from driver: Driver, now: ContinuousClock.Instant, at time: Timestamp
    ) -> Change? {
        switch holder(at: now) {
        case nil:
            take(for: driver, now: now, at: time)
            return .taken
        case let current? where current.driver == driver:
            return nil
        case _?:
            request = Request(driver: driver, at: time)
            return .requested
        }
    }

    /// The holder gives the lease to whoever asked; it is theirs from now.
    mutating func handover(
        from driver: Driver, now: ContinuousClock.Instant, at time: Timestamp
    ) throws(Refusal) -> Change {
        try checkHolder(driver, now: now)
        guard let request else { throw .nobodyAsked }
        take(for: request.driver, now: now, at: time)
        return .handedOver
    }

    /// The holder keeps control: the pending request (if any) is dropped.
    mutating func decline(from driver: Driver, now: ContinuousClock.Instant) throws(Refusal) -> Change? {
        try checkHolder(driver, now: now)
        guard request != nil else { return nil }
        request = nil
        return .declined
    }

    /// The holder lets go: nobody drives, and a pending request is dropped (its page may ask again, and will get the
    /// lease at once).
    mutating func release(from driver: Driver, now: ContinuousClock.Instant) throws(Refusal) -> Change {
        try checkHolder(driver, now: now)
        holder = nil
        request = nil
        return .released
    }

    /// An admin takes the lease at once; a pending request is dropped. An admin who holds it already keeps its
    /// `since`.
    mutating func takeover(by driver: Driver, now: ContinuousClock.Instant, at time: Timestamp) -> Change? {
        if let current = holder(at: now), current.driver == driver {
            holder?.lastCommand = now
            guard request != nil else { return nil }
            request = nil
            return .declined
        }
        take(for: driver, now: now, at: time)
        return .takenOver
    }

    /// Any event, by name: what a robot-server instance asks the lease's owner to decide (``ClusterLeases``).
    enum Event: Sendable, Equatable {
        case command(DriveCommand.Intent)
        case request, handover, decline, release, takeover
    }

    /// Runs `event` from `driver` (the functions above).
    mutating func apply(
        _ event: Event, from driver: Driver, now: ContinuousClock.Instant, at time: Timestamp
    ) throws(Refusal) -> Change? {
        switch event {
        case .command(let intent): try command(intent, from: driver, now: now, at: time)
        case .request: request(from: driver, now: now, at: time)
        case .handover: try handover(from: driver, now: now, at: time)
        case .decline: try decline(from: driver, now: now)
        case .release: try release(from: driver, now: now)
        case .takeover: takeover(by: driver, now: now, at: time)
        }
    }

    private func checkHolder(_ driver: Driver, now: ContinuousClock.Instant) throws(Refusal) {
        let current = holder(at: now)
        guard let current, current.driver == driver else { throw .notTheHolder(current) }
    }

    private mutating func take(for driver: Driver, now: ContinuousClock.Instant, at time: Timestamp) {
        holder = Holder(driver: driver, since: time, lastCommand: now)
        request = nil
    }
}
