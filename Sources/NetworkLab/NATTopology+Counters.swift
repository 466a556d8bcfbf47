extension NATTopology {
    /// Bytes the router's WAN interface received and sent so far (`/sys/class/net/wan/statistics`, read in the
    /// router's namespace, where `ip netns exec` mounts its own /sys): everything that crossed that uplink.
    public func uplinkBytes(_ link: Link) throws -> (received: Int, sent: Int) {
        let folder = "/sys/class/net/\(LabPlan.wan)/statistics/"
        let output = try run(in: link.router, ["cat", folder + "rx_bytes", folder + "tx_bytes"])
        let values = output.split(separator: "\n").compactMap { Int($0) }
        guard values.count == 2 else {
            throw NetworkLabUnavailable("cannot read the counters of \(link.router.rawValue)'s wan: \(output)")
        }
        return (values[0], values[1])
    }
}
