public import FoundationEssentials

/// Where a channel's signaling is served for a role (`GetSignalingChannelEndpoint`'s `ResourceEndpointList`): the
/// WebSocket to connect to, presigned, and the HTTPS endpoint of `/v1/get-ice-server-config`.
public struct KVSSignalingEndpoints: Sendable, Hashable {
    /// `wss://…` (protocol `WSS`).
    public var wss: URL
    /// `https://…` (protocol `HTTPS`).
    public var https: URL

    public init(wss: URL, https: URL) {
        self.wss = wss
        self.https = https
    }
}
