extension NATTopology {
    /// Shapes `link` with netem on both of its ends (the router's WAN and inet's side), e.g.
    /// `"delay 80ms 10ms loss 2% rate 2mbit"`: `tc qdisc replace … root netem <netem>`.
    public func shape(_ link: Link, _ netem: String) throws {
        let options = netem.split(whereSeparator: \.isWhitespace).map(String.init)
        for (host, interface) in ends(link) {
            try run(in: host, ["tc", "qdisc", "replace", "dev", interface, "root", "netem"] + options)
        }
    }

    /// Removes the shaping of `link` (no error when there was none).
    public func clearShaping(_ link: Link) throws {
        for (host, interface) in ends(link) {
            let qdiscs = try run(in: host, ["tc", "qdisc", "show", "dev", interface])
            if qdiscs.contains("netem") {
                try run(in: host, ["tc", "qdisc", "del", "dev", interface, "root"])
            }
        }
    }

    /// Down: the router silently drops everything it would forward across its WAN (a pulled cable; the
    /// interfaces stay up, so nobody is told). Up again: forwarding resumes, the NAT's mappings as they were.
    public func setUplink(_ link: Link, up: Bool) throws {
        let tables = try run(in: link.router, ["nft", "list", "tables"])
        let isCut = tables.contains("rlab_cut")
        if up && isCut {
            try run(in: link.router, ["nft", "delete", "table", "ip", "rlab_cut"])
        } else if !up && !isCut {
            try run(in: link.router, ["nft", LabPlan.cutRules])
        }
    }

    /// Forgets the router's connection tracking (`conntrack -F`): the next packets of every flow get new public
    /// ports, as after a router's reboot or a mobile network's NAT rebinding.
    public func flushNAT(_ link: Link) throws {
        try run(in: link.router, ["conntrack", "-F"])
    }

    private func ends(_ link: Link) -> [(Host, String)] {
        [(link.router, LabPlan.wan), (.inet, link.inetInterface)]
    }
}
