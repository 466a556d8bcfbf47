import Basics
import CMosquitto
import Glibc
import Logging

extension MQTTClient {
    /// The network thread's life: connect, run the loop until the connection breaks, back off, repeat.
    struct ConnectionLoop {
        let mosquitto: Mosquitto
        let shared: Shared
        let options: MQTTOptions
        let will: @Sendable () -> MQTTOptions.Will?

        func run() {
            var attempt = 0
            var everConnected = false
            while !shared.isStopping {
                mosquitto.setWill(will())
                mosquitto.forwardLog(true)
                shared.logger.debug(
                    "connecting", metadata: ["mqtt.endpoint": "\(options.endpoint)", "mqtt.attempt": "\(attempt)"])
                let acceptDeadline = ContinuousClock.now + options.connectTimeout
                let watchdog = shared.startConnectWatchdog(mosquitto, timeout: options.connectTimeout)
                let rc =
                    everConnected
                    ? mosquitto.reconnect()
                    : mosquitto.connect(host: options.host, port: options.port, keepAlive: options.keepAliveSeconds)
                let code = errno
                everConnected = everConnected || rc == MOSQ_ERR_SUCCESS.rawValue
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    let timedOut = shared.stopConnectWatchdog(watchdog)
                    let (_, lastError) = shared.connectionClosed()
                    backOff(
                        attempt: &attempt,
                        reason: timedOut ? timeoutReason : describe(rc, errno: code, lastError: lastError))
                    continue
                }
                let (loopResult, notAccepted) = serve(acceptDeadline: acceptDeadline)
                let loopErrno = errno
                let timedOut = shared.stopConnectWatchdog(watchdog) || notAccepted
                let wasAccepted = shared.isConnectedNow
                let (refusal, lastError) = shared.connectionClosed()
                let commitFailure = shared.takeCommitFailure()
                if wasAccepted, let commitFailure, !shared.isStopping {
                    // Cut because the gate could not keep what arrived (a full disk, a read-only queue): the broker
                    // redelivers it at once, so the next connection would fail the same way. Backed off like a
                    // refused connection, the back-off growing until a connection ends for another reason.
                    shared.emit(.connectionLost(reason: "could not keep the messages received: \(commitFailure)"))
                    sleep(options.backoff.delay(attempt: attempt))
                    attempt += 1
                } else if wasAccepted {
                    attempt = 0
                    let reason =
                        shared.isStopping
                        ? "disconnected by client" : describe(loopResult, errno: loopErrno, lastError: lastError)
                    shared.emit(.connectionLost(reason: reason))
                    // Not at once: a broker that just died can still complete a TCP handshake from its dying
                    // listener, and that connection then never answers (seen here: a 10 s stall until the
                    // accept deadline). One initial back-off step (50–100 ms) clears that window.
                    sleep(options.backoff.delay(attempt: 0))
                } else if !shared.isStopping {
                    let reason =
                        timedOut
                        ? timeoutReason : refusal ?? describe(loopResult, errno: loopErrno, lastError: lastError)
                    backOff(attempt: &attempt, reason: reason)
                }
            }
            shared.detach()
            shared.finish()
        }

        private var timeoutReason: String {
            "no answer from \(options.endpoint) within \(options.connectTimeout) (TLS handshake and CONNACK) — is it an MQTT broker?"
        }

        /// Runs the network loop until the connection ends; returns libmosquitto's reason, and whether the
        /// broker failed to accept the connection (TLS handshake, CONNACK) by `acceptDeadline`. The deadline is
        /// kept here, on the network thread, so it holds however busy the rest of the process is; the next
        /// connect closes the abandoned socket.
        private func serve(acceptDeadline: ContinuousClock.Instant) -> (Int32, notAccepted: Bool) {
            while true {
                if shared.isStopping {
                    shared.requestDisconnect()
                }
                var timeout: Int32 = 1000
                if !shared.isConnectedNow {
                    let remaining = acceptDeadline - ContinuousClock.now
                    guard remaining > .zero else { return (MOSQ_ERR_CONN_LOST.rawValue, true) }
                    timeout = Int32(clamping: min(remaining.milliseconds + 1, 1000))
                }
                let rc = mosquitto.loopStep(timeoutMilliseconds: timeout) { shared.commitInbound() }
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    return (rc, false)
                }
            }
        }

        private func backOff(attempt: inout Int, reason: String) {
            let delay = options.backoff.delay(attempt: attempt)
            attempt += 1
            shared.emit(.connectFailed(reason: reason, retryIn: delay))
            sleep(delay)
        }

        /// Sleeps in short slices so a shutdown request is honoured promptly.
        private func sleep(_ duration: Duration) {
            let deadline = ContinuousClock.now + duration
            while !shared.isStopping, ContinuousClock.now < deadline {
                let slice = min(deadline - ContinuousClock.now, .milliseconds(20))
                let (seconds, attoseconds) = slice.components
                var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                _ = nanosleep(&request, nil)
            }
        }

        private func describe(_ rc: Int32, errno code: Int32, lastError: String?) -> String {
            let endpoint = options.endpoint
            switch rc {
            case MOSQ_ERR_ERRNO.rawValue:
                return "\(endpoint): \(Mosquitto.errnoText(code))"
            case MOSQ_ERR_TLS.rawValue:
                let detail = lastError.map { ": \($0)" } ?? ""
                return "TLS handshake with \(endpoint) failed\(detail) — check mqtt.caFile, certFile and keyFile"
            case MOSQ_ERR_EAI.rawValue:
                return "cannot resolve host \"\(options.host)\""
            case MOSQ_ERR_CONN_LOST.rawValue:
                return "connection to \(endpoint) lost"
            case MOSQ_ERR_KEEPALIVE.rawValue:
                return "no answer from \(endpoint) within the keep-alive"
            default:
                let detail = lastError.map { " (\($0))" } ?? ""
                return "\(endpoint): \(MQTTError.text(rc))\(detail)"
            }
        }
    }
}
