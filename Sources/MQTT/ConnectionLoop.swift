import Basics
import CMosquitto
import Glibc
import Logging
import SystemPackage

extension MQTTClient {
    /// The network thread's life: connect, run the loop until the connection breaks, back off, repeat — each step
    /// asked of the ``ConnectionMachine`` through the ``ClientCore``, which performs what is not the thread's own.
    struct ConnectionLoop {
        let mosquitto: Mosquitto
        let core: ClientCore
        let options: MQTTOptions
        let will: @Sendable () -> MQTTOptions.Will?

        func run() {
            while let plan = nextAttempt() {
                mosquitto.setWill(will())
                mosquitto.forwardLog(true)
                core.logger.debug(
                    "connecting",
                    metadata: ["mqtt.endpoint": "\(options.endpoint)", "mqtt.attempt": "\(plan.backoffStep)"])
                let acceptDeadline = ContinuousClock.now + options.connectTimeout
                let rc =
                    plan.fresh
                    ? mosquitto.connect(host: options.host, port: options.port, keepAlive: options.keepAliveSeconds)
                    : mosquitto.reconnect()
                let code = Errno.current
                let end: ConnectionMachine.AttemptEnd
                if rc == MOSQ_ERR_SUCCESS.rawValue {
                    core.transition { $0.connectCallSucceeded() }
                    if let deadLink = options.deadLinkTimeout { mosquitto.armDeadLink(timeout: deadLink) }
                    let (loopResult, notAccepted) = serve(acceptDeadline: acceptDeadline)
                    end = .loopEnded(.init(code: loopResult, errno: .current), notAccepted: notAccepted)
                } else {
                    end = .connectFailed(.init(code: rc, errno: code))
                }
                core.perform(core.transition { $0.attemptEnded(end, random: .random(in: 0...1)) }) { action in
                    if case .wait(let delay) = action { sleep(delay) }
                }
                if options.deadLinkTimeout != nil {
                    // The path may still be down (an outage): probe it each second until the broker answers, so the
                    // first SYN after its return is a probe's, not TCP's back-off's (``DeadLink``); the watchdog of
                    // the next attempt is armed after this.
                    PathProbe.waitForPath(host: options.host, port: options.port) { core.isRunning }
                }
            }
        }

        /// Asks for the next attempt and arms its watchdog; nil when the thread is to end (the client is
        /// stopping), after the core failed the pending deliveries and finished the events.
        private func nextAttempt() -> (fresh: Bool, backoffStep: Int)? {
            var plan: (fresh: Bool, backoffStep: Int)?
            core.perform(core.transition { $0.nextAttempt() }) { action in
                switch action {
                case .armWatchdog(let attempt, let timeout):
                    core.armWatchdog(mosquitto, attempt: attempt, timeout: timeout)
                case .connect(_, let fresh, let backoffStep):
                    plan = (fresh, backoffStep)
                case .endNetworkThread:
                    core.detach()
                default:
                    preconditionFailure("not the network thread's: \(action)")
                }
            }
            return plan
        }

        /// Runs the network loop until the connection ends; returns libmosquitto's reason, and whether the
        /// broker failed to accept the connection (TLS handshake, CONNACK) by `acceptDeadline`. The deadline is
        /// kept here, on the network thread, so it holds however busy the rest of the process is; the next
        /// connect closes the abandoned socket.
        private func serve(acceptDeadline: ContinuousClock.Instant) -> (Int32, notAccepted: Bool) {
            while true {
                core.perform(core.transition { $0.loopTurn() })
                var timeout: Int32 = 1000
                if !core.isConnected {
                    let remaining = acceptDeadline - ContinuousClock.now
                    guard remaining > .zero else { return (MOSQ_ERR_CONN_LOST.rawValue, true) }
                    timeout = Int32(clamping: min(remaining.milliseconds + 1, 1000))
                }
                let rc = mosquitto.loopStep(timeoutMilliseconds: timeout) { core.commitInbound() }
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    return (rc, false)
                }
            }
        }

        /// Sleeps in short slices so a shutdown request is honoured promptly.
        private func sleep(_ duration: Duration) {
            let deadline = ContinuousClock.now + duration
            while core.isRunning, ContinuousClock.now < deadline {
                let slice = min(deadline - ContinuousClock.now, .milliseconds(20))
                let (seconds, attoseconds) = slice.components
                var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                _ = nanosleep(&request, nil)
            }
        }
    }
}
