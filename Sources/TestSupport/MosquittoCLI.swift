import Foundation

/// Publishes and subscribes with mosquitto's command-line clients (`mosquitto_pub`,
/// `mosquitto_sub`) over TLS with a ``TestPKI``'s certificates: a client that owes
/// nothing to the project's own MQTT code, to test the broker set-up and, end to end,
/// the daemon. MQTT 3.1.1, as AWS IoT Core speaks it, with a clean session.
public struct MosquittoCLI: Sendable {
    public let pki: TestPKI
    public let host: String
    public let port: UInt16

    public init(pki: TestPKI, host: String = "localhost", port: UInt16) {
        self.pki = pki
        self.host = host
        self.port = port
    }

    /// Publishes `message` (UTF-8) as client `identity` (a certificate of ``pki``).
    public func publish(
        topic: String, message: String, as identity: String, qos: Int = 0, retain: Bool = false
    ) async throws {
        try await publish(
            topic: topic, bytes: Array(message.utf8), credentials: pki.credentials(identity),
            qos: qos, retain: retain)
    }

    /// Publishes a binary payload as client `identity`.
    public func publish(
        topic: String, bytes: [UInt8], as identity: String, qos: Int = 0, retain: Bool = false
    ) async throws {
        try await publish(
            topic: topic, bytes: bytes, credentials: pki.credentials(identity),
            qos: qos, retain: retain)
    }

    /// Publishes with explicit credentials (e.g. none, or another CA's) and waits for
    /// `mosquitto_pub` to finish. Throws ``MosquittoClientError`` if the broker refused the
    /// connection or `timeout` passed. A publish that the ACL denies still succeeds, at
    /// QoS 0 and 1 alike: mosquitto acknowledges it and drops it (MQTT 3.1.1 has no way
    /// to say no); it logs "Denied PUBLISH from …".
    public func publish(
        topic: String,
        bytes: [UInt8],
        credentials: ClientCredentials,
        qos: Int = 0,
        retain: Bool = false,
        clientID: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws {
        var arguments = connectionArguments(credentials, clientID: clientID) + ["-t", topic, "-q", String(qos)]
        if retain {
            arguments.append("-r")
        }
        if bytes.isEmpty {
            arguments.append("-n")
        } else if let text = String(validating: bytes, as: UTF8.self), !text.contains("\0") {
            arguments += ["-m", text]
        } else {
            let file = try ScratchDirectory.make("payload").appending(path: "payload.bin")
            try Data(bytes).write(to: file)
            arguments += ["-f", file.path]
        }
        let process = try ChildProcess.start("mosquitto_pub", arguments)
        let command = ChildProcess.describe(["mosquitto_pub"] + arguments)
        let ended: ChildProcess.Termination
        do {
            ended = try await process.waitForExit(timeout: timeout)
        } catch {
            _ = try? await process.kill()
            throw MosquittoClientError(command: command, termination: nil, output: process.outputTail())
        }
        guard ended == .exited(0) else {
            throw MosquittoClientError(command: command, termination: ended, output: process.outputTail())
        }
    }

    /// Subscribes to `topics` as client `identity`; returns once the broker acknowledged.
    public func subscribe(to topics: String..., as identity: String, qos: Int = 0) async throws
        -> MosquittoSubscription
    {
        try await subscribe(to: topics, credentials: pki.credentials(identity), qos: qos)
    }

    /// Starts `mosquitto_sub` on `topics` and returns once the broker acknowledged the
    /// subscription (SUBACK). Throws ``MosquittoClientError`` if the connection is refused.
    ///
    /// mosquitto 2.0's ACL does not refuse a subscription (the SUBACK grants it): it
    /// filters what the subscriber may receive, message by message.
    public func subscribe(
        to topics: [String],
        credentials: ClientCredentials,
        qos: Int = 0,
        clientID: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> MosquittoSubscription {
        // -d prints "Subscribed (mid: 1): 0" on SUBACK; messages print as hex so that
        // binary payloads and newlines survive. stdbuf makes stdout line-buffered:
        // mosquitto_sub flushes after each message but not after its debug lines.
        var arguments = connectionArguments(credentials, clientID: clientID)
        arguments += ["-d", "-q", String(qos), "-F", ReceivedMessage.mosquittoSubFormat]
        for topic in topics {
            arguments += ["-t", topic]
        }
        let lineBuffered = (try? ChildProcess.locate("stdbuf")) != nil
        let command = lineBuffered ? ["stdbuf", "-oL", "mosquitto_sub"] + arguments : ["mosquitto_sub"] + arguments
        let process = try ChildProcess.start(command[0], Array(command.dropFirst()))
        do {
            if lineBuffered {
                try await process.waitUntilOutput(contains: "Subscribed (mid:", timeout: timeout)
            } else {
                // No stdbuf (not Linux): still connected after 0.5 s is the best sign left.
                try await Task.sleep(for: .milliseconds(500))
                if process.termination != nil {
                    throw TestSupportError("mosquitto_sub exited")
                }
            }
        } catch {
            let ended = process.termination
            if ended == nil {
                _ = try? await process.kill()
            }
            throw MosquittoClientError(
                command: ChildProcess.describe(command), termination: ended, output: process.outputTail())
        }
        return MosquittoSubscription(topics: topics, process: process)
    }

    private func connectionArguments(_ credentials: ClientCredentials, clientID: String?) -> [String] {
        var arguments = ["-h", host, "-p", String(port), "-V", "mqttv311", "--cafile", credentials.caFile.path]
        if let cert = credentials.certFile {
            arguments += ["--cert", cert.path]
        }
        if let key = credentials.keyFile {
            arguments += ["--key", key.path]
        }
        if let clientID {
            arguments += ["-i", clientID]
        }
        return arguments
    }
}
