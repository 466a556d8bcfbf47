import Hummingbird
import Logging
import Synchronization
import TestSupport

/// An HTTP endpoint that records every POST and answers with the next scripted status (then 200).
final class WebhookReceiver: Sendable {
    struct Request: Sendable {
        var body: String
        var messageID: String?
        var rule: String?
        var authorization: String?
    }

    private final class Log: Sendable {
        let received = Mutex<[Request]>([])
        let script: Mutex<[Int]>
        init(script: [Int]) { self.script = Mutex(script) }
    }

    let port: UInt16
    private let log: Log
    private let task: Task<Void, any Error>

    var requests: [Request] { log.received.withLock { $0 } }

    init(statuses: [Int] = []) async throws {
        let port = try FreePort.next()
        let log = Log(script: statuses)
        self.log = log
        self.port = port
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            log.received.withLock {
                $0.append(
                    Request(
                        body: String(buffer: body), messageID: request.headers[.init("X-Relay-Message-Id")!],
                        rule: request.headers[.init("X-Relay-Rule")!], authorization: request.headers[.authorization]))
            }
            let status = log.script.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            return Response(status: .init(code: status))
        }
        var logger = Logger(label: "webhook")
        logger.logLevel = .critical  // a cancelled server logs its shutdown as errors
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: Int(port))), logger: logger)
        self.task = Task { try await app.runService(gracefulShutdownSignals: []) }
        try await Task.sleep(for: .milliseconds(300))
    }

    func waitFor(_ count: Int, timeout: Duration) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while requests.count < count {
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("webhook got \(requests.count) of \(count) requests within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return requests
    }

    func stop() {
        task.cancel()
    }
}
