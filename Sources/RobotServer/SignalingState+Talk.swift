import SignalingProtocol

/// Push to talk: one viewer at a time talks through the robot's speaker, and the server says who
/// (`docs/SIGNALING.md`).
///
/// A viewer asks with `{"type":"talk","on":true}` and gets the floor if nobody holds it and its token has the `drive`
/// role on the robot (talking is acting through the robot, as driving is); everyone — the producer, which plays only
/// the talker's audio, and every viewer — hears `{"type":"talker",…}` when it changes, and each socket hears it right
/// after its welcome. The floor is given back with `"on":false` or by leaving; the producer's presence does not
/// matter (a producer that connects later is told at once).
extension SignalingState {
    /// What a viewer may do on this robot, for push to talk.
    struct Speaker: Sendable, Equatable {
        /// How the `talker` frame and refusals name the viewer's principal (`home`, a JWT's `sub`, `anonymous`).
        var name: String?
        /// The principal's roles on this robot; talking needs `drive`.
        var roles: Set<RobotServer.Role>
    }

    /// `talk` from `viewer`: grant, re-confirm, refuse (the role, or someone else talking) or release.
    mutating func talk(_ on: Bool, from viewer: String) -> [Action] {
        guard on else {
            // Only the talker gives the floor back; a release from anyone else (a page tidying up) changes nothing.
            return talker == viewer ? talkerChanged(to: nil) : []
        }
        let speaker = speakers[viewer] ?? Speaker(name: nil, roles: [])
        guard speaker.roles.contains(RobotServer.Role.drive) else {
            let roles =
                speaker.roles.isEmpty ? "no role" : speaker.roles.sorted().map(\.rawValue).joined(separator: ", ")
            return [
                .send(
                    viewer,
                    Self.error("talking through the robot needs the drive role on \(thing); this token has \(roles)"))
            ]
        }
        switch talker {
        case nil:
            return talkerChanged(to: viewer)
        case viewer:
            return [.send(viewer, talkerFrame)]
        case let other?:
            let name = speakers[other]?.name ?? "another viewer"
            return [.send(viewer, Self.error("\(name) is talking through the robot; wait until they release"))]
        }
    }

    /// The current talker as a frame: its peer id and principal's name, or nulls.
    var talkerFrame: ServerFrame {
        .talker(viewer: talker, name: talker.flatMap { speakers[$0]?.name })
    }

    /// `viewer` (nil: nobody) talks now: the producer and every viewer hear it.
    mutating func talkerChanged(to viewer: String?) -> [Action] {
        talker = viewer
        let frame = talkerFrame
        return ((producer.map { [$0] } ?? []) + viewers).map { .send($0, frame) }
    }
}
