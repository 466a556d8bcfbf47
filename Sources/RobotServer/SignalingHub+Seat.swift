/// One socket's place in a robot's signaling room, as ``SignalingController`` serves it: where the socket's frames
/// go and what it writes back. The room is here (``SignalingHub/LocalSeat``) or on the robot's home instance
/// (``ForwardedViewer``); the socket's loop is the same.
protocol SignalingSeat: Sendable {
    /// The socket's peer id in the room.
    var peer: String { get }
    /// What to write to the socket, in order; a close is the last.
    var outbound: AsyncStream<SignalingHub.Outbound> { get }
    /// A text frame from the socket.
    func received(_ text: String)
    /// A binary frame from the socket (refused by the room).
    func receivedBinary()
    /// The socket wrote a frame that `origin` (a viewer) sent.
    func written(from origin: String)
    /// The socket closed.
    func leave()
}

extension SignalingHub {
    /// A socket in this instance's room.
    struct LocalSeat: SignalingSeat {
        let hub: SignalingHub
        let peer: String
        let outbound: AsyncStream<SignalingHub.Outbound>

        func received(_ text: String) { hub.received(text, from: peer) }
        func receivedBinary() { hub.receivedBinary(from: peer) }
        func written(from origin: String) { hub.written(from: origin, to: peer) }
        func leave() { hub.leave(peer) }
    }

    /// Joins a socket to this room (``join(as:peer:principal:speaker:now:onCut:)``) and returns its seat.
    func seat(
        as role: SignalingState.Role, principal: String?, speaker: SignalingState.Speaker,
        onCut: @escaping @Sendable () -> Void
    ) -> LocalSeat {
        let (peer, outbound) = join(as: role, principal: principal, speaker: speaker, onCut: onCut)
        return LocalSeat(hub: self, peer: peer, outbound: outbound)
    }
}
