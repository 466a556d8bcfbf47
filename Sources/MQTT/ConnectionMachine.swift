import Basics

/// The life of an ``MQTTClient``'s connection as a pure state machine: events in, actions out, time and the
/// back-off's randomness passed in. No lock, no I/O: ``ClientCore`` keeps it under its lock, feeds it what the
/// caller's threads, the network thread, libmosquitto's callbacks and the connect watchdog see, and performs the
/// actions it returns, in order.
///
/// - The network thread asks for the ``nextAttempt()``: connect (arming a watchdog), or end once stopping.
/// - An attempt is accepted by a successful CONNACK, and ends with ``attemptEnded(_:random:)``: reported as a
///   failed connect (backed off, the back-off growing) or a lost connection (a short pause, the back-off reset).
/// - The watchdog aborts an attempt the broker has not accepted within the connect timeout; a CONNACK that
///   comes after that is ignored (its socket is already shut).
/// - A connection cut because the inbound gate could not keep its messages is backed off like a failed connect.
/// - ``stop()`` sends DISCONNECT once if connected; the thread's end fails pending deliveries and finishes events.
struct ConnectionMachine: Sendable {
    /// Where the client is in its life.
    enum Phase: Sendable, Equatable {
        /// Made, not started: nothing touches the network.
        case idle
        /// The network thread connects, serves and reconnects.
        case running
        /// Stop requested: the network thread winds down (DISCONNECT if connected) and then ends.
        case stopping
        /// The network thread ended (or was given up on); events are finished.
        case finished
    }

    /// What the network thread's connection is doing.
    enum Link: Sendable, Equatable {
        /// No attempt yet.
        case offline
        /// Attempt under way: TCP, TLS handshake, CONNECT → CONNACK.
        case connecting(Attempt)
        /// The broker accepted the connection (CONNACK success).
        case connected(disconnectSent: Bool)
        /// An attempt ended; the thread pauses (``Action/wait(_:)``) before the next.
        case waitingToReconnect
    }

    /// One connection attempt, from the connect call to the CONNACK.
    struct Attempt: Sendable, Equatable {
        /// Counts every attempt of the client; the watchdog names the attempt it guards with it.
        var number: Int
        /// The watchdog shut the attempt's socket down: it ends as "no answer".
        var aborted = false
        /// Why the broker refused the attempt (its CONNACK), if it did.
        var refusal: String?
    }

    enum Action: Sendable, Equatable {
        /// Start the network thread.
        case startNetworkThread
        /// Start a watchdog that feeds ``ConnectionMachine/watchdogFired(attempt:)`` after `timeout`.
        case armWatchdog(attempt: Int, timeout: Duration)
        /// Connect (`fresh`: with host and port; else libmosquitto's reconnect); `backoffStep` is for the log.
        case connect(attempt: Int, fresh: Bool, backoffStep: Int)
        /// Shut the attempt's socket down now, under the lock (so the attempt cannot end and its socket be
        /// reused meanwhile); if there was one, feed ``ConnectionMachine/handshakeAborted(attempt:)``.
        case abortHandshake(attempt: Int)
        /// Yield the event on ``MQTTClient/events``.
        case emit(MQTTEvent)
        /// Report a failed attempt: ``MQTTEvent/connectFailed(reason:retryIn:)``.
        case reportConnectFailed(Reason, retryIn: Duration)
        /// Report the end of an accepted connection: ``MQTTEvent/connectionLost(reason:)``.
        case reportConnectionLost(Reason)
        /// Stop forwarding libmosquitto's log (connected: it would format a line per packet) unless debugging.
        case muteLibraryLog
        /// Subscribe every configured filter, feeding ``ConnectionMachine/subscriptionSent(mid:topicFilter:)``.
        case subscribeAll
        /// Send DISCONNECT.
        case sendDisconnect
        /// Log that the gate could not keep what arrived; `suppressed` lines were held back since the last one.
        case logCommitFailure(error: String, suppressed: Int)
        /// Pause the network thread this long before the next attempt (ending early when stopping).
        case wait(Duration)
        /// Wait (bounded) until the network thread ends.
        case awaitNetworkThread
        /// Warn that the network thread did not end in time.
        case warnNetworkThreadStuck
        /// The network thread returns.
        case endNetworkThread
        /// Fail every pending delivery: the client is shut down.
        case failPendingDeliveries
        /// Finish ``MQTTClient/events`` and wake whoever waits for the end.
        case finishEvents
    }

    private(set) var phase = Phase.idle
    private(set) var link = Link.offline
    /// Attempts made so far (the last one's number).
    private(set) var attempts = 0
    /// Failed attempts since the last connection that ended normally: the back-off's exponent.
    private(set) var backoffStep = 0
    /// Whether a connect call ever succeeded: from then on libmosquitto reconnects with what it has.
    private(set) var everConnected = false
    /// libmosquitto's latest error log line (OpenSSL's reason for a failed handshake, for instance).
    private(set) var lastErrorLog: String?
    /// Why the gate could not keep the messages of the current connection, which was then cut.
    private(set) var commitFailure: String?
    /// Subscriptions sent on the current connection and not yet answered, by message id.
    private(set) var pendingSubscriptions: [Int32: String] = [:]
    /// The gate's failures repeat at every reconnect while the cause lasts (a full disk): one line a minute.
    private var commitLog = LogThrottle(interval: .seconds(60))

    let backoff: CappedBackoff
    let connectTimeout: Duration
    /// Whether any filter is to be subscribed after each CONNACK.
    let subscribes: Bool

    init(backoff: CappedBackoff, connectTimeout: Duration, subscribes: Bool) {
        self.backoff = backoff
        self.connectTimeout = connectTimeout
        self.subscribes = subscribes
    }

    var isRunning: Bool { phase == .running }
    var isConnected: Bool { if case .connected = link { true } else { false } }

    // MARK: The caller's threads

    /// ``MQTTClient/start()``: only the first call starts.
    mutating func start() -> [Action] {
        guard phase == .idle else { return [] }
        phase = .running
        return [.startNetworkThread]
    }

    /// ``MQTTClient/disconnect(timeout:)``. A running client winds down on its network thread; any other
    /// (never started, or already stopping — a second call does not wait again) finishes at once.
    mutating func stop() -> [Action] {
        guard phase == .running else {
            phase = .finished
            return [.failPendingDeliveries, .finishEvents]
        }
        phase = .stopping
        return disconnectIfConnected() + [.awaitNetworkThread]
    }

    /// The network thread did not end within ``MQTTClient/disconnect(timeout:)``'s timeout.
    mutating func stopTimedOut() -> [Action] {
        guard phase != .finished else { return [] }
        phase = .finished
        return [.warnNetworkThreadStuck, .failPendingDeliveries, .finishEvents]
    }

    // MARK: The network thread

    /// The thread is ready for an attempt: connect, or end when stopping.
    mutating func nextAttempt() -> [Action] {
        guard phase == .running else {
            phase = .finished
            link = .offline
            return [.endNetworkThread, .failPendingDeliveries, .finishEvents]
        }
        attempts += 1
        link = .connecting(Attempt(number: attempts))
        return [
            .armWatchdog(attempt: attempts, timeout: connectTimeout),
            .connect(attempt: attempts, fresh: !everConnected, backoffStep: backoffStep),
        ]
    }

    /// The blocking connect call succeeded: the CONNACK comes through the network loop.
    mutating func connectCallSucceeded() {
        everConnected = true
    }

    /// A turn of the network loop begins: a stop that came while connecting sends its DISCONNECT now.
    mutating func loopTurn() -> [Action] {
        guard phase != .running else { return [] }
        return disconnectIfConnected()
    }

    /// The attempt or connection ended; `random` (0…1) is the back-off's jitter.
    mutating func attemptEnded(_ end: AttemptEnd, random: Double) -> [Action] {
        var accepted = false
        var attempt = Attempt(number: attempts)
        switch link {
        case .connecting(let current): attempt = current
        case .connected: accepted = true
        case .offline, .waitingToReconnect: break
        }
        let lastError = lastErrorLog
        let commitFailure = commitFailure
        link = .waitingToReconnect
        lastErrorLog = nil
        self.commitFailure = nil
        switch end {
        case .connectFailed(let failure):
            return backOff(attempt.aborted ? .noAnswer : .failure(failure, lastError: lastError), random: random)
        case .loopEnded(let failure, let notAccepted):
            if accepted, let commitFailure, phase == .running {
                // Cut because the gate could not keep what arrived (a full disk, a read-only queue): the broker
                // redelivers it at once, so the next connection would fail the same way. Backed off like a
                // refused connection, the back-off growing until a connection ends for another reason.
                let delay = backoff.delay(attempt: backoffStep, random: random)
                backoffStep += 1
                return [.reportConnectionLost(.commitFailed(commitFailure)), .wait(delay)]
            }
            if accepted {
                backoffStep = 0
                let reason = phase == .running ? Reason.failure(failure, lastError: lastError) : .disconnectedByClient
                // Not at once: a broker that just died can still complete a TCP handshake from its dying
                // listener, and that connection then never answers (seen here: a 10 s stall until the accept
                // deadline). One initial back-off step (50–100 ms) clears that window.
                return [.reportConnectionLost(reason), .wait(backoff.delay(attempt: 0, random: random))]
            }
            guard phase == .running else { return [] }
            let reason =
                attempt.aborted || notAccepted
                ? Reason.noAnswer : attempt.refusal.map(Reason.refused) ?? .failure(failure, lastError: lastError)
            return backOff(reason, random: random)
        }
    }

    private mutating func backOff(_ reason: Reason, random: Double) -> [Action] {
        let delay = backoff.delay(attempt: backoffStep, random: random)
        backoffStep += 1
        return [.reportConnectFailed(reason, retryIn: delay), .wait(delay)]
    }

    private mutating func disconnectIfConnected() -> [Action] {
        guard case .connected(disconnectSent: false) = link else { return [] }
        link = .connected(disconnectSent: true)
        return [.sendDisconnect]
    }

    // MARK: libmosquitto's callbacks (on the network thread)

    /// A successful CONNACK. One for an attempt the watchdog aborted is ignored: its socket is shut, so the
    /// attempt ends as "no answer", not as a connection that was lost.
    mutating func connackAccepted() -> [Action] {
        guard case .connecting(let attempt) = link, !attempt.aborted else { return [] }
        link = .connected(disconnectSent: false)
        pendingSubscriptions = [:]
        return [.emit(.connected), .muteLibraryLog, subscribes ? .subscribeAll : .emit(.subscribed)]
    }

    /// A CONNACK refusing the connection; the attempt then ends and is reported with `reason`.
    mutating func connackRefused(_ reason: String) {
        guard case .connecting(var attempt) = link else { return }
        attempt.refusal = reason
        link = .connecting(attempt)
    }

    /// A SUBSCRIBE for `topicFilter` went out as message `mid`.
    mutating func subscriptionSent(mid: Int32, topicFilter: String) {
        pendingSubscriptions[mid] = topicFilter
    }

    /// A SUBACK; a granted QoS ≥ 0x80 is the broker's "failure" for that filter (its ACL or policy refused it).
    mutating func subscriptionAnswered(mid: Int32, granted: [Int32]) -> [Action] {
        guard let filter = pendingSubscriptions.removeValue(forKey: mid) else { return [] }
        if granted.contains(where: { $0 >= 0x80 }) {
            return [.emit(.subscriptionRefused(topicFilter: filter))]
        }
        return pendingSubscriptions.isEmpty ? [.emit(.subscribed)] : []
    }

    /// libmosquitto logged an error (kept to explain a failed attempt).
    mutating func libraryErrorLogged(_ text: String) {
        lastErrorLog = text
    }

    /// The inbound gate could not keep the messages just read at `now`; the network loop cuts the connection.
    mutating func commitFailed(_ error: String, now: ContinuousClock.Instant) -> [Action] {
        commitFailure = error
        guard let held = commitLog.admit(now: now) else { return [] }
        return [.logCommitFailure(error: error, suppressed: held)]
    }

    // MARK: The connect watchdog

    /// The watchdog of `attempt` fired: abort it if it is still waiting to be accepted.
    func watchdogFired(attempt: Int) -> [Action] {
        guard case .connecting(let current) = link, current.number == attempt, !current.aborted else { return [] }
        return [.abortHandshake(attempt: attempt)]
    }

    /// ``Action/abortHandshake(attempt:)`` shut the socket of `attempt` down.
    mutating func handshakeAborted(attempt: Int) {
        guard case .connecting(var current) = link, current.number == attempt else { return }
        current.aborted = true
        link = .connecting(current)
    }
}
