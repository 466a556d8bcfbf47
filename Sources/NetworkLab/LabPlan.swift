/// The commands that build the topology, as data: each is run with `ip netns exec <namespace>` in the host
/// it names. A pure value, so the addresses and rules are read in one place (docs/NAT.md draws the same picture).
///
///     home 192.168.10.2 ─ hrt (NAT) 198.51.100.2 ─┐                  ┌─ 198.51.100.6 ort (NAT) ─ office 192.168.20.2
///                                                  └ 198.51.100.1 inet 198.51.100.5 ┘
///                                                       203.0.113.10 (server, on lo)
struct LabPlan: Sendable {
    /// One command in one host.
    struct Step: Sendable, Equatable {
        var host: NATTopology.Host
        var command: [String]
    }

    /// Interfaces: each router has `wan` (to inet) and `lan`; home and office have `eth0`; inet has `hrt0` and `ort0`.
    static let wan = "wan"

    let nat: Bool

    /// The namespaces exist with `lo` up and the WAN wires are in place (``wireAddresses(_:)``); these steps make
    /// the LAN veths.
    var links: [Step] {
        func pair(_ from: NATTopology.Host, _ name: String, _ to: NATTopology.Host, _ peer: String) -> Step {
            Step(
                host: from,
                command: ["ip", "link", "add", name, "type", "veth", "peer", "name", peer, "netns", "{\(to.rawValue)}"])
        }
        return [pair(.hrt, "lan", .home, "eth0"), pair(.ort, "lan", .office, "eth0")]
    }

    /// A router's WAN link is a ``LinkEmulator`` wire (TUN `wan` in the router, TUN `hrt0`/`ort0` in inet), not a
    /// veth, so that it can be shaped without netem; its two point-to-point addresses.
    static func wireAddresses(_ link: NATTopology.Link) -> (router: String, inet: String) {
        link == .homeUplink ? ("198.51.100.2", "198.51.100.1") : ("198.51.100.6", "198.51.100.5")
    }

    /// Addresses, links up, routes and forwarding.
    var addressing: [Step] {
        let addresses: [(NATTopology.Host, String, String)] = [
            // The public server's address on inet's loopback: the container may have no `dummy` module, and an
            // address on lo is local all the same.
            (.inet, "lo", "\(NATTopology.serverAddress)/32"),
            (.hrt, "lan", "192.168.10.1/24"), (.home, "eth0", "192.168.10.2/24"),
            (.ort, "lan", "192.168.20.1/24"), (.office, "eth0", "192.168.20.2/24"),
        ]
        var steps = addresses.map { Step(host: $0.0, command: ["ip", "addr", "add", $0.2, "dev", $0.1]) }
        steps += addresses.filter { $0.1 != "lo" }.map { Step(host: $0.0, command: ["ip", "link", "set", $0.1, "up"]) }
        steps += [
            Step(host: .hrt, command: ["ip", "route", "add", "default", "via", "198.51.100.1"]),
            Step(host: .ort, command: ["ip", "route", "add", "default", "via", "198.51.100.5"]),
            Step(host: .home, command: ["ip", "route", "add", "default", "via", "192.168.10.1"]),
            Step(host: .office, command: ["ip", "route", "add", "default", "via", "192.168.20.1"]),
        ]
        // The rest of the internet: inet routes everything else into a TUN interface nobody reads (nothing leaves the
        // machine). Without a default route, coturn's relay got ENETUNREACH sending the viewer's ICE checks to the
        // robot's private host candidate and closed the viewer's allocation after a second: video froze.
        steps += [
            Step(host: .inet, command: ["ip", "tuntap", "add", "dev", "sink", "mode", "tun"]),
            Step(host: .inet, command: ["ip", "link", "set", "sink", "up"]),
            Step(host: .inet, command: ["ip", "route", "add", "default", "dev", "sink"]),
        ]
        if !nat {
            // Direct: the "internet" knows both LANs, so home and office reach each other through it.
            steps += [
                Step(host: .inet, command: ["ip", "route", "add", "192.168.10.0/24", "via", "198.51.100.2"]),
                Step(host: .inet, command: ["ip", "route", "add", "192.168.20.0/24", "via", "198.51.100.6"]),
            ]
        }
        steps += [NATTopology.Host.inet, .hrt, .ort].map {
            Step(host: $0, command: ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        }
        if nat {
            steps += [NATTopology.Host.hrt, .ort].map { Step(host: $0, command: ["nft", Self.natRules]) }
        }
        return steps
    }

    var all: [Step] { links + addressing }

    /// A home router: only LAN → WAN and the answers to it are forwarded (policy drop), and every flow leaving the
    /// WAN gets a random public port (`fully-random`: a symmetric NAT, so hole punching fails and only a relay
    /// connects two such routers). Unsolicited packets to the WAN address are dropped silently, as home routers do:
    /// answering them with ICMP port unreachable made coturn close the viewer's allocation (coturn reads the ICMP on
    /// its socket to the client as an error) when the robot's ICE checks hit the office router's mapped port.
    static let natRules = """
        table ip rlab {
            chain input {
                type filter hook input priority filter; policy accept;
                iifname "\(wan)" ct state established,related accept
                iifname "\(wan)" drop
            }
            chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept
                iifname "lan" oifname "\(wan)" accept
            }
            chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                oifname "\(wan)" masquerade fully-random
            }
        }
        """

    /// A pulled cable: everything forwarded in or out of the WAN is dropped, silently (added and deleted as a
    /// table of its own, so it works with and without NAT).
    static let cutRules = """
        table ip rlab_cut {
            chain forward {
                type filter hook forward priority -10; policy accept;
                iifname "\(wan)" drop
                oifname "\(wan)" drop
            }
        }
        """
}
