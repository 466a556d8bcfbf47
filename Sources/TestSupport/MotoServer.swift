import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A moto server (a local stand-in for AWS services, SQS among them) for one test:
/// `python3 -m moto.server -H 127.0.0.1 -p PORT` under a ``ChildProcess``, on a free port.
///
/// moto keeps its state in memory, accepts any credentials and does not check signatures. Released or not,
/// it never outlives the test process' normal exit: `deinit` SIGKILLs it if it still runs (its process group
/// too), and an interrupted run's leftovers are killed by the next one (see ``ScratchDirectory``).
/// Needs moto 5 with its server extra: `python3 -m pip install 'moto[server]'`.
public final class MotoServer: Sendable {
    /// The TCP port on 127.0.0.1.
    public let port: UInt16
    private let process: Mutex<ChildProcess?>

    /// The URL that clients use, e.g. `http://127.0.0.1:40123`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(port: UInt16, process: ChildProcess) {
        self.port = port
        self.process = Mutex(process)
    }

    deinit {
        // Dropping the ChildProcess SIGKILLs moto if it still runs.
        _ = process.withLock { $0.take() }
    }

    /// Starts moto on a free port and returns once it accepts connections.
    public static func start(timeout: Duration = .seconds(60)) async throws -> MotoServer {
        var attempt = 0
        while true {
            attempt += 1
            let port = try FreePort.next()
            let process = try ChildProcess.start(
                "python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
                environment: ["PYTHONUNBUFFERED": "1"])
            let accepting = try await pollUntil(timeout: timeout, every: .milliseconds(50)) { () -> Bool? in
                if acceptsConnections(port: port) { return true }
                return process.isRunning ? nil : false
            }
            if accepting == true {
                return MotoServer(port: port, process: process)
            }
            _ = try? await process.kill()
            let output = process.outputTail()
            if output.contains("Address already in use") && attempt < 5 {
                continue
            }
            let fix =
                output.contains("No module named")
                ? " — moto is missing: `python3 -m pip install 'moto[server]'` (scripts/test.sh installs it)" : ""
            let reason = process.termination.map { "it exited (\($0))" } ?? "it did not accept within \(timeout)"
            throw TestSupportError(
                "moto did not start on 127.0.0.1:\(port) (`python3 -m moto.server -H 127.0.0.1 -p \(port)`): "
                    + "\(reason)\(fix)\n\(output)")
        }
    }

    /// True while the moto process runs.
    public var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    /// moto's output so far (the request log), for failure messages.
    public var outputTail: String { process.withLock { $0?.outputTail() ?? "(stopped)" } }

    /// Stops moto: SIGTERM, then SIGKILL after 5 s. Its port then refuses connections.
    public func stop() async throws {
        guard let running = process.withLock({ $0.take() }) else { return }
        try await running.terminate(timeout: .seconds(5))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` right now.
    static func acceptsConnections(port: UInt16) -> Bool {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}
