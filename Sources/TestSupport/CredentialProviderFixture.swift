public import Foundation

/// `Tests/Fixtures/credential_provider.py`: an HTTPS server that requires a client certificate from the test
/// PKI's CA and answers like the AWS IoT credential provider, following a script (`ok`, `ok:SECONDS`, `403`,
/// `404`, `500`, `slow:SECONDS`, `malformed`; the last entry repeats).
public final class CredentialProviderFixture: Sendable {
    public let port: UInt16
    public let process: ChildProcess
    /// One JSON object per request or refused handshake.
    public let logFile: URL

    private init(port: UInt16, process: ChildProcess, logFile: URL) {
        self.port = port
        self.process = process
        self.logFile = logFile
    }

    deinit {
        process.signal(SIGKILL)
    }

    /// Starts the server with the PKI's `broker` certificate (CN localhost) and waits until it listens.
    /// - Parameter clockOffset: seconds the server's clock is ahead of ours (behind if negative).
    public static func start(pki: TestPKI, script: [String] = ["ok"], clockOffset: Int = 0) async throws
        -> CredentialProviderFixture
    {
        let folder = try ScratchDirectory.make("credential-provider")
        let logFile = folder.appending(path: "requests.jsonl")
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try FreePort.next()
            let process = try ChildProcess.start(
                "python3",
                [
                    RepositoryPaths.fixture("credential_provider.py").path, "--port", "\(port)",
                    "--ca", pki.caFile.path, "--cert", pki.directory.appending(path: "broker.crt").path,
                    "--key", pki.directory.appending(path: "broker.key").path, "--log", logFile.path,
                    "--script", script.joined(separator: ","), "--clock-offset", "\(clockOffset)",
                ], outputDirectory: folder)
            do {
                try await process.waitUntilOutput(contains: "listening on", timeout: .seconds(10))
                return CredentialProviderFixture(port: port, process: process, logFile: logFile)
            } catch {
                lastError = error  // the port was taken after all: try another
                _ = try? await process.kill()
            }
        }
        throw lastError ?? TestSupportError("the credential provider fixture did not start")
    }

    /// Requests and refused handshakes so far.
    public var log: [[String: Any]] { JSONLines.read(logFile) }

    /// Requests that reached HTTP (not refused handshakes).
    public var requests: [[String: Any]] { log.filter { $0["path"] != nil } }

    /// Waits until at least `count` requests arrived; returns them.
    @discardableResult
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [[String: Any]] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let requests = self.requests
            if requests.count >= count { return requests }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError(
            "the credential provider fixture got \(requests.count) of \(count) requests within \(timeout)")
    }

    /// The credentials the n-th request (1-based) was given.
    public func issued(_ n: Int) -> [String: String]? {
        requests.first { ($0["n"] as? Int) == n }?["credentials"] as? [String: String]
    }
}
