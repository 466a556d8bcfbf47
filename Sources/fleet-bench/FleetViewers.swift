import DriveProtocol
import HummingbirdWSClient
import Logging
import StrictJSON
import Synchronization

/// M signaling viewers (`/robots/<thing>/signal?role=viewer`), viewer v watching robot v mod N: each counts the
/// `telemetry` frames robot-server relays for bench commands and how long after the motor call (`ts`) they
/// arrived.
final class FleetViewers: Sendable {
    struct Phase: Sendable {
        var frames = 0
        /// µs from the robot's `ts` to the frame's arrival.
        var delays: [Double] = []
    }

    private struct State {
        var welcomed = 0
        var phases: [Character: Phase] = [:]
        var closes: [String] = []
    }

    let url: String
    let token: String
    /// The robot each viewer watches.
    let watched: [String]
    private let state = Mutex(State())
    private let stop: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    init(url: String, token: String, things: [String], count: Int) {
        self.url = url
        self.token = token
        self.watched = count > 0 ? (0..<count).map { things[$0 % things.count] } : []
        (stop, stopContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    var welcomed: Int { state.withLock { $0.welcomed } }
    var closes: [String] { state.withLock { $0.closes } }
    func phase(_ name: Character) -> Phase { state.withLock { $0.phases[name] ?? Phase() } }

    /// Keeps every viewer connected until ``finish()``.
    func run(logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            for thing in watched {
                group.addTask { await self.watch(thing, logger: logger) }
            }
        }
    }

    /// Closes every viewer's socket.
    func finish() { stopContinuation.finish() }

    private func watch(_ thing: String, logger: Logger) async {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 16)
        configuration.additionalHeaders[.authorization] = "Bearer \(token)"
        let stop = stop
        do {
            let close = try await WebSocketClient.connect(
                url: "\(url)/robots/\(thing)/signal?role=viewer", configuration: configuration, logger: logger
            ) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await _ in stop {}
                        try await outbound.close(.normalClosure, reason: "bench done")
                    }
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        guard case .text(let text) = message else { continue }
                        self.received(text, arrivedMicros: wallClockMicros())
                    }
                    group.cancelAll()
                }
            }
            if let close, close.closeCode != .normalClosure {
                state.withLock { $0.closes.append("\(thing): \(close.closeCode) \(close.reason ?? "")") }
            }
        } catch {
            state.withLock { $0.closes.append("\(thing): \(error)") }
        }
    }

    private func received(_ text: String, arrivedMicros: Int64) {
        guard case .object(let frame)? = try? JSONParser.parse(text), case .string(let type)? = frame["type"] else {
            return
        }
        if type == "welcome" {
            state.withLock { $0.welcomed += 1 }
            return
        }
        guard type == "telemetry", let data = frame["data"], let telemetry = try? Telemetry(json: data),
            telemetry.event == .command, let id = telemetry.id.flatMap(CommandID.init)
        else { return }
        let delay = Double(arrivedMicros - telemetry.timestamp.nanosecondsSinceEpoch / 1000)
        state.withLock { state in
            state.phases[id.phase, default: Phase()].frames += 1
            state.phases[id.phase, default: Phase()].delays.append(delay)
        }
    }
}
