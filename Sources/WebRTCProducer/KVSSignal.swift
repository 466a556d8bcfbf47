import FoundationEssentials
import SignalingProtocol

/// What the KVS transport's child tasks (the WebSocket, the control-plane calls, the timers) report to its loop
/// (``KVSSignalingLoop``), which alone holds the state.
enum KVSSignal: Sendable {
    /// Connection `generation` got its endpoints: ICE configurations are fetched from `https` from now on.
    case endpoint(generation: Int, https: URL)
    /// The ICE servers (STUN and TURN) and the TURN servers' `Ttl`s in seconds.
    case iceServers([ICEServer], ttlSeconds: [Int])
    /// Fetching the ICE configuration failed.
    case iceFailed(String)
    /// Connection `generation`'s WebSocket is open; what goes into `outbox` is sent on it.
    case opened(generation: Int, outbox: AsyncStream<ProducerMessage>.Continuation)
    /// A message from KVS on connection `generation`.
    case inbound(generation: Int, KVSInbound)
    /// Connection `generation` ended (or never opened).
    case ended(generation: Int, KVSEnding)
    /// The back-off after a failure is over (or the credentials changed): connect again. `token` tells a stale
    /// wait from the current one.
    case retry(token: Int)
    /// Connection `generation` is ``KVSSettings/maxConnectionAge`` old (50 minutes).
    case ageLimit(generation: Int)
    /// Time to fetch the ICE configuration again (`token`: the timer that is still wanted).
    case iceDue(token: Int)
}

/// A KVS message for the master, in the transport's terms.
enum KVSInbound: Sendable, Equatable {
    case offer(viewer: String, sdp: String)
    case candidate(viewer: String, candidate: String, sdpMLineIndex: UInt32)
    /// KVS will close this connection: reconnect with a fresh endpoint.
    case goAway
    /// The TURN servers changed: fetch the ICE configuration again.
    case reconnectICEServer
    /// KVS refused something the master sent (a bad recipient, a payload too large), in words.
    case status(String)
}

/// How a connection ended.
enum KVSEnding: Sendable {
    /// It was open and closed (by KVS, by us, or the network), after `openFor`.
    case closed(openFor: Duration, reason: String)
    /// It never opened: `reason` in words; `credentials` when KVS refused the signature (401/403).
    case failed(reason: String, credentials: Bool)
}
