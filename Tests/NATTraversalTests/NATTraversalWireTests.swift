import Foundation
import Glibc
import NetworkLab
import Testing

/// The lab's WAN links are userspace wires (``LinkEmulator``: this kernel has no netem). These tests send UDP from
/// home through the home router's NAT to the server's address in inet, from sockets this process opens inside the
/// namespaces, so each datagram's one-way time is read on one clock.
@Suite(.serialized, .enabled(if: Lab.isAvailable, Lab.skipReason))
struct NATTraversalWireTests {
    private static let millisecond: Int64 = 1_000_000

    @Test func delayAndJitterStayWithinTheirBoundsAndTheNATStillMasquerades() throws {
        try Self.withProbe(port: 41_001) { topology, probe in
            let plain = probe.run(count: 200, interval: 2 * Self.millisecond, payload: 200)
            #expect(plain.arrivals.count == 200, "an unshaped wire lost packets")
            #expect(plain.sources == ["198.51.100.2"], "the home router's masquerade on its TUN wan")
            let plainDelays = plain.delays.sorted()
            let (p50, p99) = (plainDelays[plainDelays.count / 2], plainDelays[plainDelays.count * 99 / 100])
            print("wire unshaped: one-way p50 \(Self.format(p50)) p99 \(Self.format(p99)) "
                + "max \(Self.format(plainDelays.last!))")

            try topology.shape(.homeUplink, "delay 80ms 10ms")
            let shaped = probe.run(count: 400, interval: 5 * Self.millisecond, payload: 200)
            let delays = shaped.delays
            #expect(shaped.arrivals.count == 400)
            // 80 ± 10 ms, plus up to 5 ms for the threads' wake-ups and the receiving loop's polling.
            let outside = delays.filter { !((70 * Self.millisecond)...(95 * Self.millisecond)).contains($0) }
            #expect(outside.isEmpty, "one-way delays outside 70…95 ms: \(outside.map(Self.format))")
            let mean = delays.reduce(0, +) / Int64(delays.count)
            #expect((78 * Self.millisecond)...(83 * Self.millisecond) ~= mean)
            #expect(delays.min()! < 73 * Self.millisecond && delays.max()! > 87 * Self.millisecond, "no spread")
            print("wire delay 80ms 10ms: one-way min \(Self.format(delays.min()!)) mean \(Self.format(mean)) "
                + "max \(Self.format(delays.max()!)); reordered \(shaped.reordered) of \(shaped.arrivals.count)")
        }
    }

    @Test func lossFollowsItsProbabilityOverThousandsOfPackets() throws {
        try Self.withProbe(port: 41_002) { topology, probe in
            try topology.shape(.homeUplink, "loss 2%")
            let count = 4000
            let result = probe.run(count: count, interval: Self.millisecond / 2, payload: 200)
            let missing = count - result.arrivals.count
            // Binomial(4000, 0.02): mean 80, σ 8.9; ±5σ.
            #expect((36...124).contains(missing), "\(missing) of \(count) lost at 2 %")
            #expect(try topology.wire(.homeUplink).counters(.aToB).lost >= missing)
            print("wire loss 2%: \(missing) of \(count) datagrams lost (\(Double(missing) / Double(count) * 100) %)")
        }
    }

    @Test func aFloodThroughOneMegabitArrivesAtOneMegabit() throws {
        try Self.withProbe(port: 41_003) { topology, probe in
            try topology.shape(.homeUplink, "rate 1mbit")
            // 2 Mbit/s offered for 4 s: 1000-byte datagrams (1028 bytes of IP) every 4.112 ms.
            let result = probe.run(count: 973, interval: 4_112_000, payload: 1000)
            let rate = result.bitsPerSecond(from: 1_000 * Self.millisecond, to: 4_000 * Self.millisecond)
            #expect(abs(rate - 1_000_000) < 50_000, "arrived at \(Int(rate)) bit/s")
            let counters = try topology.wire(.homeUplink).counters(.aToB)
            #expect(counters.queueDropped > 300, "the queue dropped \(counters.queueDropped)")
            let late = result.delays.suffix(100)
            print("wire rate 1mbit, 2 Mbit/s offered: \(Int(rate)) bit/s arrived, "
                + "\(counters.queueDropped) queue drops, one-way delay at the end \(Self.format(late.reduce(0, +) / Int64(late.count)))")
        }
    }

    @Test func aRateChangeTakesEffectAtOnce() throws {
        try Self.withProbe(port: 41_004) { topology, probe in
            try topology.shape(.homeUplink, "rate 4mbit")
            // 6 Mbit/s offered for 6 s; 4 → 1 Mbit/s at 2 s, back to 4 at 4 s (the steps).
            let steps: [(Int64, LinkConditions)] = [
                (2_000 * Self.millisecond, LinkConditions(rateBitsPerSecond: 1_000_000)),
                (4_000 * Self.millisecond, LinkConditions(rateBitsPerSecond: 4_000_000)),
            ]
            let result = probe.run(count: 4380, interval: 1_370_667, payload: 1000) { elapsed, next in
                guard next < steps.count, elapsed >= steps[next].0 else { return next }
                try? topology.shape(.homeUplink, steps[next].1)
                return next + 1
            }
            let windows = [(500, 2_000), (2_300, 4_000), (4_300, 6_000)].map {
                result.bitsPerSecond(from: Int64($0.0) * Self.millisecond, to: Int64($0.1) * Self.millisecond)
            }
            #expect(abs(windows[0] - 4_000_000) < 200_000, "before: \(Int(windows[0])) bit/s")
            #expect(abs(windows[1] - 1_000_000) < 50_000, "0.3 s after the drop: \(Int(windows[1])) bit/s")
            #expect(abs(windows[2] - 4_000_000) < 200_000, "0.3 s after the rise: \(Int(windows[2])) bit/s")
            print("wire rate 4 → 1 → 4 Mbit/s (6 Mbit/s offered): \(windows.map { Int($0) }) bit/s")
        }
    }

    /// A fresh topology and a UDP probe in it, both removed afterwards.
    private static func withProbe(port: UInt16, _ body: (NATTopology, UDPProbe) throws -> Void) throws {
        let topology = try NATTopology.create()
        defer { topology.destroy() }
        let probe = try UDPProbe(topology, port: port)
        defer { probe.close() }
        try body(topology, probe)
    }

    private static func format(_ nanoseconds: Int64) -> String {
        String(format: "%.2f ms", Double(nanoseconds) / 1e6)
    }
}

/// A UDP sender in home (to the server's address) and a receiver in inet, both sockets of this process: each
/// datagram carries its number and its sending time on the monotonic clock.
struct UDPProbe {
    struct Arrival {
        var number: Int
        var sent: Int64
        var received: Int64
        var bytes: Int
        var source: String
    }

    struct Result {
        var start: Int64
        var arrivals: [Arrival]
        var delays: [Int64] { arrivals.map { $0.received - $0.sent } }
        var sources: Set<String> { Set(arrivals.map(\.source)) }
        /// Datagrams that arrived after one with a higher number.
        var reordered: Int {
            var highest = -1
            return arrivals.reduce(0) { count, arrival in
                defer { highest = max(highest, arrival.number) }
                return arrival.number < highest ? count + 1 : count
            }
        }

        /// IP bits per second that arrived between `from` and `to` after the start.
        func bitsPerSecond(from: Int64, to: Int64) -> Double {
            let window = arrivals.filter { (start + from)...(start + to) ~= $0.received }
            let bits = window.reduce(0) { $0 + ($1.bytes + 28) * 8 }
            return Double(bits) / (Double(to - from) / 1e9)
        }
    }

    let sender: Int32
    let receiver: Int32

    init(_ topology: NATTopology, port: UInt16) throws {
        receiver = try topology.inNamespace(.inet) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var size: Int32 = 8 << 20
            setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
            var address = Self.address(NATTopology.serverAddress, port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            return bound == 0 ? fd : -1
        }
        sender = try topology.inNamespace(.home) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var address = Self.address(NATTopology.serverAddress, port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            return connected == 0 ? fd : -1
        }
        guard receiver >= 0, sender >= 0 else {
            throw NetworkLabUnavailable("cannot open the UDP probe's sockets: \(String(cString: strerror(errno)))")
        }
    }

    func close() {
        _ = Glibc.close(sender)
        _ = Glibc.close(receiver)
    }

    /// Sends `count` datagrams of `payload` bytes, one every `interval` nanoseconds, receiving meanwhile, then
    /// receives for 400 ms more. `tick` is called each turn with the time since the start and its own state.
    func run(
        count: Int, interval: Int64, payload: Int, tick: (_ elapsed: Int64, _ state: Int) -> Int = { $1 }
    ) -> Result {
        var packet = [UInt8](repeating: 0x55, count: payload)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var arrivals: [Arrival] = []
        let start = Self.now()
        var sent = 0
        var state = 0
        let end = start + Int64(count) * interval + 400_000_000
        while Self.now() < end {
            state = tick(Self.now() - start, state)
            while sent < count, Self.now() - start >= Int64(sent) * interval {
                withUnsafeBytes(of: (UInt64(sent), Self.now())) { packet.replaceSubrange(0..<16, with: $0) }
                _ = packet.withUnsafeBytes { send(sender, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                sent += 1
            }
            while true {
                var source = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let received = buffer.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &source) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(receiver, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &length)
                        }
                    }
                }
                guard received >= 16 else { break }
                let now = Self.now()
                let (number, time) = buffer.withUnsafeBytes { ($0.loadUnaligned(as: UInt64.self),
                                                                 $0.loadUnaligned(fromByteOffset: 8, as: Int64.self)) }
                arrivals.append(Arrival(number: Int(number), sent: time, received: now, bytes: received,
                                        source: String(cString: inet_ntoa(source.sin_addr))))
            }
            usleep(100)
        }
        return Result(start: start, arrivals: arrivals)
    }

    private static func address(_ ip: String, _ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(ip)
        return address
    }

    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
