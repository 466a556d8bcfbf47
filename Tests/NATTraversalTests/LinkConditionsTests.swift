import Testing

@testable import NetworkLab

/// The link emulator's model without a network: netem option strings, and what ``LinkSchedule`` decides for each
/// packet with the time passed in.
@Suite struct LinkConditionsTests {
    private static let millisecond: Int64 = 1_000_000

    @Test func parsesTheIssuesNetemLine() throws {
        let conditions = try LinkConditions(netem: "delay 80ms 10ms loss 2% rate 2mbit")
        #expect(conditions.delay == .milliseconds(80))
        #expect(conditions.jitter == .milliseconds(10))
        #expect(conditions.loss == 0.02)
        #expect(conditions.rateBitsPerSecond == 2_000_000)
        #expect(conditions.queueLimit == LinkConditions.defaultQueueLimit)
        #expect(try LinkConditions(netem: conditions.description) == conditions)
    }

    @Test func parsesUnitsAndLimits() throws {
        let conditions = try LinkConditions(netem: "loss random 0.5% delay 1.5s rate 500kbit limit 30")
        #expect(conditions.loss == 0.005)
        #expect(conditions.delay == .milliseconds(1500))
        #expect(conditions.jitter == .zero)
        #expect(conditions.rateBitsPerSecond == 500_000)
        #expect(conditions.queueLimit == .packets(30))
        #expect(try LinkConditions(netem: "rate 100kbps queue 50ms").rateBitsPerSecond == 800_000)
        #expect(try LinkConditions(netem: "rate 100kbps queue 50ms").queueLimit == .duration(.milliseconds(50)))
        #expect(try LinkConditions(netem: "delay 250us 100").jitter == .microseconds(100))
        #expect(try LinkConditions(netem: "  ") == .none)
        #expect(LinkConditions.none.description == "none")
    }

    @Test(arguments: ["delay", "delay fast", "loss 2", "loss 120%", "rate 2mbyte", "limit 0", "jitter 10ms"])
    func refusesMalformedOptions(_ netem: String) {
        #expect(throws: LinkConditions.ParseError.self) { try LinkConditions(netem: netem) }
    }

    @Test func anUnshapedLinkDeliversAtOnce() {
        var schedule = LinkSchedule(.none, seed: 1)
        #expect(schedule.offer(bytes: 1500, at: 7) == .deliver(at: 7))
        #expect(schedule.offer(bytes: 1500, at: 7) == .deliver(at: 7))
    }

    @Test func delayWithJitterStaysWithinItsBoundsAndSpreads() {
        var schedule = LinkSchedule(LinkConditions(delay: .milliseconds(80), jitter: .milliseconds(10)), seed: 2)
        var delays: [Int64] = []
        for index in 0..<2000 {
            let now = Int64(index) * Self.millisecond
            guard case .deliver(let time) = schedule.offer(bytes: 100, at: now) else {
                Issue.record("a packet was dropped without loss or rate")
                return
            }
            delays.append(time - now)
        }
        #expect(delays.allSatisfy { (70 * Self.millisecond)...(90 * Self.millisecond) ~= $0 })
        #expect(delays.min()! < 71 * Self.millisecond && delays.max()! > 89 * Self.millisecond)
        let mean = Double(delays.reduce(0, +)) / Double(delays.count) / Double(Self.millisecond)
        #expect(abs(mean - 80) < 0.5)
        // 1 ms apart with ±10 ms of jitter: some packets overtake others (netem's default without a rate).
        let deliveries = delays.enumerated().map { Int64($0.offset) * Self.millisecond + $0.element }
        #expect(deliveries != deliveries.sorted())
    }

    @Test func lossIsRandomAtItsRateAndRepeatsWithTheSeed() {
        func losses(seed: UInt64) -> [Bool] {
            var schedule = LinkSchedule(LinkConditions(loss: 0.02), seed: seed)
            return (0..<10_000).map { schedule.offer(bytes: 100, at: Int64($0)) == .lost }
        }
        let run = losses(seed: 3)
        // Binomial(10 000, 0.02): mean 200, σ 14; ±5σ.
        #expect((130...270).contains(run.count { $0 }))
        #expect(run == losses(seed: 3))
        #expect(run != losses(seed: 4))
    }

    @Test func theRateSerialisesPacketsBackToBack() {
        // 1 Mbit/s: 1250 bytes take 10 ms.
        var schedule = LinkSchedule(LinkConditions(delay: .milliseconds(5), rateBitsPerSecond: 1_000_000), seed: 5)
        let times = (0..<3).map { _ in schedule.offer(bytes: 1250, at: 0) }
        #expect(times == [.deliver(at: 15 * Self.millisecond), .deliver(at: 25 * Self.millisecond),
                          .deliver(at: 35 * Self.millisecond)])
        // After the queue drained the link is idle again: a new packet starts at once.
        #expect(schedule.offer(bytes: 1250, at: 100 * Self.millisecond) == .deliver(at: 115 * Self.millisecond))
    }

    @Test func aFullQueueDropsTheTail() {
        // 1 Mbit/s with 50 ms of queue: five 1250-byte packets (10 ms each) fit, the sixth is dropped.
        var schedule = LinkSchedule(
            LinkConditions(rateBitsPerSecond: 1_000_000, queueLimit: .duration(.milliseconds(50))), seed: 6)
        let verdicts = (0..<6).map { _ in schedule.offer(bytes: 1250, at: 0) }
        #expect(verdicts.last == .queueFull)
        #expect(verdicts.dropLast().allSatisfy { $0 != .queueFull })
        // 10 ms later one packet has left: one more fits.
        #expect(schedule.offer(bytes: 1250, at: 10 * Self.millisecond) == .deliver(at: 60 * Self.millisecond))
        #expect(schedule.offer(bytes: 1250, at: 10 * Self.millisecond) == .queueFull)

        var counted = LinkSchedule(LinkConditions(rateBitsPerSecond: 1_000_000, queueLimit: .packets(2)), seed: 7)
        #expect((0..<3).map { _ in counted.offer(bytes: 100, at: 0) }.last == .queueFull)
    }

    @Test func aRateChangeTakesEffectWithTheNextPacket() {
        var schedule = LinkSchedule(LinkConditions(rateBitsPerSecond: 4_000_000), seed: 8)
        #expect(schedule.offer(bytes: 1250, at: 0) == .deliver(at: 2_500_000))
        schedule.update(LinkConditions(rateBitsPerSecond: 1_000_000))
        // Queued behind the first packet (2.5 ms), then 10 ms at the new rate.
        #expect(schedule.offer(bytes: 1250, at: 0) == .deliver(at: 12_500_000))
        schedule.update(.none)
        #expect(schedule.offer(bytes: 1250, at: 1) == .deliver(at: 1))
    }

    @Test func withARateJitterNeverReorders() {
        var schedule = LinkSchedule(
            LinkConditions(delay: .milliseconds(80), jitter: .milliseconds(10), rateBitsPerSecond: 10_000_000), seed: 9)
        var deliveries: [Int64] = []
        for index in 0..<500 {
            if case .deliver(let time) = schedule.offer(bytes: 1250, at: Int64(index) * Self.millisecond) {
                deliveries.append(time)
            }
        }
        #expect(deliveries.count == 500)
        #expect(deliveries == deliveries.sorted())
    }

    @Test func theDeliveryQueueReleasesInTimeOrderAndFIFOForTies() {
        var queue = DeliveryQueue()
        for (byte, time) in [(1, 30), (2, 10), (3, 20), (4, 10), (5, 50)] {
            queue.insert([UInt8(byte)], at: Int64(time))
        }
        #expect(queue.nextTime == 10)
        var released: [UInt8] = []
        while let packet = queue.popDue(at: 30) {
            released += packet
        }
        #expect(released == [2, 4, 3, 1])
        #expect(queue.nextTime == 50)
        #expect(queue.popDue(at: 49) == nil)
    }
}
