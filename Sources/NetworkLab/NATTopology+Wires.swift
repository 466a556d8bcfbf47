extension NATTopology {
    /// The wire that is `link` (the router's `wan` is its first end, inet's `hrt0`/`ort0` its second): its
    /// conditions and counters per direction.
    public func wire(_ link: Link) throws -> LinkEmulator {
        guard let wire = wires.withLock({ $0[link] }) else {
            throw NetworkLabUnavailable("the topology \(run) has been destroyed")
        }
        return wire
    }

    /// Makes both WAN links as unshaped wires (``LabPlan/wireAddresses(_:)``).
    func addWires() throws {
        for link in [Link.homeUplink, .officeUplink] {
            let (router, inet) = LabPlan.wireAddresses(link)
            let wire = try LinkEmulator(
                .init(namespace: namespace(link.router), interface: LabPlan.wan, address: router, peer: inet),
                .init(namespace: namespace(.inet), interface: link.inetInterface, address: inet, peer: router))
            wires.withLock { $0[link] = wire }
        }
    }

    /// Closes the wires (their interfaces vanish); before the namespaces are deleted.
    func stopWires() {
        let all = wires.withLock { wires in
            defer { wires = [:] }
            return wires.values
        }
        all.forEach { $0.stop() }
    }
}

extension NATTopology {
    /// Runs `body` on a thread of its own inside `host`'s network namespace and returns its result: sockets it
    /// opens stay in that namespace (a test can then send and receive from its own process, timing each packet
    /// on one clock).
    public func inNamespace<Value: Sendable>(_ host: Host, _ body: @escaping @Sendable () -> Value) throws -> Value {
        try TUN.inNamespace(namespace(host), body)
    }
}
