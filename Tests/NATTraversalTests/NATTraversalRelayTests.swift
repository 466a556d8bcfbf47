import Foundation
import NetworkLab
import Testing
import TestSupport

/// The proof: across two NATs that map every flow to a random public port, the robot's video reaches the
/// page only through the relay, driving moves the motors and the sound plays. First the topology itself, with plain
/// sockets: no route home → office, and a symmetric NAT.
@Suite(.serialized, .enabled(if: Lab.isAvailable, Lab.skipReason))
struct NATTraversalRelayTests {
    @Test("home reaches only the public server; office is unreachable from home; the NAT maps each flow to a random port")
    func topologyIsTwoSymmetricNATs() async throws {
        let topology = try NATTopology.create()
        defer { topology.destroy() }
        let checks = LabChecks(topology: topology)

        let toServer = try await checks.tcpConnects(
            from: .home, to: NATTopology.serverAddress, port: 7000, listenerIn: .inet)
        #expect(toServer.connected, "home → 203.0.113.10 failed: \(toServer.error)")
        let toOffice = try await checks.tcpConnects(
            from: .home, to: NATTopology.officeAddress, port: 7001, listenerIn: .office)
        #expect(!toOffice.connected, "home reached office's private address directly")
        #expect(toOffice.error.contains("unreachable"), "expected no route: \(toOffice.error)")
        let toOfficeRouter = try await checks.tcpConnects(from: .home, to: "198.51.100.6", port: 7002, listenerIn: .office)
        #expect(!toOfficeRouter.connected, "home reached office through its router's public address")

        let ports = try await checks.publicPorts(sourcePort: 40001, to: [5000, 5001, 5002])
        #expect(ports.count == 3, "the home router tracked \(ports.count) of 3 flows")
        #expect(Set(ports).count == ports.count, "one private port got one public port for several peers: \(ports)")
    }
}
