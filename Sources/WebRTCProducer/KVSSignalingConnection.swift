import Basics
public import Logging
import SignalingProtocol

/// robot-webrtc as the master of a Kinesis Video Streams signaling channel: a ``SignalingTransport`` that keeps
/// one master WebSocket open (describe the channel → its endpoints → the ICE configuration → the presigned WSS URL)
/// and turns KVS's messages into ``ProducerEvent``s.
///
/// What it yields: `connected` (an outbox whose `answer`s and `candidate`s it encodes as KVS messages), then the ICE
/// servers (`message(.iceServers)`: KVS's TURN servers and the regional STUN server), each viewer's `offer` and
/// `candidate`s (held until the offer, ``KVSCandidateHold``), and `disconnected(keepViewers: true)`: the viewers'
/// peer connections carry media peer to peer and outlive the signaling connection.
///
/// Its rules (``KVSTimings``): the ICE configuration again at 80 % of its smallest `Ttl` and on
/// `RECONNECT_ICE_SERVER`; on `GO_AWAY` it closes, fetches the endpoint again and reconnects at once; a connection
/// 50 minutes old is replaced, the new one opened before the old one is closed (KVS keeps the newest master); a
/// WebSocket ping every 30 s; a failure backs off 1 s … 30 s with jitter, and after a refused signature (401/403:
/// expired or invalid credentials) the credentials are read again each second and a new key is tried at once.
/// Every signature reads the credentials anew (``KVSChannelClient``), so a rotation needs no reconnect.
///
/// All its state lives in ``run(events:)``'s loop (``KVSSignalingLoop``); the WebSocket, the control-plane calls
/// and the timers are child tasks that report back to it as ``KVSSignal``s.
struct KVSSignalingConnection: SignalingTransport {
    let settings: KVSSettings
    let logger: Logger

    func run(events: AsyncStream<ProducerEvent>.Continuation) async {
        let client: KVSChannelClient
        do {
            client = try KVSChannelClient(settings: settings, logger: logger)
        } catch {
            logger.error("kvs: \(error)")
            return
        }
        var loop = KVSSignalingLoop(settings: settings, client: client, events: events, logger: logger)
        await loop.run()
        await client.shutdown()
    }
}

extension WebRTCProducer {
    /// A producer that is the master of the KVS signaling channel `kvs` (robot-webrtc `--kvs-channel`).
    public init(settings: ProducerSettings, kvs: KVSSettings, logger: Logger) {
        self.init(settings: settings, transport: KVSSignalingConnection(settings: kvs, logger: logger), logger: logger)
    }
}
