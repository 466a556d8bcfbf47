import CMosquitto
import Logging
import Synchronization

/// What an ``MQTTClient``'s caller threads, its network thread, libmosquitto's callbacks and its timer tasks
/// share: the I/O shell around two pure values, each under a lock of its own — the ``ConnectionMachine`` (the
/// connection's life) and the ``DeliveryTracker`` (the publishes awaiting acknowledgement). Every event is fed to
/// one of them under its lock; the actions they answer are performed here, outside the lock.
///
/// Named for what it is, the core of the client that all its threads share; not "session", which in MQTT is
/// what the broker keeps for a client between connections (``MQTTOptions/cleanSession``).
final class ClientCore: Sendable {
    typealias Action = ConnectionMachine.Action

    struct State {
        var connection: ConnectionMachine
        /// ``MQTTClient/disconnect(timeout:)`` calls waiting for the network thread to end.
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let state: Mutex<State>
    let deliveries = Mutex(DeliveryTracker<TrackedDelivery, ContinuousClock.Instant>())
    let continuation: AsyncStream<MQTTEvent>.Continuation
    let logger: Logger
    let options: MQTTOptions
    let gate: (any MQTTInboundGate)?
    /// The handle, for callbacks and other threads; released when the network thread ends.
    private let handle = Mutex<Mosquitto?>(nil)

    init(
        continuation: AsyncStream<MQTTEvent>.Continuation, logger: Logger, options: MQTTOptions,
        gate: (any MQTTInboundGate)?
    ) {
        self.state = Mutex(
            State(
                connection: ConnectionMachine(
                    backoff: options.backoff, connectTimeout: options.connectTimeout,
                    subscribes: !options.subscriptions.isEmpty)))
        self.continuation = continuation
        self.logger = logger
        self.options = options
        self.gate = gate
    }

    /// Feeds an event to the connection machine under the lock; returns what it answers (the actions to perform).
    func transition<Answer>(_ event: (inout ConnectionMachine) -> Answer) -> Answer {
        state.withLock { event(&$0.connection) }
    }

    var isRunning: Bool { state.withLock { $0.connection.isRunning } }
    var isConnected: Bool { state.withLock { $0.connection.isConnected } }

    /// Performs `actions` in order: those any thread may perform here, the others (the network thread's, the
    /// caller's) through `local`.
    func perform(_ actions: [Action], local: (Action) -> Void = { preconditionFailure("not performed: \($0)") }) {
        for action in actions {
            switch action {
            case .emit(let event):
                continuation.yield(event)
            case .reportConnectFailed(let reason, let retryIn):
                continuation.yield(.connectFailed(reason: reason.text(options), retryIn: retryIn))
            case .reportConnectionLost(let reason):
                continuation.yield(.connectionLost(reason: reason.text(options)))
            case .muteLibraryLog:
                if logger.logLevel > .debug {
                    handle.withLock { $0 }?.forwardLog(false)
                }
            case .subscribeAll:
                subscribeAll()
            case .sendDisconnect:
                _ = handle.withLock { $0 }?.disconnect()
            case .logCommitFailure(let error, let suppressed):
                logger.error(
                    "\(Self.commitFailureLine)",
                    metadata: [
                        "mqtt.endpoint": "\(options.endpoint)", "error": "\(error)", "mqtt.suppressed": "\(suppressed)",
                    ])
            case .failPendingDeliveries:
                for delivery in deliveries.withLock({ $0.close() }) {
                    delivery.complete(.failure(MQTTError(.shutDown, "the MQTT client was shut down")))
                }
            case .finishEvents:
                continuation.finish()
                let waiters = state.withLock { state in
                    defer { state.finishWaiters = [] }
                    return state.finishWaiters
                }
                waiters.forEach { $0.resume() }
            case .startNetworkThread, .armWatchdog, .connect, .abortHandshake, .wait, .awaitNetworkThread,
                .warnNetworkThreadStuck, .endNetworkThread:
                local(action)
            }
        }
    }

    static let commitFailureLine =
        "could not keep the messages just received; dropping the connection unacknowledged so the broker"
        + " redelivers them"

    func attach(_ mosquitto: Mosquitto) {
        handle.withLock { $0 = mosquitto }
    }

    func detach() {
        handle.withLock { $0 = nil }
    }

    // MARK: libmosquitto's callbacks (on the network thread)

    func callbacks() -> Mosquitto.Callbacks {
        Mosquitto.Callbacks(
            connect: { [weak self] rc in self?.connack(rc) },
            message: { [weak self] message in self?.received(message) },
            subscribe: { [weak self] mid, granted in
                guard let self else { return }
                perform(transition { $0.subscriptionAnswered(mid: mid, granted: granted) })
            },
            publish: { [weak self] mid, reasonCode in self?.acknowledged(mid: mid, reasonCode: reasonCode) },
            log: { [weak self] level, text in self?.log(level: level, text: text) }
        )
    }

    private func connack(_ rc: Int32) {
        guard rc == 0 else {
            let reason = "broker refused the connection: \(String(cString: mosquitto_connack_string(rc)))"
            state.withLock { $0.connection.connackRefused(reason) }
            return
        }
        perform(transition { $0.connackAccepted() })
    }

    private func subscribeAll() {
        guard let mosquitto = handle.withLock({ $0 }) else { return }
        for subscription in options.subscriptions {
            let (rc, mid) = mosquitto.subscribe(subscription)
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                state.withLock { $0.connection.subscriptionSent(mid: mid, topicFilter: subscription.topicFilter) }
            } else {
                logger.error(
                    "cannot subscribe",
                    metadata: ["mqtt.topic": "\(subscription.topicFilter)", "mqtt.error": "\(MQTTError.text(rc))"])
            }
        }
    }

    /// Hands a received message to the gate, if there is one, else to ``MQTTClient/events``.
    private func received(_ message: MQTTMessage) {
        if let gate {
            gate.receive(message)
        } else {
            continuation.yield(.message(message))
        }
    }

    /// Runs between reading and writing: the gate commits what it received before the PUBACKs go out.
    func commitInbound() -> Bool {
        guard let gate else { return true }
        do {
            try gate.commit()
            return true
        } catch {
            perform(transition { $0.commitFailed("\(error)", now: .now) })
            return false
        }
    }

    private func log(level: Int32, text: String) {
        if level == MOSQ_LOG_ERR {
            state.withLock { $0.connection.libraryErrorLogged(text) }
        }
        logger.debug("libmosquitto: \(text)")
    }

    // MARK: Timers

    /// Arms the watchdog of `attempt`: after `timeout` it aborts the attempt (TCP, TLS handshake, CONNECT →
    /// CONNACK) unless the broker accepted it or it ended.
    func armWatchdog(_ mosquitto: Mosquitto, attempt: Int, timeout: Duration) {
        Task.detached { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil, let self else { return }
            self.state.withLock { state in
                // Under the lock, so the network thread cannot end the attempt (and close the socket) meanwhile.
                for case .abortHandshake(let aborting) in state.connection.watchdogFired(attempt: attempt)
                where mosquitto.abortHandshake() {
                    state.connection.handshakeAborted(attempt: aborting)
                }
            }
        }
    }

    /// Waits until the network thread ended, at most `timeout`; then finishes without it.
    func waitUntilFinished(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let finished = self.state.withLock { state in
                        if state.connection.phase == .finished { return true }
                        state.finishWaiters.append(waiter)
                        return false
                    }
                    if finished { waiter.resume() }
                }
            }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self.perform(self.transition { $0.stopTimedOut() }) { _ in
                    self.logger.warning("MQTT network thread did not stop within \(timeout); continuing shutdown")
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
