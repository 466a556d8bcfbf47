import CMosquitto
import SystemPackage

extension ConnectionMachine {
    /// Why an attempt or a connection ended, for ``ClientCore`` to put in words (it has libmosquitto's texts).
    enum Reason: Sendable, Equatable {
        /// No TLS handshake and CONNACK within the connect timeout.
        case noAnswer
        /// The broker refused the CONNECT.
        case refused(String)
        /// libmosquitto's return code, the `errno` beside it and its latest error log line.
        case failure(Failure, lastError: String?)
        /// Our own DISCONNECT (stopping).
        case disconnectedByClient
        /// The inbound gate could not keep the connection's messages.
        case commitFailed(String)
    }

    /// A libmosquitto return code and the `errno` read right after it (meaningful for `MOSQ_ERR_ERRNO`).
    struct Failure: Sendable, Equatable {
        var code: Int32
        var errno: Errno
    }

    /// How an attempt ended, as the network thread saw it.
    enum AttemptEnd: Sendable, Equatable {
        /// The blocking connect call failed (TCP, TLS handshake, or sending CONNECT).
        case connectFailed(Failure)
        /// The network loop stopped; `notAccepted`: the broker had not accepted by the accept deadline.
        case loopEnded(Failure, notAccepted: Bool)
    }
}

extension ConnectionMachine.Reason {
    /// The reason in words, for ``MQTTEvent/connectFailed(reason:retryIn:)`` and
    /// ``MQTTEvent/connectionLost(reason:)``: libmosquitto's and the system's texts, naming the endpoint and the
    /// likely fix.
    func text(_ options: MQTTOptions) -> String {
        let endpoint = options.endpoint
        switch self {
        case .noAnswer:
            return "no answer from \(endpoint) within \(options.connectTimeout) (TLS handshake and CONNACK)"
                + " — is it an MQTT broker?"
        case .refused(let reason):
            return reason
        case .disconnectedByClient:
            return "disconnected by client"
        case .commitFailed(let error):
            return "could not keep the messages received: \(error)"
        case .failure(let failure, let lastError):
            switch failure.code {
            case MOSQ_ERR_ERRNO.rawValue:
                return "\(endpoint): \(failure.errno)"
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
                return "\(endpoint): \(MQTTError.text(failure.code))\(detail)"
            }
        }
    }
}
