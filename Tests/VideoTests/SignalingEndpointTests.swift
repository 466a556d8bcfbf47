import Testing
@testable import WebRTCProducer

/// Where robot-webrtc probes the path before reconnecting its signaling socket (`PathProbe`, docs/MQTT.md "A dead
/// path"): the host and port of `--server`. Pure.
@Suite struct SignalingEndpointTests {
    @Test(arguments: [
        ("ws://203.0.113.10:8080", "203.0.113.10", 8080),
        ("wss://robots.example.com", "robots.example.com", 443),
        ("ws://robots.example.com/base/", "robots.example.com", 80),
        ("wss://[2001:db8::1]:8443/robots", "2001:db8::1", 8443),
        ("ws://[2001:db8::1]", "2001:db8::1", 80),
    ])
    func theServersHostAndPort(url: String, host: String, port: Int) {
        let endpoint = SignalingConnection.endpoint(of: url)
        #expect(endpoint?.host == host && endpoint?.port == port, "\(url) → \(String(describing: endpoint))")
    }

    @Test(arguments: ["http://example.com", "ws://", "ws://host:port", "ws://[::1]:x"])
    func notAWebSocketServer(url: String) {
        #expect(SignalingConnection.endpoint(of: url) == nil, "\(url)")
    }
}
