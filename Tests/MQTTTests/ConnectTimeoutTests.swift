import Glibc
import Logging
import MQTT
import TestSupport
import Testing

/// A peer that accepts TCP but never speaks TLS must not hold the network thread forever.
@Suite(.timeLimit(.minutes(1))) struct ConnectTimeoutTests {
    @Test func aSilentPeerIsAbandonedAfterTheConnectTimeoutAndRetried() async throws {
        let (fd, port) = try Self.silentListener()
        defer { close(fd) }
        let pki = try TestPKI.make()
        var options = MQTTOptions.local("admin", pki: pki, port: port)
        options.connectTimeout = .milliseconds(300)
        let started = ContinuousClock.now
        let client = MQTTRecorder(try MQTTClient(options: options, logger: Logger(label: "test")))
        let failures = try await client.first(timeout: .seconds(5), "connect timeout") { event in
            if case .connectFailed(let reason, _) = event {
                return reason.contains("no answer from localhost:\(port) within")
            }
            return false
        }
        #expect(failures.at - started >= .milliseconds(300) && failures.at - started < .seconds(3))
        // And it keeps trying: a second attempt times out too.
        try await client.first(
            after: client.all.firstIndex { if case .connectFailed = $0.event { true } else { false } }! + 1,
            timeout: .seconds(5)
        ) { event in
            if case .connectFailed = event { true } else { false }
        }
        await client.client.disconnect()
    }

    /// A listening socket on 127.0.0.1 that never accepts: the kernel completes TCP handshakes from the
    /// backlog, and then nothing answers.
    static func silentListener() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // A port from FreePort, never handed to anyone else in this process (a kernel-picked one could be
        // the port of a broker another test has just killed and is about to restart).
        address.sin_port = try FreePort.next().bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestSupportError("cannot listen: \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
