public import Foundation
import Synchronization

/// A mosquitto broker for one test, started with `scripts/broker.sh` — the script users
/// run — so tests exercise the real configuration: TLS on 127.0.0.1 with client
/// certificates from a ``TestPKI``, CN as username, and the ACL that mirrors the AWS IoT
/// policy (see the script's header).
///
/// Runs in the foreground under a ``ChildProcess``; released or not, it never outlives
/// the test process' normal exit (`deinit` kills it). Its files — `mosquitto.conf`,
/// `acl`, `mosquitto.log` — are in ``directory``.
public final class MosquittoBroker: Sendable {
    public let pki: TestPKI
    /// The TCP port of the TLS listener on 127.0.0.1.
    public let port: UInt16
    /// The broker's folder: config, ACL, log and pid file.
    public let directory: URL
    private let customACL: URL?
    private let settings: [String]
    private let commandPrefix: [String]
    private let process: Mutex<ChildProcess?>

    /// The host name that clients connect to; the broker certificate is issued for it.
    public var host: String { "localhost" }
    public var logFile: URL { directory.appending(path: "mosquitto.log") }
    public var configFile: URL { directory.appending(path: "mosquitto.conf") }

    private init(
        pki: TestPKI, port: UInt16, directory: URL, customACL: URL?, settings: [String], commandPrefix: [String],
        process: ChildProcess
    ) {
        self.pki = pki
        self.port = port
        self.directory = directory
        self.customACL = customACL
        self.settings = settings
        self.commandPrefix = commandPrefix
        self.process = Mutex(process)
    }

    deinit {
        // Dropping the ChildProcess SIGKILLs the broker if it still runs.
        _ = process.withLock { $0.take() }
    }

    /// Starts a broker and returns once its TLS listener accepts connections.
    ///
    /// - Parameters:
    ///   - port: the port to listen on; a free one if nil (retried if another program
    ///     takes it first).
    ///   - acl: a mosquitto ACL file's text to use instead of the script's default ACL.
    ///   - settings: extra `mosquitto.conf` lines (`broker.sh --set`), e.g. `max_queued_messages 0`; `{dir}`
    ///     stands for the broker's folder (`persistence_location {dir}/`).
    ///   - commandPrefix: runs the script through this, e.g. `["ip", "netns", "exec", "rlab-…-inet"]` (its
    ///     127.0.0.1 is then that namespace's).
    public static func start(
        pki: TestPKI, port: UInt16? = nil, acl: String? = nil, settings: [String] = [], commandPrefix: [String] = []
    ) async throws -> MosquittoBroker {
        let directory = try ScratchDirectory.make("broker")
        var customACL: URL?
        if let acl {
            let url = directory.appending(path: "custom.acl")
            try Data(acl.utf8).write(to: url)
            customACL = url
        }
        var attempt = 0
        while true {
            attempt += 1
            let chosen = try port ?? FreePort.next()
            do {
                let process = try await launch(
                    pki: pki, port: chosen, directory: directory, customACL: customACL, settings: settings,
                    commandPrefix: commandPrefix)
                return MosquittoBroker(
                    pki: pki, port: chosen, directory: directory, customACL: customACL, settings: settings,
                    commandPrefix: commandPrefix, process: process)
            } catch let failure as LaunchFailure where failure.addressInUse && port == nil && attempt < 5 {
                continue
            } catch let failure as LaunchFailure {
                throw failure.error
            }
        }
    }

    /// True while the broker process runs.
    public var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    /// Stops the broker cleanly: SIGTERM, then waits for it to exit (SIGKILL after 5 s).
    public func stop() async throws {
        guard let running = process.withLock({ $0.take() }) else { return }
        try await running.terminate(timeout: .seconds(5))
    }

    /// Kills the broker with SIGKILL — a crash: clients see the connection drop.
    public func kill() async throws {
        guard let running = process.withLock({ $0.take() }) else { return }
        try await running.kill()
    }

    /// Starts the broker again on the same port with the same configuration (after
    /// ``stop()`` or ``kill()``; stops it first if it still runs).
    public func restart() async throws {
        try await stop()
        var attempt = 0
        while true {
            attempt += 1
            do {
                let started = try await Self.launch(
                    pki: pki, port: port, directory: directory, customACL: customACL, settings: settings,
                    commandPrefix: commandPrefix)
                process.withLock { $0 = started }
                return
            } catch let failure as LaunchFailure where failure.addressInUse && attempt < 20 {
                // The old socket may linger for a moment after a kill.
                try await Task.sleep(for: .milliseconds(100))
            } catch let failure as LaunchFailure {
                throw failure.error
            }
        }
    }

    /// The broker's whole log so far (every start, every client, every denied publish).
    public var log: String { ChildProcess.read(logFile) }

    /// The last lines of the log, for error messages.
    public func logTail(lines: Int = 30) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Waits until a log line contains `text` (e.g. "Denied PUBLISH"), and returns that line.
    @discardableResult
    public func waitForLog(containing text: String, timeout: Duration = .seconds(5)) async throws -> String {
        let line = try await pollUntil(timeout: timeout, every: .milliseconds(20)) {
            log.split(separator: "\n").last { $0.contains(text) }.map(String.init)
        }
        guard let line else {
            throw TestSupportError(
                "mosquitto on port \(port) logged no line containing \"\(text)\" within \(timeout); "
                    + "end of \(logFile.path):\n\(logTail())")
        }
        return line
    }

    /// Command-line clients (mosquitto_pub, mosquitto_sub) for this broker.
    public var cli: MosquittoCLI { MosquittoCLI(pki: pki, host: host, port: port) }

    private struct LaunchFailure: Error {
        let error: TestSupportError
        let addressInUse: Bool
    }

    private static func launch(
        pki: TestPKI, port: UInt16, directory: URL, customACL: URL?, settings: [String], commandPrefix: [String]
    ) async throws -> ChildProcess {
        var arguments = [directory.path, String(port), "--foreground", "--pki", pki.directory.path]
        if let customACL {
            arguments += ["--acl", customACL.path]
        }
        for setting in settings {
            arguments += ["--set", setting.replacingOccurrences(of: "{dir}", with: directory.path)]
        }
        let command = commandPrefix + [RepositoryPaths.script("broker.sh").path] + arguments
        let process = try ChildProcess.start(command[0], Array(command.dropFirst()), outputDirectory: directory)
        do {
            // broker.sh runs mosquitto with `log_dest stderr` too in the foreground; this
            // line comes after the listener is open.
            try await process.waitUntilOutput(contains: " running", in: .standardError, timeout: .seconds(15))
            return process
        } catch {
            let ended = process.termination
            if ended == nil {
                _ = try? await process.kill()
            }
            let output = process.standardError
            let log = ChildProcess.read(directory.appending(path: "mosquitto.log"))
            let logTail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(20)
            // The log lines are on stderr too: show only what the script and mosquitto said besides.
            let otherOutput = output.split(separator: "\n").filter { !log.contains($0) }.suffix(20)
            let reason = ended.map { "it exited (\($0))" } ?? "it did not report running within 15 s"
            throw LaunchFailure(
                error: TestSupportError(
                    "mosquitto did not start on 127.0.0.1:\(port) (scripts/broker.sh \(directory.path) \(port)): "
                        + "\(reason)\nbroker.sh said:\n\(otherOutput.joined(separator: "\n"))\n"
                        + "end of mosquitto.log:\n\(logTail.joined(separator: "\n"))"),
                addressInUse: output.contains("Address already in use"))
        }
    }
}
