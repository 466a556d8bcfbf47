extension NATTopology {
    /// Shapes both directions of `link` with netem's option syntax, e.g. `"delay 80ms 10ms loss 2% rate 2mbit"`
    /// (``LinkConditions/init(netem:)``), applied by the link's userspace wire: this machine's kernel has no netem.
    public func shape(_ link: Link, _ netem: String) throws {
        try shape(link, LinkConditions(netem: netem))
    }

    /// Shapes `link` with `conditions` in one direction (`.aToB`: router → inet, upstream; `.bToA`: downstream)
    /// or both (nil), at once: packets already in flight keep their times.
    public func shape(_ link: Link, _ conditions: LinkConditions, _ direction: LinkEmulator.Direction? = nil) throws {
        try wire(link).set(conditions, direction)
    }

    /// Removes the shaping of `link` (no error when there was none).
    public func clearShaping(_ link: Link) throws {
        try wire(link).set(.none)
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
}
