import Basics
import CMosquitto
import Logging
import Synchronization

extension MQTTClient {
    enum Phase: Equatable {
        case idle, running, stopping, finished
    }

    struct State {
        var phase: Phase = .idle
        /// The broker accepted the current connection (CONNACK success).
        var connected = false
        /// Why the broker refused the current connection, if it did.
        var refusal: String?
        /// libmosquitto's latest error log line (OpenSSL's reason for a failed handshake, for instance).
        var lastErrorLog: String?
        var pendingSubscriptions: [Int32: String] = [:]
        var deliveries: [Int32: TrackedDelivery] = [:]
        /// Tracked publishes between libmosquitto's publish call and their registration in `deliveries`.
        var registering = 0
        /// Acknowledgements that arrived for no registered delivery while some publish was registering: the
        /// broker can answer before the publisher registers its message id. Emptied whenever none is registering.
        var earlyAcknowledgements: [Int32: Int32] = [:]
        /// Whether the task that fails overdue deliveries runs (only while some are pending).
        var sweeping = false
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
        var disconnectSent = false
        /// The connection attempt a watchdog may abort, and whether it did.
        var connectAttempt = 0
        var connectAborted = false
        /// Why the gate could not keep the messages of the current connection, which was then cut.
        var commitFailure: String?

        /// A tracked publish is registered (or gave up); with none left registering, early acknowledgements
        /// belong to nobody (untracked publishes) and are dropped.
        mutating func endRegistration() {
            registering -= 1
            if registering == 0, !earlyAcknowledgements.isEmpty {
                earlyAcknowledgements.removeAll()
            }
        }
    }

    /// State shared by the caller's threads, the network thread and libmosquitto's callbacks.
    final class Shared: Sendable {
        let state = Mutex(State())
        let continuation: AsyncStream<MQTTEvent>.Continuation
        let logger: Logger
        let options: MQTTOptions
        let gate: (any MQTTInboundGate)?
        private let handle = Mutex<Mosquitto?>(nil)
        /// The gate's failures repeat at every reconnect while the cause lasts (a full disk): one line a minute.
        private let commitLog = Mutex(LogThrottle(interval: .seconds(60)))

        init(
            continuation: AsyncStream<MQTTEvent>.Continuation, logger: Logger, options: MQTTOptions,
            gate: (any MQTTInboundGate)?
        ) {
            self.continuation = continuation
            self.logger = logger
            self.options = options
            self.gate = gate
        }

        /// Hands a received message to the gate, if there is one, else to ``MQTTClient/events``.
        func received(_ message: MQTTMessage) {
            if let gate {
                gate.receive(message)
            } else {
                emit(.message(message))
            }
        }

        /// Runs between reading and writing: the gate commits what it received before the PUBACKs go out.
        func commitInbound() -> Bool {
            guard let gate else { return true }
            do {
                try gate.commit()
                return true
            } catch {
                state.withLock { $0.commitFailure = "\(error)" }
                if let held = commitLog.withLock({ $0.admit() }) {
                    logger.error(
                        "\(Self.commitFailureLine)",
                        metadata: [
                            "mqtt.endpoint": "\(options.endpoint)", "error": "\(error)",
                            "mqtt.suppressed": "\(held)",
                        ])
                }
                return false
            }
        }

        static let commitFailureLine =
            "could not keep the messages just received; dropping the connection unacknowledged so the broker"
            + " redelivers them"

        /// Why the gate failed to keep the messages of the connection that just ended, if it did; cleared.
        func takeCommitFailure() -> String? {
            state.withLock { state in
                defer { state.commitFailure = nil }
                return state.commitFailure
            }
        }

        /// Weakly links the handle so callbacks can subscribe without a reference cycle.
        func attach(_ mosquitto: Mosquitto) {
            handle.withLock { $0 = mosquitto }
        }

        func detach() {
            handle.withLock { $0 = nil }
        }

        func emit(_ event: MQTTEvent) {
            continuation.yield(event)
        }

        func callbacks() -> Mosquitto.Callbacks {
            Mosquitto.Callbacks(
                connect: { [weak self] rc in self?.connected(rc) },
                message: { [weak self] message in self?.received(message) },
                subscribe: { [weak self] mid, granted in self?.subscribed(mid: mid, granted: granted) },
                publish: { [weak self] mid, reasonCode in self?.delivered(mid: mid, reasonCode: reasonCode) },
                log: { [weak self] level, text in self?.log(level: level, text: text) }
            )
        }

        private func connected(_ rc: Int32) {
            guard rc == 0 else {
                let reason = "broker refused the connection: \(String(cString: mosquitto_connack_string(rc)))"
                state.withLock { $0.refusal = reason }
                return
            }
            let mosquitto = handle.withLock { $0 }
            state.withLock { state in
                state.connected = true
                state.refusal = nil
                state.pendingSubscriptions = [:]
                state.connectAttempt += 1  // CONNACK: the connect watchdog has nothing left to guard
            }
            emit(.connected)
            guard let mosquitto else { return }
            if logger.logLevel > .debug {
                mosquitto.forwardLog(false)
            }
            if options.subscriptions.isEmpty {
                emit(.subscribed)
                return
            }
            for subscription in options.subscriptions {
                let (rc, mid) = mosquitto.subscribe(subscription)
                if rc == MOSQ_ERR_SUCCESS.rawValue {
                    state.withLock { $0.pendingSubscriptions[mid] = subscription.topicFilter }
                } else {
                    logger.error(
                        "cannot subscribe",
                        metadata: ["mqtt.topic": "\(subscription.topicFilter)", "mqtt.error": "\(MQTTError.text(rc))"])
                }
            }
        }

        private func subscribed(mid: Int32, granted: [Int32]) {
            let (filter, done) = state.withLock { state -> (String?, Bool) in
                let filter = state.pendingSubscriptions.removeValue(forKey: mid)
                return (filter, state.pendingSubscriptions.isEmpty)
            }
            guard let filter else { return }
            // 0x80 in a SUBACK is the broker's "failure" for that filter (its ACL or policy refused it).
            if granted.contains(where: { $0 >= 0x80 }) {
                emit(.subscriptionRefused(topicFilter: filter))
            } else if done {
                emit(.subscribed)
            }
        }

        private func log(level: Int32, text: String) {
            if level == MOSQ_LOG_ERR {
                state.withLock { $0.lastErrorLog = text }
            }
            logger.debug("libmosquitto: \(text)")
        }

        /// Marks the connection closed; returns the broker's refusal and the last error log, if any.
        func connectionClosed() -> (refusal: String?, lastError: String?) {
            state.withLock { state in
                let result = (state.refusal, state.lastErrorLog)
                state.connected = false
                state.refusal = nil
                state.lastErrorLog = nil
                state.disconnectSent = false
                return result
            }
        }

        /// Arms a watchdog that aborts the connection attempt (TCP, TLS handshake, CONNECT → CONNACK) if it has
        /// not been accepted within `timeout`; returns the attempt number.
        func startConnectWatchdog(_ mosquitto: Mosquitto, timeout: Duration) -> Int {
            let attempt = state.withLock { state in
                state.connectAttempt += 1
                state.connectAborted = false
                return state.connectAttempt
            }
            Task.detached { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil, let self else { return }
                self.state.withLock { state in
                    // Under the lock, so the network thread cannot finish the attempt (and close the socket) meanwhile.
                    guard state.connectAttempt == attempt else { return }
                    state.connectAborted = mosquitto.abortHandshake()
                }
            }
            return attempt
        }

        /// Disarms the watchdog of `attempt`; returns whether it aborted the connect.
        func stopConnectWatchdog(_ attempt: Int) -> Bool {
            state.withLock { state in
                let aborted = state.connectAttempt == attempt && state.connectAborted
                state.connectAttempt += 1
                return aborted
            }
        }

        var isConnectedNow: Bool { state.withLock { $0.connected } }

        var isStopping: Bool { state.withLock { $0.phase != .running } }

        /// Sends DISCONNECT once, from whichever thread sees the stop first while connected.
        func requestDisconnect() {
            let mosquitto = handle.withLock { $0 }
            let send = state.withLock { state in
                guard state.connected, !state.disconnectSent else { return false }
                state.disconnectSent = true
                return true
            }
            if send, let mosquitto {
                _ = mosquitto.disconnect()
            }
        }

        func finish() {
            let (waiters, deliveries) = state.withLock { state in
                state.phase = .finished
                let result = (state.finishWaiters, state.deliveries)
                state.finishWaiters = []
                state.deliveries = [:]
                return result
            }
            for delivery in deliveries.values {
                delivery.complete(.failure(MQTTError(.shutDown, "the MQTT client was shut down")))
            }
            continuation.finish()
            waiters.forEach { $0.resume() }
        }

        func waitUntilFinished(timeout: Duration) async {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                        let finished = self.state.withLock { state in
                            if state.phase == .finished { return true }
                            state.finishWaiters.append(waiter)
                            return false
                        }
                        if finished { waiter.resume() }
                    }
                }
                group.addTask {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    guard self.state.withLock({ $0.phase != .finished }) else { return }
                    self.logger.warning("MQTT network thread did not stop within \(timeout); continuing shutdown")
                    self.finish()
                }
                await group.next()
                group.cancelAll()
            }
        }

        /// Runs `publish` and registers its message id for acknowledgement.
        func publishTracked(
            timeout: Duration, onComplete: (@Sendable (Result<Void, MQTTError>) -> Void)? = nil,
            _ publish: () throws(MQTTError) -> Int32
        ) throws(MQTTError) -> Delivery {
            let delivery = Delivery(timeout: timeout, onComplete: onComplete)
            let (_, error) = track(count: 1, { _ in .single(delivery) }) { _ throws(MQTTError) -> Int32 in try publish() }
            if let error { throw error }
            return delivery
        }

        /// Runs `publish` for each of `count` messages in order and registers their message ids, as one batch: one
        /// registration and no object per message. Returns how many were published, and the error that stopped the
        /// rest (those get no `onComplete` call).
        func publishTracked(
            batch count: Int, timeout: Duration, onComplete: @escaping @Sendable (Int, Result<Void, MQTTError>) -> Void,
            _ publish: (Int) throws(MQTTError) -> Int32
        ) -> (published: Int, error: MQTTError?) {
            let batch = DeliveryBatch(timeout: timeout, onComplete: onComplete)
            return track(count: count, { .member(batch, index: $0) }, publish)
        }

        /// Publishes and registers for acknowledgement.
        ///
        /// libmosquitto's publish runs outside the lock: it walks libmosquitto's list of outgoing messages, and the
        /// network thread takes the lock for every acknowledgement. An acknowledgement that comes back before its
        /// registration is kept in `earlyAcknowledgements` for it.
        private func track(
            count: Int, _ tracked: (Int) -> TrackedDelivery, _ publish: (Int) throws(MQTTError) -> Int32
        ) -> (published: Int, error: MQTTError?) {
            let running = state.withLock { state in
                guard state.phase == .running else { return false }
                state.registering += 1
                return true
            }
            guard running else { return (0, MQTTError(.shutDown, "the MQTT client is shut down")) }
            var mids: [Int32] = []
            mids.reserveCapacity(count)
            var failure: MQTTError?
            for index in 0..<count {
                do throws(MQTTError) {
                    mids.append(try publish(index))
                } catch {
                    failure = error
                    break
                }
            }
            var settled: [(TrackedDelivery, Result<Void, MQTTError>)] = []
            let startSweeper = state.withLock { state -> Bool in
                defer { state.endRegistration() }
                for (index, mid) in mids.enumerated() {
                    let delivery = tracked(index)
                    if let reasonCode = state.earlyAcknowledgements.removeValue(forKey: mid) {
                        settled.append((delivery, Self.result(reasonCode: reasonCode)))
                    } else if state.phase == .finished {
                        settled.append((delivery, .failure(MQTTError(.shutDown, "the MQTT client was shut down"))))
                    } else {
                        state.deliveries[mid] = delivery
                    }
                }
                guard !state.sweeping, !state.deliveries.isEmpty else { return false }
                state.sweeping = true
                return true
            }
            for (delivery, result) in settled {
                delivery.complete(result)
            }
            if startSweeper {
                Task.detached { [self] in await sweepExpiredDeliveries() }
            }
            return (mids.count, failure)
        }

        /// How often overdue deliveries are looked for: a publish fails at most this much after its timeout.
        static let sweepInterval = Duration.milliseconds(50)

        /// Fails deliveries whose deadline passed, every ``sweepInterval`` while any is pending; ends when none is
        /// left (the next tracked publish starts it again), so an idle client has no timer at all.
        private func sweepExpiredDeliveries() async {
            while true {
                try? await Task.sleep(for: Self.sweepInterval)
                let now = ContinuousClock.now
                let (expired, finished) = state.withLock { state -> ([TrackedDelivery], Bool) in
                    let expired = state.deliveries.filter { $0.value.deadline <= now }
                    for mid in expired.keys {
                        state.deliveries.removeValue(forKey: mid)
                    }
                    if state.deliveries.isEmpty {
                        state.sweeping = false
                    }
                    return (Array(expired.values), !state.sweeping)
                }
                for delivery in expired {
                    delivery.expire()
                }
                if finished { return }
            }
        }

        private func delivered(mid: Int32, reasonCode: Int32) {
            let delivery = state.withLock { state -> TrackedDelivery? in
                if let delivery = state.deliveries.removeValue(forKey: mid) { return delivery }
                if state.registering > 0 { state.earlyAcknowledgements[mid] = reasonCode }
                return nil
            }
            delivery?.complete(Self.result(reasonCode: reasonCode))
        }

        /// A PUBACK's reason code as an outcome: ≥ 0x80 is the broker's refusal (MQTT v5).
        private static func result(reasonCode: Int32) -> Result<Void, MQTTError> {
            guard reasonCode >= 0x80 else { return .success(()) }
            let reason = String(cString: mosquitto_reason_string(reasonCode))
            return .failure(
                MQTTError(.refused, "the broker refused the message: \(reason) (0x\(String(reasonCode, radix: 16)))"))
        }
    }
}
