import ArgumentParser
import MQTT

/// The connection side of both subcommands: waiting for the broker, and telling about trouble on stderr.
enum ConnectionWatch {
    /// Returns once the broker accepted the connection; throws after `timeout`.
    static func waitUntilConnected(_ client: MQTTClient, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !client.isConnected {
            guard ContinuousClock.now < deadline else {
                throw ValidationError(
                    "\(client.options.endpoint) did not accept the connection within \(timeout) — is the broker up, "
                        + "and do --ca-file, --cert-file and --key-file belong to it?")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Prints connection losses, failed attempts and refused subscriptions on stderr until the stream ends, and
    /// hands every event to `onEvent`. Messages never come here: the receiver takes them through an inbound gate.
    static func report(
        _ events: AsyncStream<MQTTEvent>, endpoint: String, onEvent: @Sendable (MQTTEvent) -> Void = { _ in }
    ) async {
        for await event in events {
            onEvent(event)
            switch event {
            case .connectionLost(let reason):
                // "disconnected by client" is our own DISCONNECT at the end.
                if reason != "disconnected by client" { warn("relay-bench: connection to \(endpoint) lost: \(reason)") }
            case .connectFailed(let reason, let retryIn):
                warn("relay-bench: cannot connect to \(endpoint): \(reason); retrying in \(retryIn)")
            case .subscriptionRefused(let filter):
                warn("relay-bench: \(endpoint) refused the subscription to \(filter)")
            case .connected, .subscribed, .message: break
            }
        }
    }
}
