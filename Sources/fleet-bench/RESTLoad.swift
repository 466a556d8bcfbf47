import Glibc
import POSIXThreads
import Synchronization
import TestSupport

/// `POST /robots/<thing>/publish` from `connections` keep-alive connections, each on a thread of its own (the
/// blocking ``HTTPConnection``), the robots taken in turn so every robot gets its share. Paced (`rate` requests a
/// second in all, each connection on its own schedule; a connection that falls behind sends at once) or, with no
/// rate, as fast as the answers come (the throughput).
struct RESTLoad: Sendable {
    struct Outcome: Sendable {
        var accepted = 0
        /// Accepted requests per robot: the `command` telemetry each robot owes.
        var acceptedPerThing: [String: Int] = [:]
        /// Answers other than 202, by status.
        var refused: [Int: Int] = [:]
        /// Connections lost and made again (nginx closes a keep-alive connection after `keepalive_requests`).
        var reconnects = 0
        var failures: [String] = []
        /// µs from the request to its 202.
        var roundTrips: [Double] = []
        var seconds = 0.0

        mutating func merge(_ other: Outcome) {
            accepted += other.accepted
            acceptedPerThing.merge(other.acceptedPerThing, uniquingKeysWith: +)
            refused.merge(other.refused, uniquingKeysWith: +)
            reconnects += other.reconnects
            failures += other.failures
            roundTrips += other.roundTrips
        }
    }

    let host: String
    let port: UInt16
    let token: String
    let things: [String]
    let connections: Int

    /// Runs for `seconds`, or until `limit` requests are sent; `phase` goes into every command's id (``CommandID``).
    func run(phase: Character, seconds: Double, rate: Double?, limit: Int = .max) async -> Outcome {
        let next = RequestCounter()
        let started = ContinuousClock.now
        let end = started + .milliseconds(Int64(seconds * 1000))
        let partials = await withTaskGroup(of: Outcome.self) { group in
            for connection in 0..<connections {
                group.addTask {
                    await onThread {
                        drive(
                            connection: connection, phase: phase, next: next, start: started, end: end, rate: rate,
                            limit: limit)
                    }
                }
            }
            return await group.reduce(into: [Outcome]()) { $0.append($1) }
        }
        var outcome = partials.reduce(into: Outcome()) { $0.merge($1) }
        outcome.seconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    /// Sends until `end` is reached (blocking; on its own thread).
    private func drive(
        connection: Int, phase: Character, next: RequestCounter, start: ContinuousClock.Instant,
        end: ContinuousClock.Instant, rate: Double?, limit: Int
    ) -> Outcome {
        var outcome = Outcome()
        var http: HTTPConnection?
        var sent = 0
        while ContinuousClock.now < end, outcome.failures.count < 3 {
            if let rate {
                // This connection's n-th request is the (n·connections + connection)-th of the whole schedule.
                let slot = start + .microseconds(Int64(Double(sent * connections + connection) / rate * 1e6))
                guard slot < end else { break }
                let wait = slot - ContinuousClock.now
                if wait > .zero { usleep(useconds_t(wait.seconds * 1e6)) }
            }
            let sequence = next.take()
            guard sequence < limit else { break }
            let thing = things[sequence % things.count]
            let sentMicros = wallClockMicros()
            let id = CommandID(phase: phase, sentMicros: sentMicros, sequence: sequence).text
            let action = sequence / things.count % 2 == 0 ? "forward" : "backwards"
            let request = Self.request(
                host: host, port: port, token: token, thing: thing,
                body: #"{"action":"\#(action)","durationMs":300,"id":"\#(id)"}"#)
            let before = ContinuousClock.now
            do {
                if http == nil { http = try HTTPConnection(host: host, port: port) }
                let (status, _) = try http!.exchange(request)
                if status == 202 {
                    outcome.accepted += 1
                    outcome.acceptedPerThing[thing, default: 0] += 1
                    outcome.roundTrips.append((ContinuousClock.now - before).seconds * 1e6)
                } else {
                    outcome.refused[status, default: 0] += 1
                }
            } catch {
                // A keep-alive connection the server (or nginx) closed: make a new one, once in a row.
                if http != nil {
                    outcome.reconnects += 1
                } else {
                    outcome.failures.append("\(error)")
                    usleep(100_000)
                }
                http = nil
            }
            sent += 1
        }
        return outcome
    }

    static func request(host: String, port: UInt16, token: String, thing: String, body: String) -> [UInt8] {
        Array(
            ("POST /robots/\(thing)/publish HTTP/1.1\r\nHost: \(host):\(port)\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)").utf8)
    }
}

/// The requests' running number, shared by the connections: request n drives robot n mod N.
final class RequestCounter: Sendable {
    private let next = Atomic<Int>(0)

    func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// Runs blocking `work` on a new thread and returns its result, without holding a concurrency-pool thread.
func onThread<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        DetachedThread.start { continuation.resume(returning: work()) }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
