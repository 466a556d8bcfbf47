/// Carries the producer's signaling: robot-server's WebSocket (``SignalingConnection``, the producer offers) or
/// KVS's (the viewers offer). It keeps a connection open, reconnecting as it sees fit, and reports it as
/// ``ProducerEvent``s — `connected` with an outbox of ``ProducerMessage``s it encodes, each parsed `message`,
/// `disconnected` saying whether the viewers' peer connections survive — until its task is cancelled.
protocol SignalingTransport: Sendable {
    func run(events: AsyncStream<ProducerEvent>.Continuation) async
}
