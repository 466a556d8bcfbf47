import Synchronization

/// A viewer whose socket is on this instance (its *entry*) while its robot's room is on the robot's home instance
/// (``ClusterSignaling``): the socket's frames are published to the home, and what the home sends back — frames to
/// write, a close — is written to the socket. Admission (401/403/404) happened here; caps, talk and rate limits are the
/// home's, like everything else about the room.
///
/// The socket is closed with 4003 when its room is no longer on `home` — the home moved or went away — and the page
/// reconnects at once, to land in the room wherever it is now.
final class ForwardedViewer: SignalingSeat {
    let key: ClusterSignaling.Key
    /// The instance whose room the viewer joined.
    let home: String
    let outbound: AsyncStream<SignalingHub.Outbound>
    private let mailbox: AsyncStream<SignalingHub.Outbound>.Continuation
    private let cluster: ClusterSignaling
    private let onCut: @Sendable () -> Void
    private let closed = Atomic<Bool>(false)

    var thing: String { key.thing }
    var peer: String { key.peer }

    /// `mailbox` bounds what waits for the socket (``SignalingHub/makeMailbox()``); `onCut` ends the connection when
    /// the viewer is closed, even if it does not read its close frame.
    init(
        key: ClusterSignaling.Key, home: String, cluster: ClusterSignaling,
        mailbox: SignalingHub.Mailbox, onCut: @escaping @Sendable () -> Void
    ) {
        self.key = key
        self.home = home
        self.cluster = cluster
        outbound = mailbox.stream
        self.mailbox = mailbox.continuation
        self.onCut = onCut
    }

    func received(_ text: String) { cluster.send(.frame, Array(text.utf8), to: home, key) }

    func receivedBinary() { cluster.send(.binary, to: home, key) }

    /// The home counted the frame as written when it published it.
    func written(from origin: String) {}

    func leave() { cluster.left(self) }

    /// A message from the home: a frame to write, or the close.
    func deliver(_ envelope: ClusterEnvelope) {
        switch ClusterSignaling.Verb(rawValue: envelope.verb) {
        case .frame?:
            if case .dropped = mailbox.yield(.text(envelope.text, origin: nil)) {
                // It does not read its frames: as a room does with such a socket, its connection ends.
                cut()
            }
        case .close?:
            let close = ClusterSignaling.Close(body: envelope.body)
            self.close(code: close.code, reason: close.reason)
        default:
            return
        }
    }

    /// Closes the socket with `code`: the close frame is the last thing written.
    func close(code: UInt16, reason: String) {
        mailbox.yield(.close(code: code, reason: reason))
        cut()
    }

    private func cut() {
        mailbox.finish()
        if !closed.exchange(true, ordering: .relaxed) { onCut() }
    }
}
