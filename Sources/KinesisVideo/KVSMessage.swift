/// The KVS signaling WebSocket's messages, as a master (and the tests' viewer) sees them.
///
/// In: `{"senderClientId":…,"messageType":"SDP_OFFER"|"SDP_ANSWER"|"ICE_CANDIDATE"|"GO_AWAY"|
/// "RECONNECT_ICE_SERVER"|"STATUS_RESPONSE","messagePayload":base64(JSON),"statusResponse":{…}}` (``Inbound``,
/// ``decode(_:)``). Out: `{"action":"SDP_ANSWER"|"SDP_OFFER"|"ICE_CANDIDATE","recipientClientId":…,
/// "messagePayload":base64(JSON)}` (``Outbound``, ``Outbound/encoded()``). An SDP payload is
/// `{"type":"offer"|"answer","sdp":…}`, a candidate's `{"candidate":…,"sdpMid":…,"sdpMLineIndex":…}`.
///
/// Limits (AWS's): client ids `[a-zA-Z0-9_.-]{1,256}`, a payload at most 10 KB of base64 text. Every refusal is a
/// ``KVSMessageError`` with a one-line reason.
public enum KVSMessage {
    /// The longest `messagePayload` KVS relays: 10 KB of base64 text.
    public static let maxPayloadBytes = 10 * 1024

    /// A message the signaling service delivered.
    public enum Inbound: Sendable, Equatable {
        /// A viewer's offer: answer it (the viewer offers on KVS).
        case offer(from: String, sdp: String)
        /// The master's answer (what a viewer receives).
        case answer(from: String, sdp: String)
        /// A trickled candidate from the peer `from`.
        case candidate(from: String, KVSCandidate)
        /// The service is about to close the connection: fetch the endpoint again and reconnect.
        case goAway
        /// The TURN credentials changed: fetch the ICE server config again.
        case reconnectICEServer
        /// The service's answer to a message it refused (or acknowledged).
        case status(KVSStatusResponse)
    }

    /// A message to send to a peer.
    public enum Outbound: Sendable, Equatable {
        /// The master's answer to viewer `to`.
        case answer(to: String, sdp: String)
        /// A viewer's offer to the master (`to` is nil: a viewer's messages go to the master).
        case offer(to: String?, sdp: String)
        /// A trickled candidate for `to` (nil from a viewer).
        case candidate(to: String?, KVSCandidate)
    }
}

/// A trickled ICE candidate as the browsers' `RTCIceCandidate.toJSON()` writes it.
public struct KVSCandidate: Sendable, Equatable {
    /// The `candidate:` line (empty for an end-of-candidates marker).
    public var candidate: String
    public var sdpMid: String?
    public var sdpMLineIndex: Int?

    public init(candidate: String, sdpMid: String?, sdpMLineIndex: Int?) {
        self.candidate = candidate
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex
    }
}

/// A `STATUS_RESPONSE`'s `statusResponse`: which message (`correlationId`) it is about and what went wrong.
public struct KVSStatusResponse: Sendable, Equatable, CustomStringConvertible {
    public var correlationId: String?
    public var errorType: String?
    public var statusCode: String?
    public var statusDescription: String?

    public init(correlationId: String?, errorType: String?, statusCode: String?, statusDescription: String?) {
        self.correlationId = correlationId
        self.errorType = errorType
        self.statusCode = statusCode
        self.statusDescription = statusDescription
    }

    public var description: String {
        [statusCode.map { "status \($0)" }, errorType, statusDescription, correlationId.map { "(correlation \($0))" }]
            .compactMap { $0 }.joined(separator: " ")
    }
}

/// Why a signaling message was refused, in one line.
public struct KVSMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
