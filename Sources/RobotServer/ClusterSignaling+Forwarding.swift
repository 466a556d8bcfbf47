/// The entry side of a forwarded viewer (``ForwardedViewer``): a viewer connecting here while its robot's room is on
/// another live instance joins that room over MQTT.
extension ClusterSignaling {
    /// A viewer of `thing` connecting here: forwarded to the robot's home when that is another live instance — its
    /// `join` published now — or nil, and it joins the room here.
    func forward(
        thing: String, principal: String?, speaker: SignalingState.Speaker, onCut: @escaping @Sendable () -> Void
    ) -> ForwardedViewer? {
        guard let hub = hubs[thing] else { return nil }
        let viewer = tables.withLock { tables -> ForwardedViewer? in
            guard let home = tables.homes.home(of: thing, live: link.isLive), home != link.instance else { return nil }
            let key = Key(thing: thing, peer: SignalingHub.newPeerID(.viewer))
            let viewer = ForwardedViewer(
                key: key, home: home, cluster: self, mailbox: hub.makeMailbox(), onCut: onCut)
            tables.forwarded[key] = viewer
            return viewer
        }
        guard let viewer else { return nil }
        send(.join, Join(from: link.instance, principal: principal, speaker: speaker).body, to: viewer.home, viewer.key)
        logger.debug("signaling: a viewer forwarded to instance \(viewer.home)", metadata: metadata(viewer.key))
        return viewer
    }

    /// A forwarded viewer's socket closed: its home hears `leave` (the room there lets it go).
    func left(_ viewer: ForwardedViewer) {
        tables.withLock { tables in
            if tables.forwarded[viewer.key] === viewer { tables.forwarded[viewer.key] = nil }
        }
        send(.leave, to: viewer.home, viewer.key)
        logger.debug("signaling: a viewer forwarded to instance \(viewer.home) left", metadata: metadata(viewer.key))
    }
}
