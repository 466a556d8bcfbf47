import Basics
public import JSONConfig

extension MQTTOptions {
    /// Options from a configuration's `mqtt` section (shared by robotd, robot-server and the relay's accounts),
    /// plus what differs between them: the client id, whether the session is clean, what to subscribe to, the
    /// reconnect back-off's jitter and the in-flight window.
    public init(
        settings: MQTTSettings, clientID: String, cleanSession: Bool = true, subscriptions: [Subscription] = [],
        backoffJitter: Double = 0, maxInflightMessages: Int? = nil
    ) {
        self.init(
            host: settings.endpoint, port: settings.port, clientID: clientID, caFile: settings.caFile,
            certFile: settings.certFile, keyFile: settings.keyFile, alpn: settings.alpn,
            keepAliveSeconds: settings.keepAliveSeconds, cleanSession: cleanSession,
            protocolVersion: settings.protocolVersion == 5 ? .v5 : .v311, subscriptions: subscriptions,
            backoff: CappedBackoff(
                initial: .milliseconds(settings.reconnectInitialMs), maximum: .milliseconds(settings.reconnectMaxMs),
                jitter: backoffJitter),
            connectTimeout: .seconds(settings.connectTimeoutSeconds), maxInflightMessages: maxInflightMessages)
    }
}
