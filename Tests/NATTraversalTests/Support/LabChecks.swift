import Foundation
import NetworkLab
import Testing
import TestSupport

/// The NAT suites' skip condition: the lab runs only where network namespaces can be made (root, the tools
/// installed). The reason is the trait's comment, so `swift test` prints it beside "skipped".
enum Lab {
    static var isAvailable: Bool {
        if let unavailable = NATTopology.availability {
            print("NATTraversal: skipped — \(unavailable)")
            return false
        }
        return true
    }

    static var skipReason: Comment { "\(NATTopology.availability?.description ?? "the NAT lab can run here")" }
}

/// Plain-socket checks of a topology with `socat`, independent of the stack.
struct LabChecks {
    let topology: NATTopology

    /// Whether a TCP connection from `host` to `address:port` is accepted, with a listener started in `listener`
    /// first; the connecting side's error when it is not.
    func tcpConnects(
        from host: NATTopology.Host, to address: String, port: UInt16, listenerIn listener: NATTopology.Host
    ) async throws -> (connected: Bool, error: String) {
        let server = try topology.start(in: listener, "socat", ["-u", "TCP-LISTEN:\(port),reuseaddr", "-"])
        defer { server.signal(SIGKILL) }
        try await Task.sleep(for: .milliseconds(200))
        let client = try await ChildProcess.run(
            "ip",
            Array(topology.prefix(host).dropFirst())
                + ["socat", "-u", "/dev/null", "TCP:\(address):\(port),connect-timeout=2"],
            timeout: .seconds(5))
        return (client.termination == .exited(0), client.standardError)
    }

    /// Sends one UDP datagram from home's `sourcePort` to each of the server's `ports` and reads the home
    /// router's connection tracking: the public port each flow was given.
    func publicPorts(sourcePort: UInt16, to ports: [UInt16]) async throws -> [UInt16] {
        for port in ports {
            let sent = try await ChildProcess.run(
                "ip",
                Array(topology.prefix(.home).dropFirst())
                    + [
                        "socat", "-u", "EXEC:echo nat-probe",
                        "UDP-SENDTO:\(NATTopology.serverAddress):\(port),sourceport=\(sourcePort)",
                    ],
                timeout: .seconds(5))
            #expect(sent.termination == .exited(0), "socat: \(sent.standardError)")
        }
        let table = try topology.run(in: .hrt, ["conntrack", "-L", "-p", "udp"])
        return ports.compactMap { port in
            // src=192.168.10.2 dst=203.0.113.10 sport=S dport=P … src=203.0.113.10 dst=198.51.100.2 sport=P dport=PUBLIC
            guard
                let line = table.split(separator: "\n").first(where: {
                    $0.contains("sport=\(sourcePort) dport=\(port) ")
                })
            else { return nil }
            let ports = line.split(separator: " ").filter { $0.hasPrefix("dport=") }
            return ports.count == 2 ? UInt16(ports[1].dropFirst("dport=".count)) : nil
        }
    }
}
