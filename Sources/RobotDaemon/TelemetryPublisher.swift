import DriveProtocol
import Logging
import MQTT
import StrictJSON

/// Publishes `<thing>/telemetry` events; a lost connection only costs the event, never the caller.
///
/// Every message carries the emergency-stop latch as `"estop": true|false` (``estopEngaged``), whichever part of
/// robotd sends it, so that a client joining late learns the latch from the first message it sees.
struct TelemetryPublisher: Sendable {
    let thingName: String
    let client: MQTTClient
    let logger: Logger
    /// The latch state written into every message.
    var estopEngaged = false
    var topic: String { "\(thingName)/telemetry" }

    func message(
        _ event: TelemetryEvent, left: Double, right: Double, id: String? = nil, reason: String? = nil,
        extra: JSONObject = [:]
    ) -> [UInt8] {
        var extra = extra
        extra["estop"] = .bool(estopEngaged)
        return Telemetry(
            thingName: thingName, event: event, left: left, right: right, id: id, reason: reason,
            timestamp: .now(), extra: extra
        ).jsonBytes()
    }

    func publish(
        _ event: TelemetryEvent, left: Double, right: Double, id: String? = nil, reason: String? = nil,
        extra: JSONObject = [:]
    ) {
        let payload = message(event, left: left, right: right, id: id, reason: reason, extra: extra)
        do {
            try client.publish(topic: topic, payload: payload)
        } catch {
            logger.debug("telemetry not sent: \(error)", metadata: ["robot.event": "\(event.rawValue)"])
        }
    }

    /// The last words of a clean shutdown, acknowledged by the broker (QoS 1) before we disconnect.
    func publishOffline(reason: String) async {
        let payload = message(.offline, left: 0, right: 0, reason: reason)
        do {
            try await client.publishAndWait(topic: topic, payload: payload, qos: 1, timeout: .seconds(1))
        } catch {
            logger.debug("offline telemetry not delivered: \(error)")
        }
    }

    /// The MQTT last will: what the broker announces if we vanish without a DISCONNECT. Made again before
    /// every connection attempt, so its `ts` is when that connection began.
    static func will(thingName: String) -> MQTTOptions.Will {
        let payload = Telemetry(
            thingName: thingName, event: .offline, left: 0, right: 0, id: nil, reason: "connection lost",
            timestamp: .now(), extra: [:]
        ).jsonBytes()
        return MQTTOptions.Will(topic: "\(thingName)/telemetry", payload: payload, qos: 1)
    }
}
