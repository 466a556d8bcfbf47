import DriveProtocol
import MQTT
import StrictJSON
import Synchronization

/// Watches every robot's `<thing>/telemetry` on the broker: for each bench command's `command` event, the time from
/// the HTTP request to the motor call (the event's `ts`) and to its arrival here; and each event kind's keys, from
/// the real robotd and from the simulated robots, so the bench can show that they answer alike. It is the client's
/// inbound gate: each message is read on the network thread as it arrives, so a busy bench does not fall behind the
/// broker (which drops QoS 0 messages for a subscriber that does not keep up).
final class TelemetryTally: MQTTInboundGate {
    struct Phase: Sendable {
        /// µs from the request's first byte to the motor driver call (`ts`), per command.
        var toMotor: [Double] = []
        /// µs from the request to the telemetry's arrival at this watcher.
        var toWatcher: [Double] = []
        var perThing: [String: Int] = [:]
        /// `toMotor` of the real robotd's commands alone.
        var realToMotor: [Double] = []
    }

    private struct State {
        var phases: [Character: Phase] = [:]
        /// Keys in order per event, from the real robot and from any simulated one.
        var realShapes: [String: [String]] = [:]
        var simulatedShapes: [String: [String]] = [:]
        var subscribed = false
    }

    /// The robot that is a real robotd process.
    let realThing: String
    private let state = Mutex(State())

    init(realThing: String) {
        self.realThing = realThing
    }

    var isSubscribed: Bool { state.withLock { $0.subscribed } }

    func phase(_ name: Character) -> Phase { state.withLock { $0.phases[name] ?? Phase() } }

    /// Consumes the client's events until it disconnects (run it in a task of its own); the messages come through
    /// ``receive(_:)``.
    func consume(_ events: AsyncStream<MQTTEvent>) async {
        for await event in events {
            if case .subscribed = event { state.withLock { $0.subscribed = true } }
        }
    }

    func receive(_ message: MQTTMessage) {
        record(message.payload, arrivedMicros: wallClockMicros())
    }

    func commit() {}

    private func record(_ payload: [UInt8], arrivedMicros: Int64) {
        guard case .object(let object)? = try? JSONParser.parse(payload),
            let telemetry = try? Telemetry(json: .object(object))
        else { return }
        let keys = object.map(\.key)
        let isReal = telemetry.thingName == realThing
        let id = telemetry.id.flatMap(CommandID.init)
        state.withLock { state in
            if isReal {
                state.realShapes[telemetry.event.rawValue] = keys
            } else {
                state.simulatedShapes[telemetry.event.rawValue] = keys
            }
            guard telemetry.event == .command, let id else { return }
            let toMotor = Double(telemetry.timestamp.nanosecondsSinceEpoch / 1000 - id.sentMicros)
            var phase = state.phases[id.phase] ?? Phase()
            phase.toMotor.append(toMotor)
            phase.toWatcher.append(Double(arrivedMicros - id.sentMicros))
            phase.perThing[telemetry.thingName, default: 0] += 1
            if isReal { phase.realToMotor.append(toMotor) }
            state.phases[id.phase] = phase
        }
    }

    /// Each event kind the real robotd sent, and whether a simulated robot sent it with the same keys in the same
    /// order: `(event, real keys, simulated keys or nil)`.
    func shapes() -> [(event: String, real: [String], simulated: [String]?)] {
        state.withLock { state in
            state.realShapes.keys.sorted().map { ($0, state.realShapes[$0]!, state.simulatedShapes[$0]) }
        }
    }
}
