import Logging
import SignalingProtocol

/// The home side of a forwarded viewer: a *guest* in a room here whose socket is on another instance (the entry). The
/// room treats it as any viewer — caps, talk, restart, control frames, telemetry, rate limits — and a task of the
/// guest's own publishes what the room queues for it back to the entry, in order.
extension ClusterSignaling {
    /// A message from an entry instance about one of its viewers.
    func guestSent(_ envelope: ClusterEnvelope, key: Key) {
        guard let hub = hubs[key.thing] else { return }
        switch Verb(rawValue: envelope.verb) {
        case .join?:
            guard let join = Join(body: envelope.body) else {
                logger.debug("signaling: a forwarded join without its sender dropped", metadata: metadata(key))
                return
            }
            admit(join, key: key, to: hub)
        case .frame?:
            if isGuest(key) { hub.received(envelope.text, from: key.peer) }
        case .binary?:
            if isGuest(key) { hub.receivedBinary(from: key.peer) }
        case .leave?:
            guard let entry = tables.withLock({ $0.guests.removeValue(forKey: key) }) else { return }
            hub.leave(key.peer)
            logger.debug("signaling: a viewer forwarded from instance \(entry) left", metadata: metadata(key))
        case .close?, nil:
            // A close for a viewer that has left already, or a verb of a later version.
            logger.debug("signaling: cluster message \(envelope.verb) for nobody dropped", metadata: metadata(key))
        }
    }

    /// A viewer forwarded from `join.from` joins the room, unless the room is no longer here (it moved meanwhile:
    /// the entry is told to reconnect) or its entry went away.
    private func admit(_ join: Join, key: Key, to hub: SignalingHub) {
        guard join.from != link.instance, link.isLive(join.from) else { return }
        let admitted = tables.withLock { tables -> Bool? in
            guard tables.guests[key] == nil else { return nil }
            guard tables.homes.home(of: key.thing, live: link.isLive) == link.instance else { return false }
            tables.guests[key] = join.from
            return true
        }
        switch admitted {
        case nil:
            return
        case false?:
            let close = Close(code: SignalingCloseCode.moved.rawValue, reason: Self.movedReason)
            send(.close, close.body, to: join.from, key)
        case true?:
            let (_, outbound) = hub.join(as: .viewer, peer: key.peer, principal: join.principal, speaker: join.speaker)
            logger.debug("signaling: a viewer forwarded from instance \(join.from) joined", metadata: metadata(key))
            Task { await self.relay(outbound, of: key, to: join.from, in: hub) }
        }
    }

    /// Publishes what the room queues for a guest to its entry, until the room closes it (the close too) or it
    /// leaves. A frame counts as written once published, for the room's unread shares.
    private func relay(
        _ outbound: AsyncStream<SignalingHub.Outbound>, of key: Key, to entry: String, in hub: SignalingHub
    ) async {
        for await frame in outbound {
            switch frame {
            case .text(let text, let origin):
                send(.frame, Array(text.utf8), to: entry, key)
                if let origin { hub.written(from: origin, to: key.peer) }
            case .close(let code, let reason):
                _ = tables.withLock { $0.guests.removeValue(forKey: key) }
                send(.close, Close(code: code, reason: reason).body, to: entry, key)
                return
            }
        }
        // Ended without a close: it left (its entry said so or went away), or the room cut it for not reading.
        if tables.withLock({ $0.guests.removeValue(forKey: key) }) != nil {
            let close = Close(
                code: SignalingCloseCode.rateLimited.rawValue, reason: "signaling: the viewer does not read its frames")
            send(.close, close.body, to: entry, key)
        }
    }

    private func isGuest(_ key: Key) -> Bool { tables.withLock { $0.guests[key] != nil } }

    func metadata(_ key: Key) -> Logger.Metadata { ["robot.thing": "\(key.thing)", "signal.peer": "\(key.peer)"] }
}
