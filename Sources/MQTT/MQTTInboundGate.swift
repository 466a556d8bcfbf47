/// Takes a client's received messages on its network thread and makes them safe before they are acknowledged.
///
/// With a gate, QoS 1 messages are acknowledged (PUBACK) only after ``commit()`` returned: `receive` is called for
/// each message read in one turn of the network loop, then `commit` once, then the acknowledgements are written.
/// The relay stores the messages in its durable queue in `commit` — one transaction per turn, however many
/// messages arrived — so a crash can lose nothing the broker was told it may forget. Both run on the network
/// thread: keep them short, and never call back into the client's blocking API from them.
public protocol MQTTInboundGate: Sendable {
    /// One received message, in arrival order.
    func receive(_ message: MQTTMessage)
    /// Makes every message received since the last call durable. Throwing cuts the connection without
    /// acknowledging them (the broker redelivers them to a persistent session).
    func commit() throws
}
