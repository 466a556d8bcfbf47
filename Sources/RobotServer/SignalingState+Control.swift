import SignalingProtocol

/// Who drives: every viewer hears the robot's control lease (`{"type":"control",…}`, `docs/SIGNALING.md`), right after
/// `talker` when it joins and whenever the lease changes, each with its own `you` (its name, whether it drives, whether
/// it may drive or take over). The producer never hears it. The lease itself lives in ``ControlLeases``; the room keeps
/// the copy last announced.
extension SignalingState {
    /// `viewer`'s `control` frame: the lease as announced, from its principal's side.
    func controlFrame(for viewer: String) -> ServerFrame {
        let speaker = speakers[viewer] ?? Speaker(name: nil, roles: [])
        let driver = ControlLease.Driver(identity: principals[viewer], name: speaker.name ?? "anonymous")
        return .control(
            lease.status(
                for: .init(
                    driver: driver, mayDrive: speaker.roles.contains(.drive), admin: speaker.roles.contains(.admin))))
    }

    /// The lease changed: every viewer hears it.
    mutating func controlChanged(to lease: ControlLease) -> [Action] {
        self.lease = lease
        return viewers.map { .send($0, controlFrame(for: $0)) }
    }
}
