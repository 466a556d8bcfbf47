public import Logging
public import MQTT
import StrictJSON

/// The signaling rooms of every configured robot, and the relay of their telemetry to viewers.
///
/// The rooms are made once, at start, for the configured robots, so looking one up needs no lock.
public final class SignalingHubs: Sendable {
    let hubs: [String: SignalingHub]
    let logger: Logger
    /// With `cluster`: each robot's room lives on its home instance, and viewers connecting elsewhere are forwarded
    /// there (``ClusterSignaling``); nil: every room is here.
    let cluster: ClusterSignaling?

    public convenience init(
        robots: [String], video: ServerConfig.Video, control: ServerConfig.Control = .init(),
        logger: Logger
    ) {
        self.init(robots: robots, video: video, control: control, cluster: nil, logger: logger)
    }

    init(
        robots: [String], video: ServerConfig.Video, control: ServerConfig.Control, cluster: ClusterLink?,
        logger: Logger
    ) {
        var hubs: [String: SignalingHub] = [:]
        for thing in robots {
            hubs[thing] = SignalingHub(thing: thing, video: video, control: control, logger: logger)
        }
        self.hubs = hubs
        self.logger = logger
        self.cluster = cluster.map { ClusterSignaling(link: $0, hubs: hubs, logger: logger) }
        if let link = cluster, let member = self.cluster { link.add(member) }
    }

    subscript(thing: String) -> SignalingHub? { hubs[thing] }

    /// The telemetry topic filters to subscribe to: one per robot, not a wildcard, so a broker policy that
    /// allows only these robots' topics (as AWS IoT's would) grants them.
    public var telemetrySubscriptions: [MQTTOptions.Subscription] {
        hubs.keys.sorted().map { MQTTOptions.Subscription(Self.telemetryTopic($0), qos: 0) }
    }

    public static func telemetryTopic(_ thing: String) -> String { "\(thing)/telemetry" }

    /// A message from the broker: a robot's telemetry goes to that robot's viewers as `{"type":"telemetry",
    /// "data":…}`. Anything else, or a payload that is not JSON, is dropped (logged at debug).
    public func relay(_ message: MQTTMessage) {
        guard message.topic.hasSuffix("/telemetry"),
            let hub = hubs[String(message.topic.dropLast("/telemetry".count))]
        else { return }
        do {
            hub.telemetry(try JSONParser.parse(message.payload))
        } catch {
            logger.debug(
                "telemetry not relayed: the payload is not JSON (\(error))",
                metadata: ["mqtt.topic": "\(message.topic)"])
        }
    }
}
