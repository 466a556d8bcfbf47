import Basics
import Glibc
@testable import MQTT
import TestSupport
import Testing

/// `DeadLink` and `PathProbe` (docs/MQTT.md, "A dead path") on real sockets: what the path probe calls an answer, and the socket
/// options a connection gets. The outage itself is NATTraversalRecoveryTests' (a router's uplink cut in namespaces).
@Suite struct DeadLinkTests {
    @Test func aListeningBrokerAndARefusingHostBothAnswer() throws {
        let (fd, port) = try ConnectTimeoutTests.silentListener()
        defer { close(fd) }
        #expect(PathProbe.answers(host: "127.0.0.1", port: Int(port)) == true, "a listener answers")
        // Nobody listens on a port just freed: the kernel refuses at once — the host is there, the path works.
        let closed = try FreePort.next()
        #expect(PathProbe.answers(host: "127.0.0.1", port: Int(closed)) == true, "a refusal is an answer")
        #expect(PathProbe.answers(host: "no-such-host.invalid", port: 8883) == nil, "a name that does not resolve")
    }

    @Test func aConnectedSocketGetsKeepAliveProbesAndAUserTimeout() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        DeadLink.arm(socket, timeout: .seconds(3))
        func option(_ level: Int32, _ name: Int32) -> Int32 {
            var value: Int32 = -1
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(socket, level, name, &value, &length)
            return value
        }
        #expect(option(SOL_SOCKET, SO_KEEPALIVE) == 1)
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPIDLE) == 1)
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPINTVL) == 1)
        #expect(option(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT) == 3000)
    }
}
