import Foundation
import Synchronization
public import TestSupport

/// The issue's two-NAT network, built in network namespaces of its own: an "internet" (`inet`) with the public
/// server's address 203.0.113.10, a home behind a NAT router (`hrt`) and an office behind another (`ort`).
/// Addresses and rules: ``LabPlan``; docs/NAT.md. Nothing is routed out of the machine, and the root namespace's
/// routes, nftables and qdiscs are never touched.
///
/// Namespaces are named `rlab-<run>-<host>` (`<run>` a random hex per topology); the run is recorded in the test
/// process's ``ScratchDirectory`` so that `scripts/lib/common.sh`'s `reap_test_leftovers` removes what a killed
/// run left. ``destroy()`` kills what runs in them and deletes them; it is idempotent.
public final class NATTopology: Sendable {
    public enum Host: String, Sendable, CaseIterable {
        case inet, hrt, home, ort, office
    }

    /// The internet-facing link of the home (robot) or of the office (viewer): a router's WAN veth.
    public enum Link: Sendable {
        case homeUplink, officeUplink

        var router: Host { self == .homeUplink ? .hrt : .ort }
        /// inet's end of the link.
        var inetInterface: String { self == .homeUplink ? "hrt0" : "ort0" }
    }

    /// The public server's address (robot-server, mosquitto, coturn), in `inet`.
    public static let serverAddress = "203.0.113.10"
    /// The private addresses of the robot and the viewer.
    public static let homeAddress = "192.168.10.2"
    public static let officeAddress = "192.168.20.2"

    /// The short random hex in every namespace's name.
    public let run: String
    /// False: the routers forward without NAT or filter ("direct").
    public let nat: Bool
    private let started = Mutex<[ChildProcess]>([])
    /// The routers' WAN links (userspace wires that can be shaped: ``NATTopology/shape(_:_:)``).
    let wires = Mutex<[Link: LinkEmulator]>([:])
    private let destroyed = Atomic<Bool>(false)

    private init(run: String, nat: Bool) {
        self.run = run
        self.nat = nat
    }

    deinit {
        destroy()
    }

    /// Builds the topology; on any failure removes what it made and throws.
    public static func create(nat: Bool = true) throws -> NATTopology {
        if let unavailable = availability {
            throw unavailable
        }
        let run = String(format: "%06x", UInt32.random(in: 0..<0x100_0000))
        try Self.record(run: run)
        let topology = NATTopology(run: run, nat: nat)
        do {
            for host in Host.allCases {
                try Self.command(["ip", "netns", "add", topology.namespace(host)])
                try topology.run(in: host, ["ip", "link", "set", "lo", "up"])
            }
            try topology.addWires()
            for step in LabPlan(nat: nat).all {
                let command = step.command.map { argument in
                    Host.allCases.first { "{\($0.rawValue)}" == argument }.map(topology.namespace) ?? argument
                }
                try topology.run(in: step.host, command)
            }
        } catch {
            topology.destroy()
            throw error
        }
        return topology
    }

    public func namespace(_ host: Host) -> String { "rlab-\(run)-\(host.rawValue)" }

    /// The command prefix that runs a program inside `host`, for ``ChildProcess/start(_:_:environment:inheritEnvironment:currentDirectory:outputDirectory:)``.
    public func prefix(_ host: Host) -> [String] { ["ip", "netns", "exec", namespace(host)] }

    /// Starts a long-running program in `host`; ``destroy()`` kills it if it still runs. (`ip netns exec` execs the
    /// program, so the child's pid is the program's.)
    public func start(
        in host: Host, _ executable: String, _ arguments: [String], environment: [String: String] = [:]
    ) throws -> ChildProcess {
        let child = try ChildProcess.start(
            "ip", Array(prefix(host).dropFirst()) + [executable] + arguments,
            environment: environment)
        started.withLock { $0.append(child) }
        return child
    }

    /// Runs a short command in `host` and returns its stdout; throws with its stderr when it fails.
    @discardableResult
    public func run(in host: Host, _ command: [String]) throws -> String {
        try Self.command(prefix(host) + command)
    }

    /// Kills what was started in the namespaces (and anything else running there), then deletes them.
    public func destroy() {
        guard !destroyed.exchange(true, ordering: .relaxed) else { return }
        let children = started.withLock { list in
            defer { list = [] }
            return list
        }
        for child in children where child.isRunning {
            child.signal(SIGKILL)
        }
        stopWires()
        for host in Host.allCases {
            let name = namespace(host)
            let pids = (try? Self.command(["ip", "netns", "pids", name])) ?? ""
            for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) {
                kill(pid, SIGKILL)
            }
            _ = try? Self.command(["ip", "netns", "del", name])
        }
    }

    /// Runs `command` (a tool in PATH or the sbin folders) to completion.
    @discardableResult
    static func command(_ command: [String]) throws -> String {
        let result = try ChildProcess.run(command[0], Array(command.dropFirst()), timeout: .seconds(20))
        guard result.termination == .exited(0) else {
            throw TestSupportError(
                "`\(command.joined(separator: " "))` failed (\(result.termination)): "
                    + result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.standardOutput
    }

    /// Adds `run` to this test process's list of lab runs (`<scratch root>/rlab-runs`): `reap_test_leftovers` keeps
    /// the namespaces of runs whose process still lives and deletes every other `rlab-*` namespace.
    private static func record(run: String) throws {
        let file = ScratchDirectory.root.appending(path: "rlab-runs")
        let line = Data("\(run)\n".utf8)
        if let handle = try? FileHandle(forWritingTo: file) {
            defer { try? handle.close() }
            _ = try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } else {
            try line.write(to: file)
        }
    }
}
