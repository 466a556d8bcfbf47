import BrowserControl
import Foundation
import TestSupport

extension NATTopology {
    /// nil when the lab can run here; else the reason: not root, `ip`/`nft`/`tc`/`conntrack`/`turnserver`/`socat`/
    /// `chromium` or /dev/net/tun missing, or network namespaces refused. Checked once per process.
    public static var availability: NetworkLabUnavailable? { probed }

    private static let probed: NetworkLabUnavailable? = {
        guard geteuid() == 0 else {
            return NetworkLabUnavailable(
                "not root (network namespaces and nftables need CAP_NET_ADMIN; CI runs as root)")
        }
        let tools = ["ip", "nft", "tc", "conntrack", "turnserver", "socat", Chromium.executable]
        let missing = tools.filter { (try? ChildProcess.locate($0)) == nil }
        guard missing.isEmpty else {
            return NetworkLabUnavailable(
                "\(missing.joined(separator: ", ")) not found — apt-get install iproute2 nftables conntrack coturn "
                    + "socat chromium (scripts/test.sh installs them)")
        }
        guard FileManager.default.fileExists(atPath: "/dev/net/tun") else {
            return NetworkLabUnavailable(
                "/dev/net/tun missing (the lab's WAN wires and its internet are TUN interfaces; modprobe tun, or give "
                    + "the container the device)")
        }
        let probe = "rlab-probe\(getpid())"
        do {
            try command(["ip", "netns", "add", probe])
            defer { _ = try? command(["ip", "netns", "del", probe]) }
            try command(["ip", "netns", "exec", probe, "nft", "list", "tables"])
        } catch {
            return NetworkLabUnavailable("network namespaces refused: \(error)")
        }
        return nil
    }()
}
