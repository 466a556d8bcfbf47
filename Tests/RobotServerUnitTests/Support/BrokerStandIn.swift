import MQTT
@testable import RobotServer
import Synchronization

/// Stands in for robot-server's MQTT connection in route tests: a connected broker that acknowledges every
/// command and records it, or one that lets the PUBACK wait run out, failing the way the MQTT client does
/// (`MQTTError.publish`). A broker that is not there at all needs no stand-in: an unstarted
/// ``CommandPublisher`` is one (``RouteHarness/Broker/unreachable``).
final class BrokerStandIn: CommandPublishing {
    /// One publish the routes asked for.
    struct Command: Sendable, Equatable {
        let topic: String
        let payload: String
    }

    private let acknowledges: Bool
    private let received = Mutex<[Command]>([])

    /// A broker that answers every publish with a PUBACK (`acknowledges`), or never does.
    init(acknowledges: Bool = true) {
        self.acknowledges = acknowledges
    }

    /// Every command published so far, in order (a silent broker's included: they were sent).
    var commands: [Command] { received.withLock { $0 } }

    var health: CommandPublisher.Health { .init(connected: true, reason: "connected") }

    func publish(topic: String, payload: [UInt8]) async throws(MQTTError) {
        received.withLock { $0.append(Command(topic: topic, payload: String(decoding: payload, as: UTF8.self))) }
        guard acknowledges else {
            // The MQTT client's words when `publishAndWait` runs out of time (Delivery.swift).
            throw MQTTError(.publish, "no acknowledgement from the broker within 2.0 seconds")
        }
    }
}
