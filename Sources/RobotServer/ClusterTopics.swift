import MQTT

/// The topics robot-server instances talk on (`docs/SCALING.md`), all under `cluster.topicPrefix` (`<p>`), all QoS 1.
///
/// | topic | retained | what |
/// |---|---|---|
/// | `<p>/instances/<id>` | yes | an instance is online (its own message) or offline (its last will, or its goodbye) |
/// | `<p>/robots/<thing>/home` | yes | the instance where the robot's video producer connected: its signaling room |
/// | `<p>/robots/<thing>/lease` | yes | the robot's control lease, as its owner last published it |
/// | `<p>/to/<id>/peer/<thing>/<peer>` | no | one forwarded viewer's frames, to the instance `<id>` |
/// | `<p>/to/<id>/call` | no | lease calls to the owner `<id>`, and their replies |
///
/// MQTT keeps one publisher's messages on one topic in order, so everything about one forwarded viewer travels on one
/// topic per direction. A thing name has no `/`, `+` or `#` (`ConfigReader.checkThingName`), nor has a peer id or an
/// instance id, so each is exactly one level.
struct ClusterTopics: Sendable, Equatable {
    /// Where a cluster message goes, read from its topic.
    enum Route: Sendable, Equatable {
        case presence(instance: String)
        case home(thing: String)
        case lease(thing: String)
        case peer(thing: String, peer: String)
        case call
    }

    let prefix: String
    /// This instance's id: ``route(_:)`` takes only messages addressed to it.
    let instance: String

    func presence(_ instance: String) -> String { "\(prefix)/instances/\(instance)" }
    func home(_ thing: String) -> String { "\(prefix)/robots/\(thing)/home" }
    func lease(_ thing: String) -> String { "\(prefix)/robots/\(thing)/lease" }
    func peer(to instance: String, thing: String, peer: String) -> String {
        "\(prefix)/to/\(instance)/peer/\(thing)/\(peer)"
    }
    func call(to instance: String) -> String { "\(prefix)/to/\(instance)/call" }

    /// What this instance subscribes to: every instance's presence, every robot's home and lease (wildcards: a
    /// fleet of hundreds of robots would otherwise need hundreds of subscriptions), and its own inbox.
    var subscriptions: [MQTTOptions.Subscription] {
        [
            .init("\(prefix)/instances/+", qos: 1),
            .init("\(prefix)/robots/+/home", qos: 1),
            .init("\(prefix)/robots/+/lease", qos: 1),
            .init("\(prefix)/to/\(instance)/#", qos: 1),
        ]
    }

    /// The route of `topic`, or nil when it is not a cluster topic of ours (telemetry, another inbox).
    func route(_ topic: String) -> Route? {
        guard topic.hasPrefix(prefix + "/") else { return nil }
        let levels = topic.dropFirst(prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        switch levels.count {
        case 2 where levels[0] == "instances":
            return .presence(instance: levels[1])
        case 3 where levels[0] == "robots" && levels[2] == "home":
            return .home(thing: levels[1])
        case 3 where levels[0] == "robots" && levels[2] == "lease":
            return .lease(thing: levels[1])
        case 3 where levels[0] == "to" && levels[1] == instance && levels[2] == "call":
            return .call
        case 5 where levels[0] == "to" && levels[1] == instance && levels[2] == "peer":
            return .peer(thing: levels[3], peer: levels[4])
        default:
            return nil
        }
    }
}
